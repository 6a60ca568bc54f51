"""Daily review, weekly report and monthly dispatch endpoints. Thin: parse, one service or selector call,
render. Snapshots have no PUT or DELETE: minutes are PATCHed while unsigned, signatures are moves."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exports import PDF_MEDIA_TYPE, XLSX_MEDIA_TYPE, content_disposition
from core.perf import cyclic_gc_paused
from core.renderers import FastJSONRenderer, JsonErrorsMixin, PdfRenderer, XlsxRenderer, json_error_responses
from core.schema import ERROR_DESCRIPTIONS, error_example
from core.serializers import ErrorSerializer
from orgs.selectors import scope_to
from reports import exports, selectors, services
from reports.filters import DailyReviewFilter, MonthlyDispatchFilter, WeeklyReportFilter
from reports.selectors import stats_for
from reports.serializers import (
    DailyReviewDetailSerializer,
    DailyReviewSerializer,
    DailyReviewSignSerializer,
    DayLogAnswerSerializer,
    DayLogQuerySerializer,
    DispatchGenerateSerializer,
    DispatchUpdateSerializer,
    MonthlyDispatchSerializer,
    ReportSignSerializer,
    StatsQuerySerializer,
    StatsSerializer,
    WeeklyReportGenerateSerializer,
    WeeklyReportSerializer,
    WeeklyReportUpdateSerializer,
    stats_payload,
)
from reports.stats_xlsx import stats_xlsx

FROZEN = OpenApiResponse(ErrorSerializer, description="Already signed, or signed out of order (code signed, ...).")
FROZEN_EXAMPLE = error_example("signed", "报告已签字,不能修改。", "status", status_codes=("409",))
PERIOD_OPEN = error_example("period_open", "2024-W28 尚未结束,结束后才能生成或签字。", "week")


class _SnapshotViewSet(viewsets.GenericViewSet):
    """Lists show what the caller may read (managers of the enterprise, regulators in scope); a detail
    of another tenant is 404, of the caller's own enterprise but a worker's role 403."""

    def base_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return self.base_queryset().none()
        if self.action == "list":
            return selectors.reports_readable(self.request.user, self.base_queryset())
        return scope_to(self.request.user, self.base_queryset())

    def get_object(self):
        found = super().get_object()
        selectors.report_reader_required(self.request.user, found.enterprise_id)
        return found

    def _parse(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context={"request": self.request})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _render(self, obj, code=status.HTTP_200_OK) -> Response:
        obj = self.base_queryset().get(pk=obj.pk)
        return Response(self.get_serializer_class()(obj, context=self.get_serializer_context()).data, status=code)


# ---------------------------------------------------------------------------------------------
# Daily review


class DayLogApi(APIView):
    @extend_schema(
        summary=_("企业日管控台账:当日全部应检项、检查记录、不合格项和新增隐患"),
        description=_(
            "当日未签字时为实时数据;安全员签字后为冻结的台账及其 `review`。限本企业安全管理人员和监管范围内的监管人员。"
        ),
        parameters=[DayLogQuerySerializer],
        responses={
            200: DayLogAnswerSerializer,
            404: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS["404"]),
        },
        examples=[error_example("invalid", "date: 日期格式错误。请从这些格式中选择:YYYY-MM-DD。", "date")],
    )
    def get(self, request):
        query = DayLogQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        enterprise = selectors.access_report_enterprise(request.user, query.validated_data["enterprise"])
        answer = selectors.day_log_answer(enterprise=enterprise, day=query.validated_data["date"])
        return Response(DayLogAnswerSerializer(answer).data)


@extend_schema_view(
    list=extend_schema(summary=_("调用者可查看的已签字日管控审核,最新的日期在前")),
    retrieve=extend_schema(summary=_("单个已签字日管控审核及其冻结的台账")),
)
class DailyReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _SnapshotViewSet):
    filterset_class = DailyReviewFilter

    def base_queryset(self):
        return selectors.daily_reviews_queryset()

    def get_serializer_class(self):
        return DailyReviewSerializer if self.action == "list" else DailyReviewDetailSerializer

    @extend_schema(
        summary=_("对已结束当日的日管控台账签字并填写意见(安全员、安全总监或主要负责人);签字后冻结"),
        request=DailyReviewSignSerializer,
        responses={201: DailyReviewDetailSerializer, 409: FROZEN},
        examples=[
            OpenApiExample(
                "sign", request_only=True, value={"enterprise": 1, "date": "2024-07-03", "note": "缺检2处已督促补检"}
            ),
            error_example("period_open", "当日尚未结束,次日起才能审核签字。", "date"),
            error_example("conflict", "2024-07-03 的日管控台账已审核签字。", "date", status_codes=("409",)),
        ],
    )
    def create(self, request):
        data = self._parse(DailyReviewSignSerializer)
        review = services.daily_review_sign(by=request.user, day=data["date"], **_without(data, "date"))
        return self._render(review, status.HTTP_201_CREATED)


def _without(data: dict, *names) -> dict:
    return {k: v for k, v in data.items() if k not in names}


# ---------------------------------------------------------------------------------------------
# Weekly report


@extend_schema_view(
    list=extend_schema(summary=_("调用者可查看的周排查治理报告,最新的周在前")),
    retrieve=extend_schema(summary=_("单份周排查报告及其冻结数据")),
)
class WeeklyReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _SnapshotViewSet):
    serializer_class = WeeklyReportSerializer
    filterset_class = WeeklyReportFilter

    def base_queryset(self):
        return selectors.weekly_reports_queryset()

    @extend_schema(
        summary=_("生成已结束 ISO 周的周排查报告(安全员或安全总监);幂等"),
        description=_(
            "新生成时返回 201 和新快照;该周报告已存在(包括定时任务预先生成的)时返回 200 和已存的报告。数据只计算一次,"
            "取自该周结束时的档案。"
        ),
        request=WeeklyReportGenerateSerializer,
        responses={201: WeeklyReportSerializer, 200: WeeklyReportSerializer},
        examples=[
            OpenApiExample("generate", request_only=True, value={"enterprise": 1, "week": "2024-W27"}),
            PERIOD_OPEN,
        ],
    )
    def create(self, request):
        data = self._parse(WeeklyReportGenerateSerializer)
        report, created = services.weekly_report_generate(by=request.user, **data)
        return self._render(report, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary=_("填写纪要:本周总结、风险研判、下周计划(安全总监签字前)"),
        request=WeeklyReportUpdateSerializer,
        responses={200: WeeklyReportSerializer, 409: FROZEN},
        examples=[FROZEN_EXAMPLE],
    )
    def partial_update(self, request, pk=None):
        report = self.get_object()
        data = self._parse(WeeklyReportUpdateSerializer)
        return self._render(services.weekly_report_update(by=request.user, report=report, data=data))

    @extend_schema(
        summary=_("签字:先安全总监,后主要负责人(主要负责人签字后报告冻结)"),
        request=ReportSignSerializer,
        responses={200: WeeklyReportSerializer, 409: FROZEN},
        examples=[
            error_example("invalid", "签字前请填写「风险研判」。", "risk_analysis"),
            error_example("director_first", "须先由安全总监签字。", "status", status_codes=("409",)),
            FROZEN_EXAMPLE,
        ],
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        report = self.get_object()
        data = self._parse(ReportSignSerializer)
        return self._render(services.weekly_report_sign(by=request.user, report=report, **data))


# ---------------------------------------------------------------------------------------------
# Monthly dispatch


@extend_schema_view(
    list=extend_schema(summary=_("调用者可查看的月调度,最新的月份在前")),
    retrieve=extend_schema(summary=_("单份月调度及其冻结数据和决定事项")),
)
class MonthlyDispatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _SnapshotViewSet):
    serializer_class = MonthlyDispatchSerializer
    filterset_class = MonthlyDispatchFilter

    def base_queryset(self):
        return selectors.dispatches_queryset()

    @extend_schema(
        summary=_("生成已结束月份的月调度(主要负责人或管理员);幂等"),
        description=_("新生成时返回 201 和新快照;该月调度已存在时返回 200 和已存的调度。"),
        request=DispatchGenerateSerializer,
        responses={201: MonthlyDispatchSerializer, 200: MonthlyDispatchSerializer},
        examples=[
            OpenApiExample("generate", request_only=True, value={"enterprise": 1, "month": "2024-07"}),
            error_example("invalid", "月份应写作 2024-07 的形式。", "month"),
        ],
    )
    def create(self, request):
        data = self._parse(DispatchGenerateSerializer)
        dispatch, created = services.dispatch_generate(by=request.user, **data)
        return self._render(dispatch, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary=_("填写本月工作总结和下月重点工作(主要负责人或管理员,签字前)"),
        description=_("`decisions` 整体替换全部决定事项;每项的责任人须为本企业人员。"),
        request=DispatchUpdateSerializer,
        responses={200: MonthlyDispatchSerializer, 409: FROZEN},
        examples=[
            OpenApiExample(
                "minutes",
                request_only=True,
                value={
                    "summary": "本月完成日管控记录 620 次,发现隐患 12 项,已销号 11 项。",
                    "decisions": [{"task": "完成反应釜区报警器校验", "owner": 12, "due_date": "2024-08-15"}],
                },
            ),
            error_example("not_a_member", "decisions[0].owner: 责任人 99 不是本企业人员。", "decisions[0].owner"),
            error_example("signed", "调度纪要已签字,不能修改。", "status", status_codes=("409",)),
        ],
    )
    def partial_update(self, request, pk=None):
        dispatch = self.get_object()
        data = self._parse(DispatchUpdateSerializer)
        return self._render(services.dispatch_update(by=request.user, dispatch=dispatch, data=data))

    @extend_schema(
        summary=_("调度纪要签字(主要负责人);此后月调度冻结"),
        request=ReportSignSerializer,
        responses={200: MonthlyDispatchSerializer, 409: FROZEN},
        examples=[
            error_example("invalid", "签字前请填写「本月工作总结」。", "summary"),
            error_example("signed", "调度纪要已签字,不能修改。", "status", status_codes=("409",)),
        ],
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        dispatch = self.get_object()
        data = self._parse(ReportSignSerializer)
        return self._render(services.dispatch_sign(by=request.user, dispatch=dispatch, **data))


class _ReportFileApi(JsonErrorsMixin, APIView):
    """A rendering of one dispatch or weekly report, for whoever reads it (access_report); errors keep
    the API's JSON error body (as the QR images do)."""

    extension = ""

    def reports(self):
        raise NotImplementedError

    def file_name(self, report) -> str:
        raise NotImplementedError

    def _file(self, pk, render) -> Response:
        report = selectors.access_report(self.request.user, self.reports(), pk)
        response = Response(render(report))
        response["Content-Disposition"] = content_disposition(self.file_name(report))
        return response


