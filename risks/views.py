from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.renderers import FileAnswerMixin, SvgRenderer, json_error_responses
from core.schema import error_example
from orgs.selectors import scope_to
from risks import map as risk_map
from risks import selectors, services
from risks.filters import ControlFilter, RiskPointFilter
from risks.models import Control, HazardSource, RiskPoint
from risks.serializers import (
    AssessmentInputSerializer,
    AssessmentSerializer,
    ControlSerializer,
    ControlUpdateSerializer,
    HazardSourceSerializer,
    HazardSourceUpdateSerializer,
    RiskBandsResultSerializer,
    RiskBandsSerializer,
    RiskPointSerializer,
    RiskPointUpdateSerializer,
    SitePlanSerializer,
    SitePlanUploadSerializer,
)

READ_ONLY = error_example("permission_denied", "您的角色无权执行此操作。", status_codes=("403",))
POINT_EXAMPLE = OpenApiExample(
    "reactor",
    value={
        "enterprise": 1,
        "kind": "equipment",
        "name": "1# 反应釜",
        "location": "合成车间一楼",
        "posts": [12],
        "plan_x": 0.32,
        "plan_y": 0.41,
        "emergency_steps": ["关闭进料阀和加热蒸汽", "启动紧急冷却", "撤离至上风向并报告值班室"],
    },
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("风险点清单,含危险源、管控措施、评价记录和定级历史")),
    retrieve=extend_schema(summary=gettext_lazy("单个风险点")),
    create=extend_schema(
        summary=gettext_lazy("登记风险点(安全管理人员)"),
        examples=[POINT_EXAMPLE, error_example("unique", "该企业已有同名风险点。", "name"), READ_ONLY],
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("修改风险点,含在平面图上的位置(安全管理人员)"),
        request=RiskPointUpdateSerializer,
        examples=[OpenApiExample("place", value={"plan_x": 0.5, "plan_y": 0.25}, request_only=True), READ_ONLY],
    ),
)
class RiskPointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = RiskPoint.objects.none()
    serializer_class = RiskPointSerializer
    filterset_class = RiskPointFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.risk_points_visible_to(self.request.user)

    def get_serializer_class(self):
        return RiskPointUpdateSerializer if self.action == "partial_update" else RiskPointSerializer

    def perform_create(self, serializer):
        serializer.instance = services.risk_point_save(
            by=self.request.user, risk_point=None, data=serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.risk_point_save(
            by=self.request.user, risk_point=serializer.instance, data=serializer.validated_data
        )

    def _fresh(self, pk):
        return self.get_queryset().get(pk=pk)

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        response.data = RiskPointSerializer(
            self._fresh(response.data["id"]), context=self.get_serializer_context()
        ).data
        return response

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        response.data = RiskPointSerializer(self._fresh(kwargs["pk"]), context=self.get_serializer_context()).data
        return response

    @extend_schema(
        methods=["get"],
        summary=gettext_lazy("风险点的全部评价记录,最新的在前"),
        responses={200: AssessmentSerializer(many=True)},
    )
    @extend_schema(
        methods=["post"],
        summary=gettext_lazy("评价风险点(LEC 或 LS),按企业的分级标准定级(安全管理人员)"),
        description=gettext_lazy(
            "LEC:D = L × E × C,L ∈ {10, 6, 3, 1, 0.5, 0.2, 0.1},E ∈ {10, 6, 3, 2, 1, 0.5},"
            "C ∈ {100, 40, 15, 7, 3, 1};LS:R = L × S,L、S ∈ 1..5。评价记录不可修改,新的评价为新版本;"
            "风险点的等级取最新评价在现行分级标准下的等级。因子不在取值表内时返回 400 并指明该因子。"
        ),
        request=AssessmentInputSerializer,
        responses={201: AssessmentSerializer},
        examples=[
            OpenApiExample(
                "LEC", value={"method": "LEC", "likelihood": 6, "exposure": 6, "consequence": 15}, request_only=True
            ),
            OpenApiExample("LS", value={"method": "LS", "likelihood": 4, "severity": 4}, request_only=True),
            error_example("not_in_table", "E 取值必须是 10、6、3、2、1、0.5 之一。", "exposure"),
            READ_ONLY,
        ],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def assessments(self, request, pk=None):
        if request.method == "GET":
            point = selectors.access_risk_point(request.user, pk)
            rows = point.assessments.order_by("-version")
            return Response(AssessmentSerializer(rows, many=True).data)
        point = selectors.access_risk_point(request.user, pk, write=True)
        data = AssessmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = services.assessment_create(by=request.user, risk_point=point, data=data.validated_data)
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    create=extend_schema(
        summary=gettext_lazy("在风险点登记危险源及可能导致的事故类型(GB 6441,安全管理人员)"),
        examples=[
            OpenApiExample(
                "leak",
                value={"risk_point": 3, "name": "物料泄漏遇点火源", "accident_types": ["fire", "other_explosion"]},
                request_only=True,
            ),
            error_example("invalid", "“flood” 不是 GB 6441 的事故类别。", "accident_types[0]"),
        ],
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("修改危险源(安全管理人员)"), request=HazardSourceUpdateSerializer
    ),
)
class HazardSourceViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    queryset = HazardSource.objects.none()
    serializer_class = HazardSourceSerializer
    http_method_names = ["post", "patch", "options"]

    def get_queryset(self):
        return scope_to(self.request.user, HazardSource.objects.all(), via="risk_point__enterprise")

    def get_serializer_class(self):
        return HazardSourceUpdateSerializer if self.action == "partial_update" else HazardSourceSerializer

    def perform_create(self, serializer):
        serializer.instance = services.hazard_source_save(
            by=self.request.user, source=None, data=serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.hazard_source_save(
            by=self.request.user, source=serializer.instance, data=serializer.validated_data
        )


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("管控措施清单;checked=false 列出没有检查项验证的措施")),
    create=extend_schema(
        summary=gettext_lazy("为危险源添加管控措施(安全管理人员);重大风险须由公司级管控"),
        examples=[
            OpenApiExample(
                "gas detector",
                value={
                    "source": 5,
                    "measure": "可燃气体报警仪完好,每班确认读数",
                    "type": "engineering",
                    "level": "company",
                    "owner_post": 12,
                    "tier": "daily",
                },
                request_only=True,
            ),
            error_example("control_level", "重大风险必须由公司级管控。", "level"),
        ],
    ),
    partial_update=extend_schema(summary=gettext_lazy("修改管控措施(安全管理人员)"), request=ControlUpdateSerializer),
)
class ControlViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    queryset = Control.objects.none()
    serializer_class = ControlSerializer
    filterset_class = ControlFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.controls_visible_to(self.request.user)

    def get_serializer_class(self):
        return ControlUpdateSerializer if self.action == "partial_update" else ControlSerializer

    def _checked(self, control):
        return self.get_queryset().get(pk=control.pk)

    def perform_create(self, serializer):
        control = services.control_save(by=self.request.user, control=None, data=serializer.validated_data)
        serializer.instance = self._checked(control)

    def perform_update(self, serializer):
        control = services.control_save(
            by=self.request.user, control=serializer.instance, data=serializer.validated_data
        )
        serializer.instance = self._checked(control)


