"""QR tokens of posts and the images that carry them.

The code printed on a post encodes `{PUBLIC_BASE_URL}/s/{token}`: ASCII only (zbar and some phone
scanners mangle anything else) and short enough for version 4 at level Q, i.e. 25 mm on the card.
"""

import dataclasses
import hashlib
import io
import json
import secrets
import string
from dataclasses import dataclass
from datetime import datetime

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image
from qrcode.constants import ERROR_CORRECT_Q

from cards.models import CardVersion
from checklists.models import ScanEvent
from core.errors import ApplicationError, Conflict
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, Person, Post, PostQrToken
from orgs.selectors import role_required
from qr.cards_pdf import CardPage, cards_pdf
from qr.models import CardSheet, CardSheetStatus
from qr.selectors import QrScan, qr_not_issued, qr_print_check, qr_scan_resolve

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


USER_AGENT_MAX = ScanEvent._meta.get_field("user_agent").max_length


def qr_scan_record(*, token: str, person: Person, user_agent: str = "", ip: str | None = None) -> QrScan:
    """A logged-in person opened a post's code: what the GET answers, and a scan event recorded for
    an active token (unknown 404, revoked 410, nothing written). The event is what makes a record on site
    (checklists.services._scan_evidence); a GET never writes one."""
    scan = qr_scan_resolve(token=token, person=person)
    event = ScanEvent.objects.create(
        person=person,
        post=scan.post,
        token=scan.token,
        scanned_at=timezone.now(),
        user_agent=(user_agent or "")[:USER_AGENT_MAX],
        ip=ip or None,
    )
    return dataclasses.replace(scan, scan_event=event)


@transaction.atomic
def qr_token_issue(*, post: Post) -> PostQrToken:
    """The post's active token, created if it has none (no role check: callers are `seed_demo`,
    `demo_banner` and the services below, which check). Never called on a GET."""
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


# ---------------------------------------------------------------------------------------------
# Printable card sheets (issue 4, part 4): one A5 card per post with its QR code.

CARD_SHEET_LAYOUT = 1  # bump when the layout changes, so that stored sheets are not served again
CARD_QR_PIXELS = 400  # 32 mm at about 300 dpi


@dataclass(frozen=True)
class _SheetEntry:
    post: Post
    token: str
    version: int | None
    content: dict | None
    published_at: datetime | None


def qr_tokens_active(*, enterprise: Enterprise) -> dict[int, str]:
    """{post id: active token} of the enterprise's posts that have one (reads only)."""
    rows = PostQrToken.objects.filter(post__enterprise=enterprise, revoked_at__isnull=True)
    return dict(rows.values_list("post_id", "token"))


def qr_tokens_issue_all(*, enterprise: Enterprise) -> dict[int, str]:
    """{post id: active token} for every post of the enterprise, the missing ones issued in bulk: a
    constant number of queries, where qr_token_issue would take a few per post."""

    def active() -> dict[int, str]:
        return qr_tokens_active(enterprise=enterprise)

    post_ids = list(Post.objects.filter(enterprise=enterprise).values_list("id", flat=True))
    tokens = active()
    missing = [post_id for post_id in post_ids if post_id not in tokens]
    if missing:
        # A concurrent first print of the same post loses on the one-active-token constraint and
        # is ignored; both then read the same token.
        PostQrToken.objects.bulk_create(
            [PostQrToken(post_id=post_id, token=_new_token()) for post_id in missing], ignore_conflicts=True
        )
        tokens = active()
        for post_id in post_ids:  # a token collision (1 in 2**71) leaves a post out: issue it alone
            if post_id not in tokens:
                tokens[post_id] = qr_token_issue(post=Post(pk=post_id)).token
    return tokens


def _sheet_entries(enterprise: Enterprise, *, issue: bool = False) -> list[_SheetEntry]:
    """Each post with its token and current published card: four queries whatever the number of posts.
    With `issue` the posts without a token get one; without, they are a 409 (qr_not_issued)."""
    tokens = qr_tokens_issue_all(enterprise=enterprise) if issue else qr_tokens_active(enterprise=enterprise)
    latest = CardVersion.objects.filter(card=OuterRef("card")).order_by("-version").values("version")[:1]
    versions = {
        row["card__post_id"]: row
        for row in CardVersion.objects.filter(card__post__enterprise=enterprise, version=Subquery(latest)).values(
            "card__post_id", "version", "content", "published_at"
        )
    }
    posts = Post.objects.filter(enterprise=enterprise).select_related("department").order_by("department_id", "id")
    posts = list(posts)
    missing = [post for post in posts if post.id not in tokens]
    if missing:
        raise qr_not_issued(len(missing))
    entries = []
    for post in posts:
        card = versions.get(post.id, {})
        entries.append(
            _SheetEntry(post, tokens[post.id], card.get("version"), card.get("content"), card.get("published_at"))
        )
    return entries


