from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiExample

from core.serializers import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "Bad input; `field` names the offending field. Nothing was stored.",
    "401": "Not authenticated.",
    "403": "Authenticated but the role may not do this.",
    "404": "No such object, or it belongs to another tenant.",
    "413": "The request body is larger than the server accepts (MAX_REQUEST_BYTES, DATA_UPLOAD_MAX_MEMORY_SIZE).",
}
LIST_404 = "No such page (`page` beyond the last one)."
QUERY_400 = "A query parameter is malformed; `field` names it."


class AutoSchema(BaseAutoSchema):
    """Documents the shared error body on every operation, so clients can rely on it."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        wanted = ["401", "403"]
        if self.method in ("POST", "PUT", "PATCH"):
            wanted += ["400", "413"]
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