class _DispatchFileApi(_ReportFileApi):
    def reports(self):
        return selectors.dispatches_queryset()

    def file_name(self, dispatch) -> str:
        return f"dispatch-{dispatch.enterprise_id}-{dispatch.month}.{self.extension}"


class DispatchXlsxApi(_DispatchFileApi):
    renderer_classes = [XlsxRenderer]
    extension = "xlsx"

    @extend_schema(
        operation_id="v1_dispatches_xlsx_retrieve",
        summary=_("月调度 Excel 工作簿(数据、逐日明细、决定事项)"),
        description=_("月调度的导出文件;出错时仍返回 API 的 JSON 错误体(与二维码图片相同)。"),
        responses={
            (200, XlsxRenderer.media_type): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX workbook"),
            **json_error_responses("401", "403", "404", "406"),
        },
    )
    def get(self, request, pk):
        return self._file(pk, exports.dispatch_xlsx)


class DispatchPdfApi(_DispatchFileApi):
    renderer_classes = [PdfRenderer]
    extension = "pdf"

    @extend_schema(
        operation_id="v1_dispatches_pdf_retrieve",
        summary=_("月调度可打印 PDF,附当月每日完成情况和隐患图表"),
        description=_("月调度的导出文件;出错时仍返回 API 的 JSON 错误体(与二维码图片相同)。"),
        responses={
            (200, PDF_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="PDF, fonts embedded"),
            **json_error_responses("401", "403", "404", "406"),
        },
    )
    def get(self, request, pk):
        return self._file(pk, exports.dispatch_pdf)


