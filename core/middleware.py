"""Request size limit, checked before a byte of the body is read.

Django limits the non-file part of a body (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams uploaded files
to disk whatever their size; the photo limit is then checked only after the whole file arrived.
This refuses any body larger than MAX_REQUEST_BYTES (the photo limit plus room for the form) at once.
"""

from django.conf import settings

from core.errors import request_too_large


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            return request_too_large()
        return self.get_response(request)
