from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.auth import client_address
from core.exports import PDF_MEDIA_TYPE, content_disposition, file_response
from core.renderers import BinaryRenderer, JsonErrorsMixin, json_error_responses
from core.schema import error_example
from core.serializers import ErrorSerializer
from orgs.selectors import access_enterprise, access_post
from qr import selectors, services
from qr.models import CardSheetStatus
from qr.serializers import (
    CardSheetSerializer,
    QrPngQuerySerializer,
    QrScanRecordedSerializer,
    QrScanSerializer,
    QrTokenSerializer,
)


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
        response["Content-Disposition"] = content_disposition(f"post-{pk}-qr.{extension}", inline=True)
        response["Cache-Control"] = "private, no-cache"  # a rotation must not leave old codes in caches
        return response


NO_CODE_YET = {
    ("409", "application/json"): OpenApiResponse(
        ErrorSerializer, description="The post has no QR code yet (`qr_not_issued`): a safety manager makes it."
    )
}
NOT_YET = OpenApiResponse(
    ErrorSerializer,
    description="A post has no QR code yet (`qr_not_issued`), or the large sheet was never asked for with a POST "
    "(`cards_not_rendered`).",
)
NOT_ISSUED = error_example("qr_not_issued", "该岗位还没有二维码,请安全管理人员先生成。", status_codes=("409",))


class PostQrPngApi(_QrImageApi):
    renderer_classes = [QrPngRenderer]

    @extend_schema(
        operation_id="v1_posts_qr_png_retrieve",
        summary=_("岗位二维码 PNG(安全管理人员及监管范围内的监管人员)"),
        description=_(
            "二维码内容为 `{PUBLIC_BASE_URL}/s/{token}`,纠错等级 Q。作业人员返回 403:二维码用于证明人在岗位现场。"
            "岗位尚无二维码时返回 409 `qr_not_issued`:由安全管理人员用 `POST rotate-qr/` 生成(或用 `POST cards.pdf` "
            "为全部岗位生成)。"
        ),
        parameters=[QrPngQuerySerializer],
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="PNG, `size` pixels square"),
            **json_error_responses("400", "401", "403", "404", "406"),
            **NO_CODE_YET,
        },
        examples=[
            error_example("invalid", "size: 请确保该值小于或者等于 2048。", "size"),
            NOT_ISSUED,
        ],
    )
    def get(self, request, pk):
        query = QrPngQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        post = access_post(request.user, pk)
        token = selectors.qr_token_for_print(request.user, post)
        return self._image(
            services.qr_png(services.qr_url(token.token), size=query.validated_data["size"]), pk=pk, extension="png"
        )


class PostQrSvgApi(_QrImageApi):
    renderer_classes = [QrSvgRenderer]

    @extend_schema(
        operation_id="v1_posts_qr_svg_retrieve",
        summary=_("岗位二维码 SVG,供印刷(安全管理人员及监管范围内的监管人员)"),
        description=_(
            "矢量图,原始尺寸下每个模块 1 毫米。内容为 `{PUBLIC_BASE_URL}/s/{token}`。作业人员返回 403;"
            "岗位尚无二维码时返回 409 `qr_not_issued`(见 qr.png)。"
        ),
        responses={
            (200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.BINARY, description="SVG document"),
            **json_error_responses("401", "403", "404", "406"),
            **NO_CODE_YET,
        },
        examples=[NOT_ISSUED],
    )
    def get(self, request, pk):
        post = access_post(request.user, pk)
        token = selectors.qr_token_for_print(request.user, post)
        return self._image(services.qr_svg(services.qr_url(token.token)), pk=pk, extension="svg")


