from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.schema import ERROR_DESCRIPTIONS, error_example
from core.serializers import ErrorSerializer
from orgs.selectors import post_get_for
from qr import selectors, services
from qr.serializers import QrPngQuerySerializer, QrScanSerializer, QrTokenSerializer


class QrPngRenderer(BaseRenderer):
    media_type = "image/png"
    format = "png"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class QrSvgRenderer(BaseRenderer):
    media_type = "image/svg+xml"
    format = "svg"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data.encode("utf-8")


def _json_errors(*codes: str) -> dict:
    """Error responses of an image endpoint: JSON, not the image type its renderer announces."""
    descriptions = {**ERROR_DESCRIPTIONS, "406": "The Accept header names no type this endpoint makes."}
    return {
        (code, "application/json"): OpenApiResponse(ErrorSerializer, description=descriptions[code]) for code in codes
    }


class _QrImageApi(APIView):
    """An image answer negotiated like any DRF response (Accept: image/png, */*, ...)."""

    def _answer_in_json(self):
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"

    def handle_exception(self, exc):
        # Errors keep the API's one JSON error body, whatever image type the client accepted.
        self._answer_in_json()
        return super().handle_exception(exc)

    def options(self, request, *args, **kwargs):
        self._answer_in_json()  # the endpoint's description is JSON, not an image
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
            **_json_errors("400", "401", "403", "404", "406"),
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
            **_json_errors("401", "403", "404", "406"),
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
