"""Handing a stored file (a photo) to the client after the view has checked who may read it.

- object storage (STORAGES["default"] is S3-compatible): a redirect to a signed URL that expires after
  PHOTO_URL_SECONDS; the bytes go from the bucket to the phone, never through the app;
- files behind nginx (MEDIA_ACCEL_REDIRECT_PREFIX set, e.g. /_media/): an empty answer whose
  X-Accel-Redirect names the file under nginx's `internal` location, which sends it (sendfile);
- otherwise (the demo, tests): the file itself, streamed from the storage.
The file is always reached through the storage API (never a local path), so any storage works.
"""

import mimetypes
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseRedirect

from core.errors import NotFound


def storage_is_remote(storage) -> bool:
    """True for object storage: files have signed URLs, not local paths."""
    return hasattr(storage, "bucket_name")


def stored_file_response(fieldfile, *, filename: str, cache_seconds: int = 3600):
    """The answer that delivers `fieldfile` (a FieldFile) by the cheapest way the deployment offers."""
    if not fieldfile.name:
        raise NotFound("")
    storage = fieldfile.storage
    content_type = mimetypes.guess_type(fieldfile.name)[0] or "application/octet-stream"
    disposition = f"inline; filename*=UTF-8''{quote(filename)}"
    if storage_is_remote(storage):
        url = storage.url(
            fieldfile.name,
            parameters={"ResponseContentDisposition": disposition, "ResponseContentType": content_type},
            expire=settings.PHOTO_URL_SECONDS,
        )
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"  # the signed URL expires: never reuse this answer
        return response
    if not storage.exists(fieldfile.name):
        raise NotFound("")
    if settings.MEDIA_ACCEL_REDIRECT_PREFIX:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT_PREFIX + quote(fieldfile.name)
    else:
        response = FileResponse(storage.open(fieldfile.name, "rb"), content_type=content_type)
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = f"private, max-age={cache_seconds}"
    return response
