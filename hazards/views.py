"""The hazard register, its workflow moves and the inbox. Thin: parse, one service call, render.

Hazards have no PUT, PATCH or DELETE (405): every change is a move of the workflow, recorded as an event.
"""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from checklists import photo_display
from checklists.serializers import OnboardingErrorSerializer
from core.errors import ApplicationError, NotFound
from core.files import stored_file_response
from core.renderers import JpegRenderer, JsonErrorsMixin, PdfRenderer, XlsxRenderer, json_error_responses
from core.schema import error_example
from core.serializers import ErrorSerializer
from hazards import ledger, selectors, services
from hazards.filters import HazardFilter, NotificationFilter
from hazards.models import JudgmentClause, JudgmentStandard, Notification
from hazards.serializers import (
    HazardAcceptSerializer,
    HazardAssignSerializer,
    HazardClassifySerializer,
    HazardDetailSerializer,
    HazardPlanWriteSerializer,
    HazardProgressSerializer,
    HazardRejectSerializer,
    HazardReportSerializer,
    HazardSerializer,
    HazardSubmitSerializer,
    HazardSuperviseSerializer,
    HazardVerifySerializer,
    JudgmentClauseQuerySerializer,
    JudgmentClauseSerializer,
    JudgmentStandardSerializer,
    LedgerImportResultSerializer,
    LedgerQuerySerializer,
    LedgerUploadSerializer,
    MajorHazardStatsQuerySerializer,
    MajorHazardStatsRowSerializer,
    NotificationReadAllSerializer,
    NotificationSerializer,
    PublicReportConvertSerializer,
    PublicReportDismissSerializer,
    PublicReportSerializer,
    RectificationPlanSerializer,
)
from orgs.models import Enterprise
from orgs.selectors import get_visible

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
        if self.action == "supervised":
            return selectors.supervised_hazards(self.request.user)
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
            "重大隐患须以 `basis_clause` 引用发现之日有效、适用于企业所属行业的判定标准条款"
            "(否则 400,字段 `basis`),并立即通知主要负责人和实际控制人(目标清单第 34 项);"
            "一般隐患可以引用。`basis` 文本仍可读写(旧数据)。"
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
                    "basis_clause": 12,
                    "photos": [41],
                },
            ),
            error_example("invalid", "重大隐患须引用判定标准的条款(判定依据)。", "basis"),
            error_example("clause_not_in_force", "应急管理部令第10号 第三条第(一)项 在发现之日不在有效期内。", "basis"),
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

    @extend_schema(
        summary=_("判定隐患等级和判定依据(安全管理人员)"),
        description=_(
            "设定隐患等级及其引用的判定标准条款,例如检查不合格自动生成的隐患(有等级、无条款)。"
            "重大隐患须引用发现之日有效、适用于企业所属行业的条款(否则 400,字段 `basis_clause`);"
            "一般隐患可以引用。已销号的隐患 409;记入隐患的流转记录(动作 `classify`)。"
            "重大隐患没有判定依据时不能提交整改(409,字段 `basis`)。"
        ),
        request=HazardClassifySerializer,
        responses={200: HazardDetailSerializer, 409: ILLEGAL},
        examples=[
            OpenApiExample("major", request_only=True, value={"grade": "major", "basis_clause": 12}),
            error_example("invalid", "重大隐患须引用判定标准的条款(判定依据)。", "basis_clause"),
            error_example(
                "clause_not_applicable", "应急管理部令第10号 第七条第(一)项 不适用于该企业所属行业。", "basis_clause"
            ),
            READ_ONLY,
            ILLEGAL_EXAMPLE,
        ],
    )
    @action(detail=True, methods=["post"])
    def classify(self, request, pk=None):
        hazard = self.get_object()
        data = self._parse(HazardClassifySerializer)
        return self._render(services.hazard_classify(hazard=hazard, by=request.user, **data))

    # --- The plan of a major hazard (五落实) ---------------------------------------------------

    @extend_schema(
        summary=_("制定或修改重大隐患治理方案(五落实,安全管理人员)"),
        description=_(
            "写入方案的新版本:治理措施、责任人、资金(金额和来源)、时限、治理期间的安全防范措施、应急预案。"
            "未提交的部分沿用当前版本。新版本(包括修改已批准的方案)须经主要负责人重新批准;"
            "重大隐患在方案获批前不能提交整改验收(409,字段名指出缺少的部分)。"
        ),
        request=HazardPlanWriteSerializer,
        responses={201: RectificationPlanSerializer, 409: ILLEGAL},
        examples=[
            OpenApiExample(
                "plan",
                request_only=True,
                value={
                    "measures": "更换失效报警器并与紧急切断阀联锁",
                    "responsible": 12,
                    "funds_amount": "85000.00",
                    "funds_source": "企业安全生产费用",
                    "deadline": "2024-08-31",
                    "interim_measures": "停用该罐区,每两小时人工巡检",
                    "emergency_plan": "执行《液氯泄漏现场处置方案》",
                },
            ),
            error_example("not_major", "只有重大隐患需要整改方案。", "grade", status_codes=("409",)),
            READ_ONLY,
        ],
    )
    @action(detail=True, methods=["post"])
    def plan(self, request, pk=None):
        hazard = self.get_object()
        data = self._parse(HazardPlanWriteSerializer, hazard=hazard)
        plan = services.hazard_plan_write(hazard=hazard, by=request.user, data=data)
        return Response(RectificationPlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("批准重大隐患治理方案的当前版本(主要负责人)"),
        description=_("缺少任一部分时 409,`field` 为 `plan.<部分>`,`errors` 列出全部缺少的部分。"),
        request=HazardAcceptSerializer,
        responses={200: RectificationPlanSerializer, 409: ILLEGAL},
        examples=[
            error_example(
                "plan_incomplete", "整改方案缺少「应急预案」。", "plan.emergency_plan", status_codes=("409",)
            ),
            error_example("permission_denied", "只有主要负责人可以批准整改方案。", status_codes=("403",)),
        ],
    )
    @action(detail=True, methods=["post"], url_path="plan/approve")
    def plan_approve(self, request, pk=None):
        hazard = self.get_object()
        data = self._parse(HazardAcceptSerializer)
        plan = services.hazard_plan_approve(hazard=hazard, by=request.user, **data)
        return Response(RectificationPlanSerializer(plan).data)

    # --- The regulator's part -------------------------------------------------------------------

    @extend_schema(
        summary=_("挂牌督办重大隐患(监管范围内的监管人员)"),
        description=_("企业人员 403;监管范围外 404。督办的隐患经企业验收后须由监管部门核查销号。"),
        request=HazardSuperviseSerializer,
        responses={200: HazardDetailSerializer, 409: ILLEGAL},
        examples=[
            OpenApiExample(
                "supervise", request_only=True, value={"deadline": "2024-09-30", "note": "限期治理,每周报告进展"}
            ),
            error_example("permission_denied", "只有监管部门可以挂牌督办和核查销号。", status_codes=("403",)),
            error_example("already_supervised", "该隐患已挂牌督办。", "hazard", status_codes=("409",)),
        ],
    )
    @action(detail=True, methods=["post"])
    def supervise(self, request, pk=None):
        hazard = self.get_object()
        data = self._parse(HazardSuperviseSerializer)
        services.hazard_supervise(hazard=hazard, by=request.user, **data)
        return self._render(hazard)

    @extend_schema(
        summary=_("报告督办隐患的治理进展(企业安全管理人员或整改责任人)"),
        request=HazardProgressSerializer,
        responses={200: HazardDetailSerializer, 409: ILLEGAL},
        examples=[
            OpenApiExample("progress", request_only=True, value={"note": "报警器已到货,计划下周安装", "photos": []}),
            error_example("not_supervised", "该隐患未挂牌督办。", "hazard", status_codes=("409",)),
        ],
    )
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        hazard = self.get_object()
        data = self._parse(HazardProgressSerializer)
        services.hazard_progress_report(hazard=hazard, by=request.user, **data)
        return self._render(hazard)

    @extend_schema(
        summary=_("核查销号督办隐患(监管范围内的监管人员)"),
        description=_("pending_verification -> closed;`passed: false` 退回整改(须填写原因)。"),
        request=HazardVerifySerializer,
        responses={200: HazardDetailSerializer, 409: ILLEGAL},
        examples=[
            OpenApiExample("verified", request_only=True, value={"passed": True, "note": "现场核查合格"}),
            error_example("permission_denied", "只有监管部门可以挂牌督办和核查销号。", status_codes=("403",)),
            ILLEGAL_EXAMPLE,
        ],
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        hazard = self.get_object()
        data = self._parse(HazardVerifySerializer)
        return self._render(services.hazard_verify(hazard=hazard, by=request.user, **data))

    @extend_schema(
        summary=_("挂牌督办的隐患,逾期的在前"),
        description=_("调用者可查看的挂牌督办隐患:先列过了督办期限仍未销号的,再按督办期限。"),
        responses={200: HazardDetailSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def supervised(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        serializer = HazardDetailSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        summary=_("重大隐患按判定条款、区域和行业统计(分区域分行业统计)"),
        description=_(
            "目标清单第 32 项。监管人员统计其监管范围,企业安全管理人员统计本企业;其他人员 403。"
            "时间按发现日期,`date_from` 和 `date_to` 均含。"
        ),
        operation_id="v1_hazards_major_stats_retrieve",
        parameters=[MajorHazardStatsQuerySerializer],
        responses={200: MajorHazardStatsRowSerializer(many=True)},
        filters=False,
    )
    @action(detail=False, methods=["get"], url_path="major-stats", filter_backends=[], pagination_class=None)
    def major_stats(self, request):
        query = MajorHazardStatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.major_hazard_stats_for(request.user, **query.validated_data)
        return Response(MajorHazardStatsRowSerializer(rows, many=True).data)


@extend_schema_view(list=extend_schema(summary=_("重大事故隐患判定标准(各版本)")))
class JudgmentStandardViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = JudgmentStandardSerializer
    queryset = JudgmentStandard.objects.all()
    pagination_class = None


class JudgmentClauseViewSet(viewsets.GenericViewSet):
    serializer_class = JudgmentClauseSerializer
    queryset = JudgmentClause.objects.none()  # the list is judgment_clauses_offered's, filtered in Python
    pagination_class = None

    @extend_schema(
        summary=_("可引用的判定条款(按企业所属行业和日期)"),
        description=_("`on` 当日有效的条款;给出 `enterprise` 时只列适用于其所属行业的条款(调用者看不到的企业 404)。"),
        parameters=[JudgmentClauseQuerySerializer],
        responses={
            200: JudgmentClauseSerializer(many=True),
            404: OpenApiResponse(ErrorSerializer, description="The enterprise is not one the caller may read."),
        },
    )
    def list(self, request):
        query = JudgmentClauseQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        clauses = selectors.judgment_clauses_offered(
            request.user, enterprise_id=data.get("enterprise"), on=data.get("on")
        )
        return Response(JudgmentClauseSerializer(clauses, many=True).data)


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


# ---------------------------------------------------------------------------------------------
# The ledger (隐患台账) in and out


class LedgerImportApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary=_("导入隐患台账工作簿(系统上线前的隐患,安全管理人员)"),
        description=_(
            "工作表「隐患台账」,列与导出相同(序号、整改资金、状态只写不读)。发现人、整改责任人、验收人写本企业人员的"
            "用户名或姓名;判定依据写「发布文号 条款号」,如「安监总管三〔2017〕121号 第五项」,"
            "重大隐患必填且须在发现之日有效。"
            "要么全部导入,要么都不导入;有误时 400,`errors` 列出每个问题及其工作表、行和列。"
        ),
        request={"multipart/form-data": LedgerUploadSerializer},
        responses={201: LedgerImportResultSerializer, 400: OnboardingErrorSerializer},
    )
    def post(self, request):
        upload = LedgerUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            enterprise = get_visible(
                request.user, Enterprise.objects.select_related("industry"), upload.validated_data["enterprise"], via=""
            )
        except NotFound:
            raise ApplicationError(_("企业不存在。"), field="enterprise") from None
        hazards = ledger.ledger_import(by=request.user, enterprise=enterprise, upload=upload.validated_data["file"])
        body = {"created": len(hazards), "hazards": [h.id for h in hazards]}
        return Response(LedgerImportResultSerializer(body).data, status=status.HTTP_201_CREATED)


class JsonErrorsNegotiation(DefaultContentNegotiation):
    """The file is returned by the view itself; everything else (the errors) is the API's JSON body."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return JSONRenderer(), JSONRenderer.media_type


LEDGER_ERRORS = json_error_responses("400", "401", "403", "404")


class LedgerExportApi(APIView):
    content_negotiation_class = JsonErrorsNegotiation
    kind = "xlsx"

    def get(self, request):
        query = LedgerQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        hazards = selectors.ledger_hazards(request.user, **data)
        title = _("隐患台账 %(from)s 至 %(to)s") % {"from": data["date_from"], "to": data["date_to"]}
        if self.kind == "pdf":
            body, content_type = ledger.ledger_pdf(hazards, title=str(title)), PdfRenderer.media_type
        else:
            body, content_type = ledger.ledger_xlsx(hazards, title=str(title)), XlsxRenderer.media_type
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="ledger-{data["date_from"]}-{data["date_to"]}.{self.kind}"'
        )
        return response


class LedgerXlsxApi(LedgerExportApi):
    renderer_classes = [JSONRenderer, XlsxRenderer]

    @extend_schema(
        operation_id="v1_hazards_ledger_xlsx",
        summary=_("导出隐患台账(Excel):企业或区域、期间"),
        description=_(
            "列:序号、隐患名称、隐患等级、位置、判定依据、发现日期、发现人、整改措施、整改责任人、整改资金、整改期限、"
            "整改完成日期、验收人、状态。企业的安全管理人员和监管范围内的监管人员可导出;普通员工 403。"
        ),
        parameters=[LedgerQuerySerializer],
        responses={(200, XlsxRenderer.media_type): OpenApiResponse(OpenApiTypes.BINARY), **LEDGER_ERRORS},
    )
    def get(self, request):
        return super().get(request)


class LedgerPdfApi(LedgerExportApi):
    renderer_classes = [JSONRenderer, PdfRenderer]
    kind = "pdf"

    @extend_schema(
        operation_id="v1_hazards_ledger_pdf",
        summary=_("导出隐患台账(PDF):企业或区域、期间"),
        description=_("与 Excel 相同的行和列(不含位置),横向 A4。"),
        parameters=[LedgerQuerySerializer],
        responses={(200, PdfRenderer.media_type): OpenApiResponse(OpenApiTypes.BINARY), **LEDGER_ERRORS},
    )
    def get(self, request):
        return super().get(request)


# ---------------------------------------------------------------------------------------------
# 有奖举报: the triage queue


@extend_schema_view(
    list=extend_schema(
        summary=_("群众举报待办(安全管理人员)"),
        description=_("扫码举报的隐患,待处理的在前。举报人电话只向主要负责人显示,其他人为 null。"),
    ),
    retrieve=extend_schema(summary=_("单条群众举报")),
)
class PublicReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PublicReportSerializer

    def get_queryset(self):
        return selectors.public_reports_for(self.request.user)

    def get_object(self):
        return selectors.access_public_report(self.request.user, self.kwargs["pk"], write=self.action != "retrieve")

    def _parse(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(
        summary=_("将群众举报转为隐患(安全管理人员)"),
        description=_("按隐患上报的规则:重大隐患须引用发现之日有效的判定条款(400,字段 `basis`)。"),
        request=PublicReportConvertSerializer,
        responses={201: HazardDetailSerializer},
        examples=[
            error_example("already_handled", "该举报已处理。", "status", status_codes=("409",)),
        ],
    )
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        report = self.get_object()
        data = self._parse(PublicReportConvertSerializer)
        hazard = services.public_report_convert(report=report, by=request.user, data=data)
        hazard = selectors.access_hazard(request.user, hazard.pk)
        context = self.get_serializer_context()
        return Response(HazardDetailSerializer(hazard, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("不予受理群众举报并说明理由(安全管理人员)"),
        request=PublicReportDismissSerializer,
        responses={200: PublicReportSerializer},
        examples=[error_example("blank", "该字段不能为空。", "reason")],
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        report = self.get_object()
        data = self._parse(PublicReportDismissSerializer)
        report = services.public_report_dismiss(report=report, by=request.user, **data)
        return Response(PublicReportSerializer(report, context=self.get_serializer_context()).data)


# ---------------------------------------------------------------------------------------------
# A hazard's photos, for whoever reads the hazard (hazards.selectors.access_hazard_photo)

PHOTO_RESPONSES = {
    (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="JPEG"),
    (304, "image/jpeg"): OpenApiResponse(description="Not modified (If-None-Match matched the ETag)"),
    **json_error_responses("401", "403", "404", "406"),
}


class HazardPhotoDisplayApi(JsonErrorsMixin, APIView):
    """The watermarked copy of a hazard's photo, as GET photos/{id}/display.jpg draws it."""

    renderer_classes = [JpegRenderer]
    side = photo_display.DISPLAY_SIDE
    name = "photo"

    def options(self, request, *args, **kwargs):
        self.answer_in_json()  # the endpoint's description is JSON, not an image
        return super().options(request, *args, **kwargs)

    @extend_schema(
        operation_id="v1_hazard_photos_display_jpg_retrieve",
        summary=_("隐患照片的显示版本(带水印)"),
        description=_("可查看该隐患的人均可查看:发现、整改和退回时附的照片。带 ETag,浏览器可缓存。"),
        responses=PHOTO_RESPONSES,
    )
    def get(self, request, pk):
        photo = selectors.access_hazard_photo(request.user, pk)
        return photo_display.photo_jpeg_response(request, photo, side=self.side, name=self.name)


class HazardPhotoThumbApi(HazardPhotoDisplayApi):
    side = photo_display.THUMB_SIDE
    name = "thumb"

    @extend_schema(
        operation_id="v1_hazard_photos_thumb_jpg_retrieve",
        summary=_("隐患照片的缩略图(带水印)"),
        description=_("可查看该隐患的人均可查看。"),
        responses=PHOTO_RESPONSES,
    )
    def get(self, request, pk):
        return super().get(request, pk)


class PublicReportPhotoDisplayApi(HazardPhotoDisplayApi):
    """The photo of a public report (有奖举报), watermarked like the archive's photos, for whoever reads
    the triage queue (hazards.selectors.public_reports_for); the watermark names the post and the time
    reported, never the reporter."""

    name = "report"

    @extend_schema(
        operation_id="v1_hazard_reports_display_jpg_retrieve",
        summary=_("群众举报照片的显示版本(带水印)"),
        description=_("可处理该举报的安全管理人员可查看;其他人 404。带 ETag,浏览器可缓存。"),
        responses=PHOTO_RESPONSES,
    )
    def get(self, request, pk):
        report = selectors.access_public_report_photo(request.user, pk)
        watermark = photo_display.record_watermark(
            place=report.post.name,
            who="群众举报",
            at=report.created_at,
            zone=report.enterprise.timezone,
            number=f"举报 #{report.pk}",
        )
        picture = photo_display.StoredPicture(pk=report.pk, image=report.photo)
        return photo_display.photo_jpeg_response(request, picture, side=self.side, name=self.name, watermark=watermark)


class PublicReportPhotoThumbApi(PublicReportPhotoDisplayApi):
    side = photo_display.THUMB_SIDE
    name = "report-thumb"

    @extend_schema(
        operation_id="v1_hazard_reports_thumb_jpg_retrieve",
        summary=_("群众举报照片的缩略图(带水印)"),
        description=_("可处理该举报的安全管理人员可查看;其他人 404。"),
        responses=PHOTO_RESPONSES,
    )
    def get(self, request, pk):
        return super().get(request, pk)


class HazardPhotoOriginalApi(JsonErrorsMixin, APIView):
    """The stored copy of a hazard's photo, unmarked: handed to nginx, or a redirect to a signed URL."""

    renderer_classes = [JpegRenderer]

    def options(self, request, *args, **kwargs):
        self.answer_in_json()
        return super().options(request, *args, **kwargs)

    @extend_schema(
        operation_id="v1_hazard_photos_original_retrieve",
        summary=_("隐患照片的存档原件(不加水印)"),
        description=_("可查看该隐患的人均可查看。使用对象存储时答复 302,跳转到几分钟内有效的签名地址。"),
        responses={
            **PHOTO_RESPONSES,
            (302, "image/jpeg"): OpenApiResponse(description="Object storage: Location is a signed URL"),
        },
    )
    def get(self, request, pk):
        photo = selectors.access_hazard_photo(request.user, pk)
        return stored_file_response(photo.image, filename=f"photo-{photo.pk}.jpg")
