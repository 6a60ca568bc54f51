"""The risk register's printouts (risks sits below qr; the PDFs need the QR images and the card font)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.renderers import FileAnswerMixin, PdfRenderer, json_error_responses
from qr.risk_pdf import risk_map_pdf, risk_notice_pdf
from risks.selectors import access_enterprise_register, access_risk_point, risk_points_visible_to

PDF = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF document")}


class _PdfApi(FileAnswerMixin, APIView):
    renderer_classes = [PdfRenderer]

    def _pdf(self, body: bytes, name: str) -> Response:
        response = Response(body)
        response["Content-Disposition"] = f'inline; filename="{name}"'
        return response


class RiskNoticePdfApi(_PdfApi):
    @extend_schema(
        operation_id="v1_risk_points_notice_pdf_retrieve",
        summary=_("风险点的安全风险告知卡 PDF(A4,含二维码)"),
        description=_(
            "风险点名称、风险等级颜色、危险源、事故类型、管控措施、应急处置措施、责任人和指向风险点页面的二维码。"
        ),
        responses={**PDF, **json_error_responses("401", "403", "404", "406")},
    )
    def get(self, request, pk):
        access_risk_point(request.user, pk)
        point = risk_points_visible_to(request.user).select_related("enterprise", "department").get(pk=pk)
        return self._pdf(risk_notice_pdf([point]), f"risk-point-{point.pk}.pdf")


class RiskMapPdfApi(_PdfApi):
    @extend_schema(
        operation_id="v1_enterprises_risk_map_pdf_retrieve",
        summary=_("四色分布图 PDF(A4 横向)"),
        description=_("厂区平面图上的每个风险点按其风险等级着色(红橙黄蓝,未评价为灰色),下方为图例。"),
        responses={**PDF, **json_error_responses("401", "403", "404", "406")},
    )
    def get(self, request, pk):
        enterprise = access_enterprise_register(request.user, pk)
        return self._pdf(risk_map_pdf(enterprise), f"risk-map-{enterprise.pk}.pdf")
