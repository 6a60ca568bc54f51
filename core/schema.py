from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiExample

from core.serializers import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "Bad input; `field` names the offending field. Nothing was stored.",
    "401": "Not authenticated.",
    "403": "Authenticated but the role may not do this.",
    "404": "No such object, or it belongs to another tenant.",
}


class AutoSchema(BaseAutoSchema):
    """Documents the shared error body on every operation, so clients can rely on it."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        wanted = ["401", "403"]
        if self.method in ("POST", "PUT", "PATCH"):
            wanted.append("400")
        if "{" in self.path:
            wanted.append("404")
        auth = self.get_auth()
        if not auth:
            wanted = [c for c in wanted if c not in ("401", "403")]
        for code in wanted:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code)
                responses[code]["description"] = ERROR_DESCRIPTIONS[code]
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
