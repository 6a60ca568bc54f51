"""The hazard register, its workflow moves and the inbox. Thin: parse, one service call, render.

Hazards have no PUT, PATCH or DELETE (405): every change is a move of the workflow, recorded as an event.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.schema import error_example
from core.serializers import ErrorSerializer
from hazards import selectors, services
from hazards.filters import HazardFilter, NotificationFilter
from hazards.models import Notification
from hazards.serializers import (
    HazardAcceptSerializer,
    HazardAssignSerializer,
    HazardDetailSerializer,
    HazardRejectSerializer,
    HazardReportSerializer,
    HazardSerializer,
    HazardSubmitSerializer,
    NotificationReadAllSerializer,
    NotificationSerializer,
)

ILLEGAL = OpenApiResponse(
    ErrorSerializer, description="The hazard's status does not allow this move (code illegal_transition)."
)
ILLEGAL_EXAMPLE = error_example(
    "illegal_transition", "隐患当前状态为「待整改」,不能验收销号。", "status", status_codes=("409",)
)
READ_ONLY = error_example("permission_denied", "监管人员只能查看,不能处理隐患。", status_codes=("403",))


@extend_schema_view(
    list=extend_schema(
        summary=_("调用者可查看的隐患清单"),
        description=_("最紧急的在前:先逾期的,再重大隐患先于一般隐患,再整改期限最近的,最后最新的。"),
    ),
    retrieve=extend_schema(summary=_("单个隐患及其整改方案、照片和全部流转记录")),
)
class HazardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = HazardFilter

    def get_queryset(self):
        queryset = selectors.hazards_visible_to(self.request.user)
        if self.action == "retrieve":
            queryset = selectors.hazard_detail_queryset(queryset)
        return queryset

    def get_serializer_class(self):
        return HazardSerializer if self.action == "list" else HazardDetailSerializer

    def _parse(self, serializer_class, **context):
        serializer = serializer_class(data=self.request.data, context={"request": self.request, **context})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _render(self, hazard, code=status.HTTP_200_OK) -> Response:
        hazard = selectors.access_hazard(self.request.user, hazard.pk)
        return Response(HazardDetailSerializer(hazard, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary=_("上报隐患(企业人员随手拍;监管人员在监管范围内的检查发现)"),
        description=_(
            "企业人员上报的来源为 `ad_hoc`,监管范围内的监管人员上报的来源为 `regulator`。"
            "重大隐患须填写 `basis`(判定依据),并立即通知主要负责人和实际控制人(目标清单第 34 项)。"
            "调用者看不到的企业与不存在的企业答复相同。"
        ),
        request=HazardReportSerializer,
        responses={201: HazardDetailSerializer},
        examples=[
            OpenApiExample(
                "major hazard",
                request_only=True,
                value={
                    "enterprise": 1,
                    "post": 3,
                    "grade": "major",
                    "description": "反应釜区可燃气体报警器失效",
                    "basis": "应急管理部令第10号 第二条第(三)项",
                    "photos": [41],
                },
            ),
            error_example("invalid", "重大隐患须注明判定依据。", "basis"),
        ],
    )
    def create(self, request):
        hazard = services.hazard_report(by=request.user, data=self._parse(HazardReportSerializer))
        return self._render(hazard, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("指派整改:责任人、期限和措施(安全管理人员)"),
        description=_("open -> rectifying;整改中再次指派即重新指派,并重新开始逐级提醒。"),
        request=HazardAssignSerializer,
        responses={200: HazardDetailSerializer, 409: ILLEGAL},
        examples=[
            OpenApiExample(
                "by deadline",
                request_only=True,
                value={
                    "responsible": 12,
                    "deadline": "2024-07-10T18:00:00+08:00",
                    "measures": "更换失效报警器并校验",
                    "rectification_mode": "by_deadline",
                },
            ),
            error_example("invalid", "整改期限须晚于当前时间。", "deadline"),
            READ_ONLY,
            ILLEGAL_EXAMPLE,
        ],
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        hazard = self.get_object()
        data = self._parse(HazardAssignSerializer, hazard=hazard)
        return self._render(services.hazard_assign(hazard=hazard, by=request.user, **data))

    @extend_schema(
        summary=_("提交整改结果及照片(整改责任人)"),
        description=_(
            "rectifying -> pending_acceptance。与发现隐患时所拍照片内容完全相同的照片会被拒绝(code photo_reused)。"
        ),
        request=HazardSubmitSerializer,
        responses={200: HazardDetailSerializer, 409: ILLEGAL},
        examples=[
            OpenApiExample("evidence", request_only=True, value={"note": "已更换报警器并校验合格", "photos": [57, 58]}),
            error_example("photo_reused", "整改照片与发现隐患时的照片相同。", "photos"),
            error_example("permission_denied", "只有整改责任人可以提交整改。", status_codes=("403",)),
            ILLEGAL_EXAMPLE,
        ],
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        hazard = self.get_object()
        data = self._parse(HazardSubmitSerializer)
        return self._render(services.hazard_submit(hazard=hazard, by=request.user, **data))

    @extend_schema(
        summary=_("验收整改并销号(安全员及以上)"),
        description=_(
            "pending_acceptance -> closed。四眼原则:提交过该隐患整改的人(无论隐患等级)不得验收(403,code four_eyes)。"
        ),
        request=HazardAcceptSerializer,
        responses={200: HazardDetailSerializer, 409: ILLEGAL},
        examples=[
            error_example(
                "four_eyes", "整改人不能验收自己整改的隐患,请由其他安全管理人员验收。", status_codes=("403",)
            ),
            ILLEGAL_EXAMPLE,
        ],
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        hazard = self.get_object()
        data = self._parse(HazardAcceptSerializer)
        return self._render(services.hazard_accept(hazard=hazard, by=request.user, **data))

    @extend_schema(
        summary=_("退回整改并说明理由(安全员及以上)"),
        description=_("pending_acceptance -> rectifying。提交过该隐患整改的人同样不得评判(403,code four_eyes)。"),
        request=HazardRejectSerializer,
        responses={200: HazardDetailSerializer, 409: ILLEGAL},
        examples=[
            OpenApiExample("reason", request_only=True, value={"note": "报警器未校验,请补充校验记录"}),
            error_example("blank", "该字段不能为空。", "note"),
            ILLEGAL_EXAMPLE,
        ],
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        hazard = self.get_object()
        data = self._parse(HazardRejectSerializer)
        return self._render(services.hazard_reject(hazard=hazard, by=request.user, **data))


@extend_schema_view(list=extend_schema(summary=_("调用者的通知,最新的在前")))
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller, no inbox
            return Notification.objects.none()
        return selectors.notifications_of(self.request.user)

    @extend_schema(
        summary=_("将一条通知标为已读(重复操作:不变)"), request=None, responses={200: NotificationSerializer}
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = selectors.access_notification(request.user, pk)
        notification = services.notification_mark_read(notification=notification, by=request.user)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        summary=_("将调用者的全部通知标为已读"),
        request=None,
        responses={200: NotificationReadAllSerializer},
        examples=[OpenApiExample("marked", value={"count": 3}, response_only=True)],
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        count = services.notifications_mark_all_read(by=request.user)
        return Response(NotificationReadAllSerializer({"count": count}).data)
