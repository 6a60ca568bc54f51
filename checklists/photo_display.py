"""The display copy of a photo: the stored copy scaled down, with a visible watermark of when it was
uploaded (the server's clock, in the enterprise's local time), the post of the record that cites it and
the person who took it. A screenshot of it carries where it came from; the stored copy, whose uploaded
bytes' SHA-256 the archive keeps, is never changed.

Rendered on each GET (about 70 ms from a stored copy of 2560 pixels) and written nowhere (a GET never
writes); the answer carries an ETag and may be kept by the browser (Cache-Control: private): the text
never changes once the photo is cited, since records are immutable.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from checklists.models import Inspection, Photo
from core.errors import NotFound
from core.exports import content_disposition

DISPLAY_SIDE = 1280
THUMB_SIDE = 320  # the list's small copy, drawn from the stored thumbnail
WATERMARK_VERSION = "1"  # part of the ETag: a change of the drawing makes browsers fetch again


@dataclass(frozen=True)
class Watermark:
    lines: tuple[str, str]

    @property
    def etag(self) -> str:
        return hashlib.sha256("\n".join((WATERMARK_VERSION, *self.lines)).encode()).hexdigest()[:32]


def _local(instant: datetime, zone: str) -> str:
    local = instant.astimezone(ZoneInfo(zone))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} UTC{offset[:3]}:{offset[3:]}"


def record_watermark(*, who: str, place: str, at: datetime, zone: str, number: str) -> Watermark:
    """The two lines every display copy carries: where and who, then when (local time) and which."""
    return Watermark((f"{place} · {who}", f"{_local(at, zone)} · {number}"))


def photo_watermark(photo: Photo) -> Watermark:
    """What the display copy says: the post (of the earliest record citing the photo; "—" before one
    does) and the person, then the upload time and the photo's number. Two queries."""
    record = (
        Inspection.objects.filter(results__photos=photo)
        .select_related("post__enterprise")
        .order_by("started_at", "id")
        .first()
    )
    post = record.post.name if record else "—"
    zone = record.post.enterprise.timezone if record else settings.TIME_ZONE
    return record_watermark(
        place=post, who=str(photo.uploaded_by), at=photo.created_at, zone=zone, number=f"#{photo.id}"
    )


@dataclass(frozen=True)
class StoredPicture:
    """A picture stored outside the archive's photos (a public report's photo: no thumbnail, no uploader),
    drawn by the same functions as a Photo: its `image` and `thumbnail` are read, `pk` names the file."""

    pk: int
    image: FieldFile
    thumbnail: FieldFile | None = None


@lru_cache(maxsize=16)
def _font(size: int):
    try:
        return ImageFont.truetype(settings.CARDS_PDF_FONT, size, index=0)
    except OSError:  # no WenQuanYi on this machine: Latin only (Chinese shows as boxes)
        return ImageFont.load_default(size)


def _tiles(size: tuple[int, int], text: str, font_size: int) -> Image.Image:
    """The text repeated across the picture on a slant, faint: cropping the band away leaves it."""
    font = _font(font_size)
    left, top, right, bottom = font.getbbox(text)
    tile = Image.new("RGBA", (right - left + font_size * 4, (bottom - top) * 4), (0, 0, 0, 0))
    origin = (font_size * 2 - left, (bottom - top) * 1.5 - top)
    # White with a dark edge: seen on bright and dark pictures alike.
    ImageDraw.Draw(tile).text(
        origin, text, font=font, fill=(255, 255, 255, 80), stroke_width=1, stroke_fill=(0, 0, 0, 60)
    )
    tile = tile.rotate(25, expand=True)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    for y in range(-tile.height // 2, size[1], tile.height):
        shift = (y // tile.height % 2) * tile.width // 2
        for x in range(-tile.width + shift, size[0], tile.width):
            layer.paste(tile, (x, y))  # the tiles do not overlap: a plain copy of each
    return layer


def photo_display_jpeg(photo: Photo | StoredPicture, watermark: Watermark, *, side: int = DISPLAY_SIDE) -> bytes:
    """The stored copy (or, for a side no larger than THUMB_SIDE, the stored thumbnail), at most `side`
    pixels a side, watermarked. Read through the storage API (file system or object storage alike).
    A 404 when the file is gone."""
    source = photo.thumbnail if side <= THUMB_SIDE and photo.thumbnail else photo.image
    try:
        with source.open("rb") as stored, Image.open(stored) as opened:
            opened.draft("RGB", (side, side))  # JPEG: decode at a reduced scale when it can
            image = opened.convert("RGB")
    except (OSError, ValueError):  # missing or unreadable file
        raise NotFound(_("未找到。")) from None
    image.thumbnail((side, side))
    width, height = image.size
    size = max(12, round(min(width, height) / 26))
    font = _font(size)
    pad, line_height = size // 2, round(size * 1.35)
    band = 2 * line_height + 2 * pad

    canvas = image.convert("RGBA")
    canvas.alpha_composite(_tiles(canvas.size, "  ".join(watermark.lines), max(10, size * 3 // 4)))
    overlay = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle((0, height - band, width, height), fill=(0, 0, 0, 150))
    for i, line in enumerate(watermark.lines):
        draw.text((pad, height - band + pad + i * line_height), line, font=font, fill=(255, 255, 255, 240))
    canvas.alpha_composite(overlay)
    out = BytesIO()
    canvas.convert("RGB").save(out, format="JPEG", quality=82)
    return out.getvalue()


def photo_jpeg_response(
    request,
    photo: Photo | StoredPicture,
    *,
    side: int = DISPLAY_SIDE,
    name: str = "photo",
    watermark: Watermark | None = None,
) -> HttpResponse:
    """The answer for a watermarked copy, whoever serves it (the photos API, the hazards API, the pages,
    the public reports' triage): the JPEG, or 304 when the browser's copy (If-None-Match) is current.
    Call it on a photo the person may read; a StoredPicture comes with its watermark."""
    watermark = watermark or photo_watermark(photo)
    etag = f'"{watermark.etag}-{side}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(photo_display_jpeg(photo, watermark, side=side), content_type="image/jpeg")
        response["Content-Disposition"] = content_disposition(f"{name}-{photo.pk}.jpg", inline=True)
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=86400"
    return response
