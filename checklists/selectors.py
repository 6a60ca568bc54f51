"""Reads of checklists and the archive: due status per post, scoped inspection lists."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from checklists.archive import archive_hash, inspection_record
from checklists.models import ArchiveHead, ChecklistTemplate, Inspection, Photo
from checklists.periods import Period, period_kind_for, period_of
from checklists.slots import DueStatus, slot_status  # noqa: F401  (DueStatus: the name callers import)
from checklists.tallies import tally_inspection
from orgs.models import Person, Post
from orgs.selectors import get_or_404, get_visible, scope_to, write_required


@dataclass(frozen=True)
class DueChecklist:
    template: ChecklistTemplate
    tier: str
    period: Period
    status: str
    inspection_id: int | None


def checklists_due(*, post: Post, at: datetime | None = None) -> list[DueChecklist]:
    """Each active template of the post with the period containing `at` and its status.

    Two queries whatever the number of templates. `post.enterprise` must be loaded.
    """
    now = timezone.now()
    at = at or now
    enterprise = post.enterprise
    templates = list(post.checklist_templates.filter(active=True).order_by("tier", "id"))
    periods = {
        t.id: period_of(period_kind_for(t.tier, high_risk=enterprise.is_high_risk), at, enterprise.timezone)
        for t in templates
    }
    # The record that counts for each slot: its first (checklists.slots).
    recorded = {
        (template_id, key): (inspection_id, late)
        for template_id, key, inspection_id, late in Inspection.objects.filter(
            post=post,
            template__in=[t.id for t in templates],
            period__in={p.key for p in periods.values()},
            first_of_slot=True,
        ).values_list("template_id", "period", "id", "late")
    }
    due = []
    for template in templates:
        period = periods[template.id]
        found = recorded.get((template.id, period.key))
        status = slot_status(found[1] if found else None, period, now)
        due.append(DueChecklist(template, template.tier, period, status, found[0] if found else None))
    return due


def inspections_visible_to(person: Person) -> QuerySet[Inspection]:
    return scope_to(person, Inspection.objects.all())


def access_inspection(person: Person, inspection_id, *, write: bool = False) -> Inspection:
    """A record the person may read, or 404 (also another tenant's); with `write`, 403 for a regulator."""
    inspection = get_visible(person, Inspection.objects.all(), inspection_id)
    if write:
        write_required(person, inspection.enterprise_id)
    return inspection


def access_photo(person: Person, photo_id) -> Photo:
    """A photo is readable by its uploader and by whoever may read a record that cites it, else 404.
    Nobody changes a stored photo, so there is no `write`."""
    cited = scope_to(person, Inspection.objects.all()).filter(results__photos=OuterRef("pk"))
    return get_or_404(Photo.objects.filter(Q(uploaded_by=person) | Q(Exists(cited))), photo_id)


@dataclass(frozen=True)
class ArchiveBreak:
    """The first record at which an enterprise's hash chain does not hold."""

    enterprise_id: int
    sequence: int
    inspection_id: int | None
    reason: str


def archive_first_break(*, enterprise_id: int, batch_size: int = 500) -> ArchiveBreak | None:
    """Recompute the enterprise's chain from the stored rows; None when every link holds."""
    expected_sequence, prev_hash, tallies = 1, "", {}
    records = (
        Inspection.objects.filter(enterprise_id=enterprise_id).order_by("sequence").prefetch_related("results__photos")
    )
    for inspection in records.iterator(chunk_size=batch_size):
        where = dict(enterprise_id=enterprise_id, sequence=inspection.sequence, inspection_id=inspection.id)
        if inspection.sequence != expected_sequence:
            return ArchiveBreak(enterprise_id, expected_sequence, None, f"record #{expected_sequence} is missing")
        if inspection.prev_hash != prev_hash:
            return ArchiveBreak(**where, reason="prev_hash does not match the hash of the record before it")
        results = list(inspection.results.all())
        photo_hashes = {id(r): [p.sha256 for p in r.photos.all()] for r in results}
        if archive_hash(prev_hash, inspection_record(inspection, results, photo_hashes)) != inspection.hash:
            return ArchiveBreak(**where, reason="content does not match its hash (the record was altered)")
        if inspection.flagged != bool(inspection.flags):  # derived, not hashed: the day log and statistics read it
            return ArchiveBreak(**where, reason="flagged does not match the record's flags")
        expected_sequence, prev_hash = expected_sequence + 1, inspection.hash
        tally_inspection(tallies, inspection)
    head = ArchiveHead.objects.filter(pk=enterprise_id).first()
    if head and (head.last_sequence != expected_sequence - 1 or head.last_hash != prev_hash):
        return ArchiveBreak(
            enterprise_id, expected_sequence, None, "the chain ends before the last record it has seen (rows deleted)"
        )
    if (head.slot_tallies if head else {}) != tallies:
        return ArchiveBreak(
            enterprise_id, expected_sequence, None, "the checks and records counted for the statistics do not match"
        )
    return None
