from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.renderers import BinaryRenderer, JsonErrorsMixin, json_error_responses
from core.schema import error_example
from core.serializers import ErrorSerializer
from orgs.models import Enterprise
from orgs.selectors import get_visible, post_get_for
from qr import selectors, services
from qr.models import CardSheetStatus
from qr.serializers import CardSheetSerializer, QrPngQuerySerializer, QrScanSerializer, QrTokenSerializer


class QrPngRenderer(BinaryRenderer):
    media_type = "image/png"
    format = "png"


class QrSvgRenderer(BaseRenderer):
    media_type = "image/svg+xml"
    format = "svg"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data.encode("utf-8")


class _QrImageApi(JsonErrorsMixin, APIView):
    """An image answer negotiated like any DRF response (Accept: image/png, */*, ...)."""

    def options(self, request, *args, **kwargs):
        self.answer_in_json()  # the endpoint's description is JSON, not an image
        return super().options(request, *args, **kwargs)

    def _image(self, body, *, pk, extension: str) -> Response:
        response = Response(body)
        response["Content-Disposition"] = f'inline; filename="post-{pk}-qr.{extension}"'
        response["Cache-Control"] = "private, no-cache"  # a rotation must not leave old codes in caches
        return response


class PostQrPngApi(_QrImageApi):
    renderer_classes = [QrPngRenderer]

    @extend_schema(
        operation_id="v1_posts_qr_png_retrieve",
        summary="The post's QR code as PNG (issues its token on first use)",
        description="The code encodes `{PUBLIC_BASE_URL}/s/{token}` at error-correction level Q.",
        parameters=[QrPngQuerySerializer],
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="PNG, `size` pixels square"),
            **json_error_responses("400", "401", "403", "404", "406"),
        },
        examples=[error_example("invalid", "size: 请确保该值小于或者等于 2048。", "size")],
    )
    def get(self, request, pk):
        query = QrPngQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        post = post_get_for(request.user, pk)
        token = services.qr_token_issue(post=post)
        return self._image(
            services.qr_png(services.qr_url(token.token), size=query.validated_data["size"]), pk=pk, extension="png"
        )


class PostQrSvgApi(_QrImageApi):
    renderer_classes = [QrSvgRenderer]

    @extend_schema(
        operation_id="v1_posts_qr_svg_retrieve",
        summary="The post's QR code as SVG, for print (issues its token on first use)",
        description="Scalable; 1 mm per module at its natural size. Encodes `{PUBLIC_BASE_URL}/s/{token}`.",
        responses={
            (200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.BINARY, description="SVG document"),
            **json_error_responses("401", "403", "404", "406"),
        },
    )
    def get(self, request, pk):
        post = post_get_for(request.user, pk)
        token = services.qr_token_issue(post=post)
        return self._image(services.qr_svg(services.qr_url(token.token)), pk=pk, extension="svg")


class PostQrRotateApi(APIView):
    @extend_schema(
        summary="Replace the post's QR token (safety managers); codes already printed then answer 410",
        request=None,
        responses={201: QrTokenSerializer},
        examples=[
            OpenApiExample(
                "rotated",
                value={
                    "token": "Xy3kP9aQ2mRt",
                    "url": "http://192.168.100.200:8000/s/Xy3kP9aQ2mRt",
                    "created_at": "2024-07-03T00:05:00Z",
                },
                response_only=True,
                status_codes=["201"],
            ),
            error_example("permission_denied", "您的角色无权执行此操作。", status_codes=("403",)),
        ],
    )
    def post(self, request, pk):
        post = post_get_for(request.user, pk)
        token = services.qr_token_rotate(post=post, by=request.user)
        return Response(QrTokenSerializer(token).data, status=status.HTTP_201_CREATED)


GONE = OpenApiResponse(ErrorSerializer, description="The code was replaced by a newer one (rotated).")


class QrScanApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Resolve a scanned QR token: the post, its card and, for its people, the checklists due now",
        description="Open to anyone with the code (the card hangs on the post). Checklists are shown to "
        "holders of the post and to the enterprise's safety managers.",
        responses={200: QrScanSerializer, 410: GONE},
        examples=[
            error_example("gone", "此二维码已失效,请扫描岗位上的新二维码。", "token", status_codes=("410",)),
            error_example("not_found", "未找到此二维码。", "token", status_codes=("404",)),
        ],
    )
    def get(self, request, token):
        scan = selectors.qr_scan_resolve(token=token, person=request.user)
        return Response(QrScanSerializer(scan).data)


# ---------------------------------------------------------------------------------------------
# Printable cards

PDF_TYPE = "application/pdf"


def _pdf_response(body, *, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=PDF_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-cache"  # a rotated token must not survive in a cache
    return response


def _sheet_pdf(sheet) -> HttpResponse:
    with sheet.file.open("rb") as stored:
        return _pdf_response(stored.read(), filename=f"cards-{sheet.enterprise_id}.pdf")


PDF_OK = OpenApiResponse(OpenApiTypes.BINARY, description="One A5 page per post, the CJK font embedded")
SHEET_PENDING = OpenApiResponse(
    CardSheetSerializer, description="Being rendered by a worker: poll `url` (also in Location) for the PDF"
)


class EnterpriseCardsPdfApi(APIView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="v1_enterprises_cards_pdf_retrieve",
        summary="Printable responsibility cards of the enterprise, one A5 page per post with its QR code",
        description="Each card has the post's risk colour band (red/orange/yellow/blue), the card's content with "
        "the emergency five steps 关避喊报助 and phone numbers, and the post's QR code (tokens are issued on "
        "first use). Up to `CARDS_PDF_SYNC_MAX_POSTS` posts the PDF comes at once; above, a worker renders it "
        "and the answer is 202 with a status URL (the PDF at once if the same cards were rendered already).",
        responses={(200, PDF_TYPE): PDF_OK, (202, "application/json"): SHEET_PENDING},
        examples=[error_example("no_posts", "该企业还没有岗位,没有可打印的明白卡。", "enterprise")],
    )
    def get(self, request, pk):
        enterprise = get_visible(request.user, Enterprise.objects.all(), pk, via="")
        result = services.cards_pdf_for(enterprise=enterprise, by=request.user)
        if result.pdf is not None:
            return _pdf_response(result.pdf, filename=f"cards-{enterprise.pk}.pdf")
        if result.sheet.status == CardSheetStatus.DONE:
            return _sheet_pdf(result.sheet)
        body = CardSheetSerializer(result.sheet).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class CardSheetApi(APIView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="Status of a card sheet being rendered; the PDF itself once it is ready",
        responses={(200, PDF_TYPE): PDF_OK, (202, "application/json"): SHEET_PENDING},
    )
    def get(self, request, pk):
        sheet = selectors.card_sheet_get_for(request.user, pk)
        if sheet.status == CardSheetStatus.DONE:
            return _sheet_pdf(sheet)
        return Response(CardSheetSerializer(sheet).data, status=status.HTTP_202_ACCEPTED)
