"""The day log a safety officer signs (日管控台账): every check expected in a period containing the day
with its status, the records received that day, their failed items and the hazards opened that day."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from checklists.expected import expected_slots, timezone_in_force
from checklists.flags import labelled
from checklists.models import FlagReview, HazardGrade, Inspection, InspectionResult, Outcome
from checklists.periods import Period, local_day_period, period_of
from checklists.slots import SlotStatus
from hazards.models import Hazard
from orgs.models import Enterprise
from reports.models import DailyReview
from reports.selectors.checks import CheckCounts, counted_records, slot_of


def iso_utc(instant: datetime | None) -> str | None:
    return instant.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z") if instant else None


def enterprise_day(enterprise: Enterprise, day: date) -> Period:
    """The local day, in the time zone the enterprise had then (orgs.EnterpriseTimezoneChange)."""
    return local_day_period(day, timezone_in_force(enterprise, datetime(day.year, day.month, day.day, tzinfo=UTC)))


def day_log(*, enterprise: Enterprise, day: date, now: datetime | None = None) -> dict:
    """What happened on one local day of the enterprise. The flagged records of the day that no manager
    has looked at yet (needs_look, 待核查) come with the records. Six queries whatever the number of
    posts. `enterprise.industry` should be loaded."""
    now = now or timezone.now()
    the_day = enterprise_day(enterprise, day)
    tz = the_day.start.tzinfo
    slots = expected_slots(
        enterprise, window=the_day, periods_for=lambda kind: [period_of(kind, the_day.start, tz)], now=now
    )
    recorded = counted_records(enterprise, slots)

    checks = []
    counts = CheckCounts()
    for slot in slots:
        status, record = slot_of(slot, recorded, now)
        counts.count(status, record)
        checks.append(
            {
                "post": slot.post,
                "post_name": slot.post_name,
                "template": slot.template,
                "template_name": slot.template_name,
                "tier": slot.tier,
                "period": slot.period.key,
                "status": status,
                "inspection": record.id if record else None,
                "off_site": bool(record) and not record.on_site,
                "failed": record.failed if record else 0,
            }
        )

    window = Q(received_at__gte=the_day.start, received_at__lt=the_day.end)
    # Flagged records without a manager's look (待核查) ride on the records' query.
    reviewed = Exists(FlagReview.objects.filter(inspection=OuterRef("pk")))
    day_records = list(
        Inspection.objects.filter(window, enterprise=enterprise)
        .select_related("post", "template", "submitted_by")
        .annotate(reviewed=reviewed)
        .order_by("received_at", "id")
    )
    needs_look = [
        {
            "inspection": inspection.id,
            "post_name": inspection.post.name,
            "template_name": inspection.template.name,
            "submitted_by": str(inspection.submitted_by),
            "received_at": iso_utc(inspection.received_at),
            "on_site": inspection.on_site,
            "flags": labelled(inspection.flags),
        }
        for inspection in day_records
        if inspection.flagged and not inspection.reviewed
    ]
    records = [_record_row(inspection) for inspection in day_records]
    failed_items = [
        {
            "inspection": row["inspection_id"],
            "post_name": row["inspection__post__name"],
            "item_label": row["item_label"],
            "value": row["value"],
            "note": row["note"],
            "hazard": row["hazard__id"],
        }
        for row in InspectionResult.objects.filter(
            outcome=Outcome.FAILED,
            inspection__enterprise=enterprise,
            inspection__received_at__gte=the_day.start,
            inspection__received_at__lt=the_day.end,
        )
        .order_by("inspection__received_at", "id")
        .values("inspection_id", "inspection__post__name", "item_label", "value", "note", "hazard__id")
    ]
    hazards = [
        {
            "id": row["id"],
            "grade": row["grade"],
            "description": row["description"],
            "source": row["source"],
            "status": row["status"],
            "post_name": row["post__name"],
            "found_at": iso_utc(row["found_at"]),
        }
        for row in Hazard.objects.filter(enterprise=enterprise, found_at__gte=the_day.start, found_at__lt=the_day.end)
        .order_by("found_at", "id")
        .values("id", "grade", "description", "source", "status", "post__name", "found_at")
    ]
    return {
        "enterprise": enterprise.id,
        "enterprise_name": enterprise.name,
        "date": day.isoformat(),
        "computed_at": iso_utc(now),
        "counts": {
            "checks": counts.expected,
            "done": counts.done,
            "late": counts.late,
            "missed": counts.missed,
            "due": counts.open,
            "off_site": counts.off_site,
            "records": len(records),
            "flagged": sum(r["flagged"] for r in records),
            "needs_look": len(needs_look),
            "failed_items": len(failed_items),
            "hazards_opened": len(hazards),
            "major_hazards_opened": sum(h["grade"] == HazardGrade.MAJOR for h in hazards),
        },
        "checks": checks,
        "records": records,
        "needs_look": needs_look,
        "failed_items": failed_items,
        "hazards": hazards,
    }


def _record_row(inspection: Inspection) -> dict:
    return {
        "id": inspection.id,
        "post": inspection.post_id,
        "post_name": inspection.post.name,
        "template_name": inspection.template.name,
        "tier": inspection.tier,
        "period": inspection.period,
        "received_at": iso_utc(inspection.received_at),
        "submitted_by": str(inspection.submitted_by),
        "late": inspection.late,
        "on_site": inspection.on_site,
        "ok": inspection.ok_count,
        "failed": inspection.failed_count,
        "na": inspection.na_count,
        "flagged": inspection.flagged,
    }


def day_log_answer(*, enterprise: Enterprise, day: date) -> dict:
    """The frozen log of a signed day with its signature, or the live log of an unsigned one. A signed
    day also lists the records of its checks made after the signature (`late_records`: each a 补录, as
    the figures count it), which the frozen log could not know."""
    review = daily_reviews_queryset().filter(enterprise=enterprise, date=day).first()
    if review:
        after = (
            Inspection.objects.filter(enterprise=enterprise, period=day.isoformat(), received_at__gte=review.signed_at)
            .select_related("post", "template", "submitted_by")
            .order_by("received_at", "id")
        )
        late_records = [{**_record_row(inspection), "status": SlotStatus.LATE} for inspection in after]
        return {**review.log, "late_records": late_records, "review": review}
    return {**day_log(enterprise=enterprise, day=day), "late_records": [], "review": None}


def daily_reviews_queryset() -> QuerySet[DailyReview]:
    return DailyReview.objects.select_related("enterprise", "signed_by")
