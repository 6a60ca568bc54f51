"""QR tokens of posts and the images that carry them.

The code printed on a post encodes `{PUBLIC_BASE_URL}/s/{token}`: ASCII only (zbar and some phone
scanners mangle anything else) and short enough for version 4 at level Q, i.e. 25 mm on the card.
"""

import io
import secrets
import string

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image
from qrcode.constants import ERROR_CORRECT_Q

from core.errors import ApplicationError
from orgs.models import SAFETY_MANAGER_ROLES, Person, Post, PostQrToken
from orgs.selectors import role_required

TOKEN_ALPHABET = string.ascii_letters + string.digits
TOKEN_LENGTH = 12  # 62**12 ~ 2**71: not guessable, and the URL still fits version 4-Q
TOKEN_ATTEMPTS = 5
PNG_MIN_SIZE, PNG_MAX_SIZE = 64, 2048
QR_BORDER = 4  # the quiet zone ISO/IEC 18004 asks for, in modules


def _new_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def _active_token(post: Post) -> PostQrToken | None:
    return PostQrToken.objects.filter(post=post, revoked_at__isnull=True).first()


def _create_token(post: Post) -> PostQrToken:
    """Insert a fresh active token; call with the post row locked and no active token left."""
    for _attempt in range(TOKEN_ATTEMPTS):
        try:
            with transaction.atomic():  # a savepoint, so a collision does not spoil the outer transaction
                return PostQrToken.objects.create(post=post, token=_new_token())
        except IntegrityError:
            # Either the token collided (retry with another) or another request gave the post its
            # token first (the one-active-per-post constraint): then that one is the answer.
            active = _active_token(post)
            if active is not None:
                return active
    raise RuntimeError(f"could not find a free QR token in {TOKEN_ATTEMPTS} attempts")


@transaction.atomic
def qr_token_issue(*, post: Post) -> PostQrToken:
    """The post's active token, created on first use (no role check: printing needs read access only)."""
    active = _active_token(post)
    if active is not None:
        return active
    # Lock the post so two first prints of the same post agree on one token.
    Post.objects.select_for_update().filter(pk=post.pk).first()
    return _active_token(post) or _create_token(post)


@transaction.atomic
def qr_token_rotate(*, post: Post, by: Person) -> PostQrToken:
    """Revoke the active token (its printed codes then answer 410) and issue a new one."""
    role_required(by, post.enterprise_id, SAFETY_MANAGER_ROLES)
    Post.objects.select_for_update().filter(pk=post.pk).first()
    PostQrToken.objects.filter(post=post, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return _create_token(post)


def qr_url(token: str) -> str:
    url = f"{settings.PUBLIC_BASE_URL}/s/{token}"
    if not url.isascii():
        raise ValueError(f"PUBLIC_BASE_URL must be ASCII (use punycode for the host): {url!r}")
    return url


def _qr(url: str, *, box_size: int = 10) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=QR_BORDER, box_size=box_size)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_png(url: str, *, size: int) -> bytes:
    """A PNG `size` pixels wide: whole pixels per module, centred, the rest is extra quiet zone."""
    if isinstance(size, bool) or not isinstance(size, int) or not PNG_MIN_SIZE <= size <= PNG_MAX_SIZE:
        raise ApplicationError(
            _("图片尺寸须为 %(min)d 到 %(max)d 之间的整数(像素)。") % {"min": PNG_MIN_SIZE, "max": PNG_MAX_SIZE},
            field="size",
        )
    modules = _qr(url, box_size=1).modules_count + 2 * QR_BORDER
    if modules > size:
        raise ApplicationError(_("图片太小,放不下这个二维码:至少需要 %(min)d 像素。") % {"min": modules}, field="size")
    # Scaling by a fraction would make modules of unequal width, which blurs when printed.
    code = _qr(url, box_size=max(1, size // modules))
    image = code.make_image().get_image()
    canvas = Image.new("1", (size, size), 1)
    offset = (size - image.width) // 2
    canvas.paste(image, (offset, offset))
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()


def qr_svg(url: str) -> str:
    """A scalable SVG, 1 mm per module at its natural size, on a white background."""
    image = _qr(url).make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    return image.to_string(encoding="unicode")


def qr_terminal_text(url: str) -> str:
    """The code in block characters, two modules per line, for `seed_demo` and `make run` to print.

    Inverted: a terminal draws characters light on dark, and a phone needs dark modules on a light
    quiet zone, so the light modules are the ones drawn.
    """
    out = io.StringIO()
    _qr(url).print_ascii(out=out, invert=True)
    return out.getvalue()