class _WeeklyFileApi(_ReportFileApi):
    def reports(self):
        return selectors.weekly_reports_queryset()

    def file_name(self, report) -> str:
        return exports.weekly_file_name(report, self.extension)


class WeeklyXlsxApi(_WeeklyFileApi):
    renderer_classes = [XlsxRenderer]
    extension = "xlsx"

    @extend_schema(
        operation_id="v1_reports_weekly_xlsx_retrieve",
        summary=_("周排查治理报告 Excel 工作簿(数据、签字、纪要、逐日明细)"),
        description=_("周排查报告的导出文件;出错时仍返回 API 的 JSON 错误体(与二维码图片相同)。"),
        responses={
            (200, XlsxRenderer.media_type): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX workbook"),
            **json_error_responses("401", "403", "404", "406"),
        },
    )
    def get(self, request, pk):
        return self._file(pk, exports.weekly_xlsx)


class WeeklyPdfApi(_WeeklyFileApi):
    renderer_classes = [PdfRenderer]
    extension = "pdf"

    @extend_schema(
        operation_id="v1_reports_weekly_pdf_retrieve",
        summary=_("周排查治理报告可打印 PDF,附签字、纪要和本周每日完成情况图表"),
        description=_("周排查报告的导出文件;出错时仍返回 API 的 JSON 错误体(与二维码图片相同)。"),
        responses={
            (200, PDF_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="PDF, fonts embedded"),
            **json_error_responses("401", "403", "404", "406"),
        },
    )
    def get(self, request, pk):
        return self._file(pk, exports.weekly_pdf)