def _sheet_digest(enterprise: Enterprise, entries: list[_SheetEntry]) -> str:
    shown = [
        [e.post.id, e.post.name, e.post.risk_level, e.post.location, e.post.department_id, e.token, e.version]
        for e in entries
    ]
    payload = [CARD_SHEET_LAYOUT, settings.PUBLIC_BASE_URL, enterprise.name, shown]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def cards_pdf_build(*, enterprise: Enterprise, entries: list[_SheetEntry] | None = None) -> bytes:
    """The enterprise's printable cards, one A5 page per post (posts without a published card get the
    default emergency steps and a note)."""
    entries = _sheet_entries(enterprise) if entries is None else entries
    if not entries:
        raise ApplicationError(_("该企业还没有岗位,没有可打印的明白卡。"), field="enterprise", code="no_posts")
    pages = [
        CardPage(
            enterprise=enterprise.name,
            post=e.post.name,
            department=e.post.department.name if e.post.department else "",
            location=e.post.location,
            risk_level=e.post.risk_level,
            content=e.content,
            version=e.version,
            published_at=e.published_at,
            qr_url=qr_url(e.token),
            qr_png=qr_png(qr_url(e.token), size=CARD_QR_PIXELS),
        )
        for e in entries
    ]
    return cards_pdf(pages, title=_("%(name)s 岗位安全生产明白卡") % {"name": enterprise.name})


@dataclass(frozen=True)
class CardsPdf:
    """Either the PDF itself (small enterprises, or a sheet already rendered) or the sheet being rendered."""

    pdf: bytes | None = None
    sheet: CardSheet | None = None


def cards_pdf_for(*, enterprise: Enterprise, by: Person) -> CardsPdf:
    """The printable cards for a GET, which never writes: rendered in the request up to
    CARDS_PDF_SYNC_MAX_POSTS posts; above, the sheet a POST asked for (cards_pdf_request), done or
    still rendering. A post without a code is a 409 (qr_not_issued), a sheet never asked for a 409
    (cards_not_rendered): both are made by a POST."""
    qr_print_check(by, enterprise.pk)
    entries = _sheet_entries(enterprise)
    if len(entries) <= settings.CARDS_PDF_SYNC_MAX_POSTS:
        return CardsPdf(pdf=cards_pdf_build(enterprise=enterprise, entries=entries))
    sheet = CardSheet.objects.filter(enterprise=enterprise, digest=_sheet_digest(enterprise, entries)).first()
    if sheet is None:
        raise Conflict(
            _("明白卡打印文件尚未生成,请用 POST 请求同一地址生成。"), field="enterprise", code="cards_not_rendered"
        )
    return CardsPdf(sheet=sheet)


def cards_pdf_request(*, enterprise: Enterprise, by: Person) -> CardsPdf:
    """The printable cards for a safety manager's POST: the posts' missing codes are issued first; then
    the PDF at once up to CARDS_PDF_SYNC_MAX_POSTS posts, or above, the sheet found or started on a
    Celery worker. A regulator reads only (GET): rendering records a sheet, so it is the enterprise's act."""
    role_required(by, enterprise.pk, SAFETY_MANAGER_ROLES)
    entries = _sheet_entries(enterprise, issue=True)
    if len(entries) <= settings.CARDS_PDF_SYNC_MAX_POSTS:
        return CardsPdf(pdf=cards_pdf_build(enterprise=enterprise, entries=entries))
    digest = _sheet_digest(enterprise, entries)
    sheet, created = CardSheet.objects.get_or_create(
        enterprise=enterprise,
        digest=digest,
        defaults={"post_count": len(entries), "requested_by": by, "created_at": timezone.now()},
    )
    if sheet.status == CardSheetStatus.DONE:
        return CardsPdf(sheet=sheet)
    if not created:
        # Asked again while pending or after a failure: queue it again (the task is idempotent, and a
        # worker that died with the first one leaves it pending forever otherwise).
        CardSheet.objects.filter(pk=sheet.pk, status=CardSheetStatus.FAILED).update(
            status=CardSheetStatus.PENDING, error=""
        )
        sheet.refresh_from_db()
    from qr.tasks import render_card_sheet  # tasks import this module

    transaction.on_commit(lambda: render_card_sheet.delay(sheet.pk))
    return CardsPdf(sheet=sheet)


def card_sheet_render(*, sheet_id: int) -> str:
    """Render a pending sheet into media storage; safe to run twice (a rendered sheet is left alone)."""
    try:
        with transaction.atomic():
            sheet = CardSheet.objects.select_for_update().select_related("enterprise").filter(pk=sheet_id).first()
            if sheet is None:
                return "gone"
            if sheet.status == CardSheetStatus.DONE:
                return "done already"
            pdf = cards_pdf_build(enterprise=sheet.enterprise)
            sheet.file.save(f"cards-{sheet.enterprise_id}-{sheet.digest[:16]}.pdf", ContentFile(pdf), save=False)
            sheet.status, sheet.error, sheet.finished_at = CardSheetStatus.DONE, "", timezone.now()
            sheet.save(update_fields=["file", "status", "error", "finished_at"])
            return "rendered"
    except Exception as exc:
        CardSheet.objects.filter(pk=sheet_id).exclude(status=CardSheetStatus.DONE).update(
            status=CardSheetStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
