# ---------------------------------------------------------------------------------------------
# Regulator statistics (issue 4, part 3)

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.schema import ERROR_DESCRIPTIONS, error_example
from core.serializers import ErrorSerializer
from reports.selectors import stats_for
from reports.serializers import StatsQuerySerializer, StatsSerializer, stats_payload
from reports.stats_xlsx import XLSX_MEDIA_TYPE, stats_xlsx


class StatsXlsxRenderer(BaseRenderer):
    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


STATS_ERRORS = {
    (code, "application/json"): OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
    for code in ("400", "401", "403", "404")
}
STATS_EXAMPLES = [
    error_example("invalid", "月份格式应为 YYYY-MM,例如 2024-07。", "month"),
    error_example("permission_denied", "您的角色无权执行此操作。", status_codes=("403",)),
    error_example("not_found", "未找到。", "enterprise", status_codes=("404",)),
]
STATS_DESCRIPTION = (
    "The 2024 campaign's quantified targets the archive can prove, for the month (in each enterprise's "
    "local time): card coverage of posts, check completion per tier, hazards found / closed / overdue, "
    "rectification rate, major hazards open, knowledge awareness rate, drills. Regulators read their "
    "scope, safety officers and above their own enterprises; workers are refused (403). An `enterprise` "
    "outside what the caller reads is a 404; a `region` or `industry` outside it gives empty figures. "
    "`total` sums every enterprise selected, `rows` has one line per enterprise or per group "
    "(`group_by`). A constant number of queries whatever the number of enterprises."
)


class StatsApi(APIView):
    renderer_classes = [JSONRenderer, StatsXlsxRenderer]
    xlsx_only = False

    def handle_exception(self, exc):
        # Errors keep the API's one JSON body, also when the workbook was asked for.
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return super().handle_exception(exc)

    @extend_schema(
        operation_id="v1_stats_retrieve",
        summary="Regulator statistics of a month (JSON, or a workbook with ?format=xlsx)",
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
        stats = stats_for(request.user, **query.validated_data)
        if self.xlsx_only or request.accepted_renderer.format == "xlsx":
            response = Response(stats_xlsx(stats), content_type=XLSX_MEDIA_TYPE)
            response["Content-Disposition"] = f'attachment; filename="stats-{stats.month}.xlsx"'
            return response
        return Response(stats_payload(stats))


class StatsXlsxApi(StatsApi):
    renderer_classes = [StatsXlsxRenderer]
    xlsx_only = True

    @extend_schema(
        operation_id="v1_stats_xlsx_retrieve",
        summary="Regulator statistics of a month as an Excel workbook",
        description="The same figures and parameters as `/api/v1/stats/`, one sheet, the total last.",
        parameters=[StatsQuerySerializer],
        responses={
            (200, XLSX_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="xlsx workbook"),
            **STATS_ERRORS,
        },
        examples=STATS_EXAMPLES,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
