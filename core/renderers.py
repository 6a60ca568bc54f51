"""Endpoints that answer with a file (PNG, SVG, xlsx, pdf) but keep the API's JSON error body."""

import orjson
from drf_orjson_renderer.renderers import ORJSONRenderer
from drf_spectacular.utils import OpenApiResponse
from rest_framework.renderers import BaseRenderer, JSONRenderer

from core.exports import PDF_MEDIA_TYPE, XLSX_MEDIA_TYPE
from core.schema import ERROR_DESCRIPTIONS
from core.serializers import ErrorSerializer


class BinaryRenderer(BaseRenderer):
    """Passes bytes built by the view through; subclasses name the media type and the format."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class XlsxRenderer(BinaryRenderer):
    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"


class PdfRenderer(BinaryRenderer):
    media_type = PDF_MEDIA_TYPE
    format = "pdf"


class SvgRenderer(BaseRenderer):
    """Passes an SVG document (a str built by the view) through as UTF-8."""

    media_type = "image/svg+xml"
    format = "svg"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data.encode("utf-8")


class JpegRenderer(BinaryRenderer):
    media_type = "image/jpeg"
    format = "jpg"


class JsonErrorsMixin:
    """For an APIView whose success is a file: errors keep the API's one JSON body, whatever file
    type the client accepted."""

    def answer_in_json(self):
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"

    def handle_exception(self, exc):
        self.answer_in_json()
        return super().handle_exception(exc)


class FileAnswerMixin(JsonErrorsMixin):
    """JsonErrorsMixin, and OPTIONS describes the endpoint in JSON rather than in its file type."""

    def options(self, request, *args, **kwargs):
        self.answer_in_json()
        return super().options(request, *args, **kwargs)


def json_error_responses(*codes: str) -> dict:
    """The documented error responses of a file endpoint: JSON, not the type its renderer announces."""
    descriptions = {**ERROR_DESCRIPTIONS, "406": "The Accept header names no type this endpoint makes."}
    return {
        (code, "application/json"): OpenApiResponse(ErrorSerializer, description=descriptions[code]) for code in codes
    }


class FastJSONRenderer(ORJSONRenderer):
    """JSON written by orjson (drf-orjson-renderer), for answers of many megabytes (the statistics of a
    province). Keys that are choices (Tier.DAILY) are written as their values, as the standard
    renderer writes them."""

    options = ORJSONRenderer.options | orjson.OPT_NON_STR_KEYS
