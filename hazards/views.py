"""The hazard register, its workflow moves and the inbox. Thin: parse, one service call, render.

Hazards have no PUT, PATCH or DELETE (405): every change is a move of the workflow, recorded as an event.
"""

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
        summary="The hazard register (隐患清单) the caller may read",
        description="Most urgent first: overdue, then major before general, then the nearest deadline, then "
        "the newest.",
    ),
    retrieve=extend_schema(summary="One hazard with its rectification plan, photos and every move it made"),
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
        hazard = selectors.hazard_get_for(self.request.user, hazard.pk)
        return Response(HazardDetailSerializer(hazard, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary="Report a hazard (随手拍 by a member; a finding of a regulator in scope)",
        description="Members of the enterprise report with source `ad_hoc`, regulators in scope with source "
        "`regulator`. A major hazard needs its `basis` (判定依据) and notifies the principal and the actual "
        "controller at once (seed item 34). An enterprise the caller cannot see is answered like one that "
        "does not exist.",
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
        summary="Assign the rectification: who, by when, how (safety managers)",
        description="open -> rectifying; again while rectifying re-assigns and restarts the escalation ladder.",
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
        summary="Submit the rectification with photos of the result (the responsible person)",
        description="rectifying -> pending_acceptance. A photo whose bytes equal a photo taken when the hazard "
        "was found is refused (code photo_reused).",
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
        summary="Accept the rectification and close the hazard (销号; safety officer or above)",
        description="pending_acceptance -> closed. Whoever rectified a major hazard may not accept it.",
        request=HazardAcceptSerializer,
        responses={200: HazardDetailSerializer, 409: ILLEGAL},
        examples=[
            error_example("permission_denied", "重大隐患的整改人不能验收自己的整改。", status_codes=("403",)),
            ILLEGAL_EXAMPLE,
        ],
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        hazard = self.get_object()
        data = self._parse(HazardAcceptSerializer)
        return self._render(services.hazard_accept(hazard=hazard, by=request.user, **data))

    @extend_schema(
        summary="Send the rectification back with the reason (safety officer or above)",
        description="pending_acceptance -> rectifying.",
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


@extend_schema_view(list=extend_schema(summary="The caller's inbox, newest first"))
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller, no inbox
            return Notification.objects.none()
        return selectors.notifications_of(self.request.user)

    @extend_schema(
        summary="Mark one notification read (again: unchanged)", request=None, responses={200: NotificationSerializer}
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = selectors.notification_get_for(request.user, pk)
        notification = services.notification_mark_read(notification=notification, by=request.user)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        summary="Mark every notification of the caller read",
        request=None,
        responses={200: NotificationReadAllSerializer},
        examples=[OpenApiExample("marked", value={"count": 3}, response_only=True)],
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        count = services.notifications_mark_all_read(by=request.user)
        return Response(NotificationReadAllSerializer({"count": count}).data)