# ---------------------------------------------------------------------------------------------
# Regulator statistics (issue 4, part 3)


STATS_ERRORS = {
    (code, "application/json"): OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
    for code in ("400", "401", "403", "404")
}
STATS_EXAMPLES = [
    error_example("invalid", "月份格式应为 YYYY-MM,例如 2024-07。", "month"),
    error_example("permission_denied", "您的角色无权执行此操作。", status_codes=("403",)),
    error_example("not_found", "未找到。", "enterprise", status_codes=("404",)),
]
STATS_DESCRIPTION = _(
    "2024 年专项行动中档案可以证明的量化指标,按月统计(按各企业当地时间):岗位明白卡覆盖率、各层级检查完成率、"
    "隐患发现数/销号数/逾期数、整改率、未销号重大隐患、应知应会知晓率、应急演练,以及检查记录的现场核验率"
    "(引用同一人在该岗位稍早的扫码记录)和可疑标记率。监管人员查看其监管范围,"
    "安全员及以上查看本企业;作业人员被拒绝(403)。`enterprise` 超出调用者可查看范围时返回 404;"
    "`region` 或 `industry` 超出范围时数据为空。`total` 汇总所选全部企业,`rows` 每个企业或每个分组(`group_by`)一行。"
    "无论企业多少,查询次数不变。"
)


class StatsApi(JsonErrorsMixin, APIView):
    # orjson: a province's statistics are 12 MB of JSON, which the standard library takes ~5 x longer to write.
    renderer_classes = [FastJSONRenderer, XlsxRenderer]
    xlsx_only = False

    @extend_schema(
        operation_id="v1_stats_retrieve",
        summary=_("监管统计(按月;JSON,或 ?format=xlsx 时为工作簿)"),
        description=STATS_DESCRIPTION,
        parameters=[StatsQuerySerializer],
        responses={
            (200, "application/json"): StatsSerializer,
            (200, XLSX_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The same as a workbook"),
            **STATS_ERRORS,
        },
        examples=STATS_EXAMPLES,
    )
    def get(self, request, *args, **kwargs):
        query = StatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        with cyclic_gc_paused():
            stats = stats_for(request.user, **query.validated_data)
            if self.xlsx_only or request.accepted_renderer.format == "xlsx":
                response = Response(stats_xlsx(stats), content_type=XLSX_MEDIA_TYPE)
                response["Content-Disposition"] = content_disposition(f"stats-{stats.month}.xlsx")
                return response
            return Response(stats_payload(stats))


class StatsXlsxApi(StatsApi):
    renderer_classes = [XlsxRenderer]
    xlsx_only = True

    @extend_schema(
        operation_id="v1_stats_xlsx_retrieve",
        summary=_("监管统计(按月)Excel 工作簿"),
        description=_("数据和参数与 `/api/v1/stats/` 相同,单个工作表,合计在最后。"),
        parameters=[StatsQuerySerializer],
        responses={
            (200, XLSX_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="xlsx workbook"),
            **STATS_ERRORS,
        },
        examples=STATS_EXAMPLES,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