class PostQrRotateApi(APIView):
    @extend_schema(
        summary=_("生成或更换岗位二维码(安全管理人员);更换后已打印的旧码返回 410"),
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
        post = access_post(request.user, pk, write=True)
        token = services.qr_token_rotate(post=post, by=request.user)
        return Response(QrTokenSerializer(token).data, status=status.HTTP_201_CREATED)


GONE = OpenApiResponse(ErrorSerializer, description="The code was replaced by a newer one (rotated).")


class QrScanApi(APIView):
    def get_permissions(self):
        # Anyone holding the code reads the card (GET); recording a scan needs a login (POST).
        return [IsAuthenticated()] if self.request.method == "POST" else [AllowAny()]

    @extend_schema(
        summary=_("解析扫描的二维码:岗位、明白卡,并向本岗位人员列出当前应检的检查表"),
        description=_(
            "持有二维码的任何人都可访问(明白卡就挂在岗位上)。检查表只向本岗位在岗人员和企业安全管理人员显示。"
        ),
        responses={200: QrScanSerializer, 410: GONE},
        examples=[
            error_example("gone", "此二维码已失效,请扫描岗位上的新二维码。", "token", status_codes=("410",)),
            error_example("not_found", "未找到此二维码。", "token", status_codes=("404",)),
        ],
    )
    def get(self, request, token):
        scan = selectors.qr_scan_resolve(token=token, person=request.user)
        return Response(QrScanSerializer(scan).data)

    @extend_schema(
        summary=_("记录扫码:登录后打开岗位二维码,答复同 GET,另含本次扫码记录"),
        description=_(
            "为有效的二维码记录一次扫码(本人、岗位、时间)。检查记录引用该扫码记录(`scan_event`)且为同一人、"
            "同一岗位、在检查开始前 SCAN_EVENT_WINDOW_MINUTES 分钟内时,才算现场提交。GET 不写入任何记录。"
            "须登录(401);未知二维码 404,已失效 410,均不记录。"
        ),
        request=None,
        responses={201: QrScanRecordedSerializer, 410: GONE},
        examples=[
            error_example("gone", "此二维码已失效,请扫描岗位上的新二维码。", "token", status_codes=("410",)),
            error_example("not_found", "未找到此二维码。", "token", status_codes=("404",)),
        ],
    )
    def post(self, request, token):
        scan = services.qr_scan_record(
            token=token,
            person=request.user,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            ip=client_address(request),
        )
        return Response(QrScanRecordedSerializer(scan).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------------
# Printable cards


def _pdf_response(body, *, filename: str) -> HttpResponse:
    response = file_response(body, PDF_MEDIA_TYPE, filename, inline=True)
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
        summary=_("企业明白卡打印版:每个岗位一页 A5,附岗位二维码"),
        description=_(
            "限企业安全管理人员和监管范围内的监管人员(作业人员返回 403:二维码用于证明人在岗位现场)。"
            "每张卡有岗位风险颜色条(红/橙/黄/蓝)、明白卡内容(含应急处置关避喊报助五步和联系电话)以及岗位二维码。"
            "GET 只读:有岗位尚无二维码时返回 409 `qr_not_issued`(由安全管理人员 POST 生成)。"
            "岗位不超过 `CARDS_PDF_SYNC_MAX_POSTS` 个时直接返回 PDF;超过时返回此前 POST 生成的文件:已生成则为 PDF,"
            "后台生成中返回 202,从未 POST 过返回 409 `cards_not_rendered`。"
        ),
        responses={
            (200, PDF_MEDIA_TYPE): PDF_OK,
            (202, "application/json"): SHEET_PENDING,
            ("409", "application/json"): NOT_YET,
        },
        examples=[
            error_example("no_posts", "该企业还没有岗位,没有可打印的明白卡。", "enterprise"),
            NOT_ISSUED,
            error_example(
                "cards_not_rendered",
                "明白卡打印文件尚未生成,请用 POST 请求同一地址生成。",
                "enterprise",
                status_codes=("409",),
            ),
        ],
    )
    def get(self, request, pk):
        enterprise = access_enterprise(request.user, pk)
        return self._answer(services.cards_pdf_for(enterprise=enterprise, by=request.user), enterprise)

    @extend_schema(
        operation_id="v1_enterprises_cards_pdf_create",
        summary=_("生成明白卡打印版:安全管理人员的 POST 先补发缺少的二维码"),
        description=_(
            "答复同 GET;岗位超过 `CARDS_PDF_SYNC_MAX_POSTS` 个时开始后台生成(返回 202 和状态地址,也在 Location 中),"
            "或返回已生成的文件。限企业安全管理人员:监管人员只读(GET),不能生成(403)。"
        ),
        request=None,
        responses={
            (200, PDF_MEDIA_TYPE): PDF_OK,
            (202, "application/json"): SHEET_PENDING,
            ("409", "application/json"): NOT_YET,
        },
    )
    def post(self, request, pk):
        enterprise = access_enterprise(request.user, pk, write=True)
        return self._answer(services.cards_pdf_request(enterprise=enterprise, by=request.user), enterprise)

    def _answer(self, result, enterprise):
        if result.pdf is not None:
            return _pdf_response(result.pdf, filename=f"cards-{enterprise.pk}.pdf")
        if result.sheet.status == CardSheetStatus.DONE:
            return _sheet_pdf(result.sheet)
        body = CardSheetSerializer(result.sheet).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class CardSheetApi(APIView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary=_("明白卡打印文件的生成状态;生成完成后直接返回 PDF"),
        responses={(200, PDF_MEDIA_TYPE): PDF_OK, (202, "application/json"): SHEET_PENDING},
    )
    def get(self, request, pk):
        sheet = selectors.access_card_sheet(request.user, pk)
        if sheet.status == CardSheetStatus.DONE:
            return _sheet_pdf(sheet)
        return Response(CardSheetSerializer(sheet).data, status=status.HTTP_202_ACCEPTED)
