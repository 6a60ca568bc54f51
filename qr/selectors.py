"""Scan resolution: what a phone gets when it opens the code printed on a post."""

from dataclasses import dataclass

from django.db.models import BooleanField, CharField
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from cards.models import CardVersion
from cards.selectors import card_current_version
from checklists.models import ScanEvent
from checklists.selectors import DueChecklist, checklists_due
from core.errors import Conflict, Forbidden, Gone, NotFound
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, Membership, Person, Post, PostQrToken
from orgs.selectors import certificates_missing, enterprise_readable_by, get_visible
from qr.models import CardSheet


@dataclass(frozen=True)
class QrScan:
    token: PostQrToken
    post: Post
    enterprise: Enterprise
    card: CardVersion | None  # the current published version, if the post has one
    checklists: list[DueChecklist] | None  # None: the caller may not see them (anonymous, not on the post)
    acknowledged: bool | None  # None: anonymous, or no published card to acknowledge
    # Kinds the post requires that the caller holds no valid certificate of (持证上岗); None unless the
    # caller is a member of the post's enterprise.
    certificate_missing: list[str] | None = None
    scan_event: ScanEvent | None = None  # recorded by POST /scan/{token}/ (qr.services.qr_scan_record)


def qr_scan_resolve(*, token: str, person: Person | None) -> QrScan:
    """Resolve a scanned token for anyone, logged in or not; a constant number of queries.

    Unknown tokens are 404; revoked ones 410, so a worker in front of an old print knows to look for
    the new code rather than thinking the system is down.
    """
    signed_in = person is not None and person.is_authenticated
    tokens, posts = PostQrToken._meta.db_table, Post._meta.db_table
    # What the answer needs to know of the post and the caller rides on the token's query: whether the
    # post requires certificates (most do not, and then cost no query), and for a signed-in caller
    # their role in the enterprise and whether they hold the post. Written as SQL like
    # orgs.selectors.access_post's annotations: Exists() costs more to compile than these take to run.
    requires = Post.required_certificate_kinds.through._meta.db_table
    annotations = {
        "requires_certificates": RawSQL(
            f"EXISTS (SELECT 1 FROM {requires} r WHERE r.post_id = {tokens}.post_id)", [], output_field=BooleanField()
        )
    }
    if signed_in:
        holders, members = Post.holders.through._meta.db_table, Membership._meta.db_table
        annotations["held_by_person"] = RawSQL(
            f"EXISTS (SELECT 1 FROM {holders} h WHERE h.post_id = {tokens}.post_id AND h.person_id = %s)",
            [person.pk],
            output_field=BooleanField(),
        )
        annotations["person_role"] = RawSQL(
            f"(SELECT m.role FROM {members} m WHERE m.enterprise_id = {posts}.enterprise_id "
            "AND m.person_id = %s)",  # at most one membership per person and enterprise
            [person.pk],
            output_field=CharField(),
        )
    found = (
        PostQrToken.objects.select_related("post__enterprise__industry", "post__department")
        .annotate(**annotations)
        .filter(token=token)
        .first()
    )
    if found is None:
        raise NotFound(_("未找到此二维码。"), field="token")
    if not found.is_active:
        raise Gone(_("此二维码已失效,请扫描岗位上的新二维码。"), field="token")
    post = found.post
    card = card_current_version(post, acknowledged_by=person if signed_in else None)
    checklists = acknowledged = missing = None
    if signed_in:
        role = found.person_role  # None: regulators and other tenants read the card like anyone with the code
        # The post's holders and the enterprise's safety managers see the checklists due.
        if person.is_superuser or role in SAFETY_MANAGER_ROLES or (role is not None and found.held_by_person):
            checklists = checklists_due(post=post)
        if card is not None:
            acknowledged = card.acknowledged
        if role is not None:
            missing = certificates_missing(person=person, post=post) if found.requires_certificates else []
    return QrScan(found, post, post.enterprise, card, checklists, acknowledged, missing)


def qr_print_check(person: Person, enterprise_id: int) -> None:
    """QR images and card sheets carry the tokens that prove a person stood at a post, so only the
    enterprise's safety managers and admins, and regulators in scope (read-only), get them; a worker
    gets 403. Call it on an enterprise the person can read (others have had their 404 already)."""
    # A member below the manager roles reads as a worker, unless a regulator scope of theirs covers
    # the enterprise (a membership never lowers what a regulator reads).
    if enterprise_readable_by(person, enterprise_id, roles=SAFETY_MANAGER_ROLES):
        return
    raise Forbidden(_("只有企业的安全管理人员可以获取岗位二维码和明白卡打印文件。"))


def qr_not_issued(count: int = 1) -> Conflict:
    return Conflict(
        _("有 %(count)d 个岗位还没有二维码,请安全管理人员先生成。") % {"count": count}
        if count > 1
        else _("该岗位还没有二维码,请安全管理人员先生成。"),
        code="qr_not_issued",
    )


def qr_token_for_print(person: Person, post: Post) -> PostQrToken:
    """The post's active token for its printed code; 409 when it has none yet (a GET never writes:
    a safety manager makes it with POST rotate-qr, or POST cards.pdf for every post at once)."""
    qr_print_check(person, post.enterprise_id)
    token = PostQrToken.objects.filter(post=post, revoked_at__isnull=True).first()
    if token is None:
        raise qr_not_issued()
    return token


def access_card_sheet(person: Person, sheet_id) -> CardSheet:
    """A rendered (or rendering) card sheet of an enterprise the person may read, else 404; a worker
    of the enterprise gets 403 (the sheet carries every post's QR token)."""
    sheet = get_visible(person, CardSheet.objects.select_related("enterprise"), sheet_id)
    qr_print_check(person, sheet.enterprise_id)
    return sheet