class RiskBandsApi(APIView):
    @extend_schema(summary=gettext_lazy("企业的风险分级标准(未设置时为默认值)"), responses={200: RiskBandsSerializer})
    def get(self, request, pk):
        enterprise = selectors.access_enterprise_register(request.user, pk)
        return Response(RiskBandsSerializer(selectors.risk_bands_of(enterprise.pk)).data)

    @extend_schema(
        summary=gettext_lazy("调整风险分级标准并按最新评价重新定级(安全管理人员)"),
        description=gettext_lazy(
            "默认:LEC D ≥ 320 重大(红)、160–319 较大(橙)、70–159 一般(黄)、< 70 低(蓝);"
            "LS R ≥ 20 红、15–19 橙、9–14 黄、≤ 8 蓝。每个字段是该等级的最低分。等级改变的风险点留下定级记录。"
        ),
        request=RiskBandsSerializer,
        responses={200: RiskBandsResultSerializer},
        examples=[
            OpenApiExample("stricter", value={"lec_red": 240, "lec_orange": 120}, request_only=True),
            error_example("invalid", "分级标准必须满足:重大 > 较大 > 一般 > 0。", "lec_orange"),
            READ_ONLY,
        ],
    )
    def put(self, request, pk):
        enterprise = selectors.access_enterprise_register(request.user, pk, write=True)
        data = RiskBandsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        bands, regraded = services.risk_bands_set(by=request.user, enterprise=enterprise, data=data.validated_data)
        return Response({**RiskBandsSerializer(bands).data, "regraded": regraded})


class SitePlanApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary=gettext_lazy("上传厂区平面图(PNG 或 JPEG,安全管理人员),替换原图"),
        request={"multipart/form-data": SitePlanUploadSerializer},
        responses={200: SitePlanSerializer},
        examples=[error_example("invalid", "请上传 PNG 或 JPEG 格式的平面图。", "image")],
    )
    def put(self, request, pk):
        enterprise = selectors.access_enterprise_register(request.user, pk, write=True)
        data = SitePlanUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.site_plan_upload(by=request.user, enterprise=enterprise, upload=data.validated_data["image"])
        return Response(SitePlanSerializer(plan).data)


class RiskMapSvgApi(FileAnswerMixin, APIView):
    renderer_classes = [SvgRenderer]

    @extend_schema(
        operation_id="v1_enterprises_risk_map_svg_retrieve",
        summary=gettext_lazy("四色分布图 SVG:每个风险点按其最高风险等级着色"),
        description=gettext_lazy("厂区平面图上的每个风险点按其风险等级着色(红橙黄蓝,未评价为灰色),下方为图例。"),
        responses={
            (200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.BINARY, description="SVG document"),
            **json_error_responses("401", "403", "404", "406"),
        },
    )
    def get(self, request, pk):
        enterprise = selectors.access_enterprise_register(request.user, pk)
        response = Response(risk_map.risk_map_svg(enterprise))
        response["Content-Disposition"] = f'inline; filename="risk-map-{enterprise.pk}.svg"'
        return response
