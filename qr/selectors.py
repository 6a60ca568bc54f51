"""Scan resolution: what a phone gets when it opens the code printed on a post."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from cards.models import CardAcknowledgement, CardVersion
from cards.selectors import card_current_version
from checklists.selectors import DueChecklist, checklists_due
from core.errors import Gone, NotFound
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, Person, Post, PostQrToken
from orgs.selectors import certificates_missing, get_visible, person_holds_post, role_in
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


def _may_see_checklists(person: Person, post: Post) -> bool:
    if person.is_superuser:
        return True
    role = role_in(person, post.enterprise_id)
    if role is None:  # regulators and other tenants read the card like anyone with the code
        return False
    return role in SAFETY_MANAGER_ROLES or person_holds_post(person, post)


def qr_scan_resolve(*, token: str, person: Person | None) -> QrScan:
    """Resolve a scanned token for anyone, logged in or not; a constant number of queries.

    Unknown tokens are 404; revoked ones 410, so a worker in front of an old print knows to look for
    the new code rather than thinking the system is down.
    """
    # Whether the post requires certificates rides on the token's query, so that posts without any
    # (most of them) cost no query for the check.
    requires = Post.required_certificate_kinds.through.objects.filter(post=OuterRef("post"))
    found = (
        PostQrToken.objects.select_related("post__enterprise__industry", "post__department")
        .annotate(requires_certificates=Exists(requires))
        .filter(token=token)
        .first()
    )
    if found is None:
        raise NotFound(_("未找到此二维码。"), field="token")
    if not found.is_active:
        raise Gone(_("此二维码已失效,请扫描岗位上的新二维码。"), field="token")
    post = found.post
    card = card_current_version(post)
    checklists = acknowledged = missing = None
    if person is not None and person.is_authenticated:
        if _may_see_checklists(person, post):
            checklists = checklists_due(post=post)
        if card is not None:
            acknowledged = CardAcknowledgement.objects.filter(version=card, person=person).exists()
        if role_in(person, post.enterprise_id) is not None:
            missing = certificates_missing(person=person, post=post) if found.requires_certificates else []
    return QrScan(found, post, post.enterprise, card, checklists, acknowledged, missing)


def card_sheet_get_for(person: Person, sheet_id) -> CardSheet:
    """A rendered (or rendering) card sheet of an enterprise the person may read, else 404."""
    return get_visible(person, CardSheet.objects.select_related("enterprise"), sheet_id)
