"""One error type for the domain and one handler that renders every error in the documented shape.

Body: {"code": "...", "message": "...", "field": "results[2].value" | null,
       "errors": [{"field": ..., "code": ..., "message": ...}, ...]}
"""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.observability import current_request_id


class ApplicationError(Exception):
    """A rule of the domain was broken; `field` names the offending input when there is one."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        status_code: int | None = None,
        errors: list[dict] | None = None,
    ):
        super().__init__(message)
        self.message = str(message)
        self.field = field
        self.code = code or self.default_code
        self.errors = errors  # all the problems, when one request has several: [{field, code, message}]
        if status_code is not None:
            self.status_code = status_code


class NotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"


class Forbidden(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class Gone(ApplicationError):
    status_code = status.HTTP_410_GONE
    default_code = "gone"


@contextmanager
def savepoint_or_raise(error: ApplicationError):
    """Run the block in a savepoint and answer a constraint it breaks with `error`: the unique row a
    concurrent request wrote first between our check and our insert. The savepoint keeps the outer
    transaction usable (PostgreSQL refuses every statement after a failed one otherwise)."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise error from None


def error_body(code: str, message: str, field: str | None = None, errors: list | None = None) -> dict:
    if errors is None:
        errors = [{"field": field, "code": code, "message": message}]
    body = {"code": code, "message": message, "field": field, "errors": errors}
    request_id = current_request_id()
    if request_id:  # the id of the log lines of this request (core.observability): quote it to support
        body["request_id"] = request_id
    return body


def flatten_errors(detail, path: str = "") -> list[dict]:
    """Turn DRF's nested error detail into a flat list with dotted/indexed field paths."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            if isinstance(key, int):  # DRF keys the errors of list items by their index
                out += flatten_errors(value, f"{path}[{key}]")
                continue
            key = "" if key == "non_field_errors" else str(key)
            out += flatten_errors(value, f"{path}.{key}" if path and key else (path or key))
        return out
    if isinstance(detail, list):
        if all(isinstance(d, exceptions.ErrorDetail) or isinstance(d, str) for d in detail):
            return [{"field": path or None, "code": getattr(d, "code", "invalid"), "message": str(d)} for d in detail]
        out = []
        for index, value in enumerate(detail):
            if value:  # DRF puts {} for the list entries that were fine
                out += flatten_errors(value, f"{path}[{index}]")
        return out
    return [{"field": path or None, "code": getattr(detail, "code", "invalid"), "message": str(detail)}]


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.field, exc.errors), status=exc.status_code)
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent)):
        # Django's answer would be an HTML 400; a client needs the error shape and the right status.
        set_rollback()
        body = error_body("request_too_large", _("请求内容过大。"))
        return Response(body, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: let Django answer 500 and log it

    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        first = errors[0] if errors else {"field": None, "code": "invalid", "message": _("输入有误。")}
        message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        body = error_body("invalid", message, first["field"], errors)
    elif isinstance(exc.detail, dict):
        # simplejwt's errors: {"detail": ..., "code": ..., "messages": [...]}; the body has plain strings.
        code = str(exc.detail.get("code") or exc.default_code)
        body = error_body(code, str(exc.detail.get("detail") or exc.default_detail))
    elif isinstance(exc.detail, list):
        first = exc.detail[0] if exc.detail else exc.default_detail
        body = error_body(str(getattr(first, "code", exc.default_code)), str(first))
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        body = error_body(code, str(exc.detail))
    return Response(body, status=exc.status_code, headers=headers)


def request_too_large() -> JsonResponse:
    return JsonResponse(error_body("request_too_large", _("请求内容过大。")), status=413)


def json_not_found(request, exception=None):
    """Unknown URLs under /api/ answer in the error shape, not Django's HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", _("未找到。")), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def json_server_error(request):
    """A bug under /api/: the error shape with the request id (the traceback is in the log under it)."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("server_error", _("服务器内部错误。")), status=500)
    from django.views.defaults import server_error

    return server_error(request)
