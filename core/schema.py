from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from core.schema_tags import tag_of
from core.serializers import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "Bad input; `field` names the offending field. Nothing was stored.",
    "401": "Not authenticated.",
    "403": "Authenticated but the role may not do this.",
    "404": "No such object, or it belongs to another tenant.",
    "415": "The body is not of the operation's one content type (JSON; multipart for file uploads).",
    "413": "The request body is larger than the server accepts (MAX_REQUEST_BYTES, DATA_UPLOAD_MAX_MEMORY_SIZE).",
}
LIST_404 = "No such page (`page` beyond the last one)."
QUERY_400 = "A query parameter is malformed; `field` names it."


class AutoSchema(BaseAutoSchema):
    """Documents the shared error body on every operation, so clients can rely on it."""

    def get_tags(self):
        return [tag_of(self.path)]

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        # DRF builds a read-only choice field of a `blank=True` model field without allow_blank, so the
        # enum would leave out the "" the API does send, and generated clients fail to parse it.
        if isinstance(field, serializers.ChoiceField) and field.read_only and not field.allow_blank:
            model = getattr(getattr(field.parent, "Meta", None), "model", None)
            try:
                field.allow_blank = model is not None and model._meta.get_field(field.source).blank
            except FieldDoesNotExist:
                pass
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        wanted = ["401", "403"]
        if self.method in ("POST", "PUT", "PATCH"):
            wanted += ["400", "413", "415"]
        if "{" in self.path:
            wanted.append("404")
        descriptions = dict(ERROR_DESCRIPTIONS)
        # Query parameters (filters, pagination, `at`) can be malformed, and a page can be past the
        # end: document those answers for every operation that has them, not view by view.
        if "400" not in wanted and any(p.get("in") == "query" for p in self._get_parameters()):
            wanted.append("400")
            descriptions["400"] = QUERY_400
        if "404" not in wanted and self.method == "GET" and self._is_list_view() and self._get_paginator():
            wanted.append("404")
            descriptions["404"] = LIST_404
        auth = self.get_auth()
        if not auth:
            wanted = [c for c in wanted if c not in ("401", "403")]
        for code in wanted:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code)
                responses[code]["description"] = descriptions[code]
        return dict(sorted(responses.items()))


def error_example(code: str, message: str, field: str | None = None, status_codes=("400",)) -> OpenApiExample:
    return OpenApiExample(
        f"{code}",
        value={
            "code": code,
            "message": message,
            "field": field,
            "errors": [{"field": field, "code": code, "message": message}],
        },
        response_only=True,
        status_codes=list(status_codes),
    )


HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def english_texts(result, **kwargs):
    """Postprocessing hook: the English of every operation's summary and description beside the text
    served, as `x-summary-en` and `x-description-en`. The texts are Chinese msgids (gettext_lazy in the
    views) whose English is in locale/en; the served ones follow Accept-Language like the rest."""
    with translation.override("en"):
        for path_item in result.get("paths", {}).values():
            for method, operation in path_item.items():
                if method not in HTTP_METHODS:
                    continue
                for key in ("summary", "description"):
                    if operation.get(key):
                        operation[f"x-{key}-en"] = translation.gettext(str(operation[key]))
    return result
