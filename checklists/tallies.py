"""Slot tallies: each enterprise's checks done per month and tier, and its records per month, kept on
its archive head.

A check is done once per slot (post, template, period), counted on the slot's first record
(`Inspection.first_of_slot`), late (补录) when that record is, and only when the slot was expected
(`Inspection.in_plan`, checklists.expected). Every record (a slot's first, a second copy, a
correction) is counted too: received, on site (`Inspection.on_site`: it cites a scan of the same
person at the post shortly before) and flagged (`Inspection.flagged`), for the statistics' on-site and
flagged rates (issue 12). `inspection_submit` adds each record to `ArchiveHead.slot_tallies`
(`tally_inspection`) under the archive lock, in the UPDATE that advances the chain, so the regulator
statistics read one row per enterprise instead of counting a month of records (issue 4: a district is
300,000 records a month). `verify_archive` recounts them from the records; records never change once
stored (a manager's look at a flag is a FlagReview beside the record), so the counts never go stale.

Shape: {"2024-07": {"daily": [done, late], "weekly": [done, late], ..., "records": [received, on_site,
flagged]}, ...}. A record counts in the month its period begins in: a week in the month of its Monday,
a quarter in its first month (the rule of the monthly dispatch), so a late record (补录) of 31 July sent
on 1 August counts in July, with its check.
"""

from collections import defaultdict

from django.db.models import Count, Q

from checklists.periods import month_of_period

RECORDS = "records"  # the month's key of the record counts, beside the tiers' keys


def tally_add(tallies: dict, *, tier: str, period: str, done: int = 1, late: int = 0) -> None:
    """Count `done` first records (`late` of them late) of `tier` in `period` into `tallies`."""
    counts = tallies.setdefault(month_of_period(period), {}).setdefault(tier, [0, 0])
    counts[0] += done
    counts[1] += late


def tally_records(tallies: dict, *, period: str, received: int = 1, on_site: int = 0, flagged: int = 0) -> None:
    """Count `received` records of `period` (`on_site` of them on site, `flagged` flagged) into `tallies`."""
    counts = tallies.setdefault(month_of_period(period), {}).setdefault(RECORDS, [0, 0, 0])
    counts[0] += received
    counts[1] += on_site
    counts[2] += flagged


def tally_inspection(tallies: dict, inspection) -> None:
    """What one stored record adds to its enterprise's tallies: itself, and the check done when it is
    its slot's first record. No query (inspection_submit calls it under the archive lock)."""
    if inspection.first_of_slot and inspection.in_plan:
        tally_add(tallies, tier=inspection.tier, period=inspection.period, late=inspection.late)
    tally_records(tallies, period=inspection.period, on_site=int(inspection.on_site), flagged=int(inspection.flagged))


def month_tallies(tallies: dict, month: str) -> tuple[dict[str, tuple[int, int]], tuple[int, int, int]]:
    """The month's ({tier: (done, late)}, (received, on_site, flagged)) from an enterprise's tallies."""
    month_counts = tallies.get(month, {})
    checks = {tier: (counts[0], counts[1]) for tier, counts in month_counts.items() if tier != RECORDS}
    received, on_site, flagged = month_counts.get(RECORDS, (0, 0, 0))
    return checks, (received, on_site, flagged)


def _counted(inspections) -> Q:
    """The records that count a check: slots' first records, when expected (migrations before the
    history pass a model without `in_plan`: every slot was expected then)."""
    names = {f.name for f in inspections.model._meta.get_fields()}
    return Q(first_of_slot=True, in_plan=True) if "in_plan" in names else Q(first_of_slot=True)


def count_slot_tallies(inspections, *, records: bool = True) -> dict[int, dict]:
    """{enterprise_id: tallies} recounted from an Inspection queryset (one grouped query). Takes the
    queryset so that migrations can pass their historical model's; `records=False` counts the checks
    only (migration 0005, whose model has no `flagged` yet)."""
    if not records:
        rows = (
            inspections.filter(_counted(inspections))
            .values_list("enterprise_id", "tier", "period")
            .annotate(done=Count("id"), late=Count("id", filter=Q(late=True)))
            .order_by()
        )
        tallies: dict[int, dict] = defaultdict(dict)
        for enterprise_id, tier, period, done, late in rows:
            tally_add(tallies[enterprise_id], tier=tier, period=period, done=done, late=late)
        return tallies
    first = _counted(inspections)
    rows = (
        inspections.values_list("enterprise_id", "tier", "period")
        .annotate(
            done=Count("id", filter=first),
            late=Count("id", filter=first & Q(late=True)),
            received=Count("id"),
            on_site=Count("id", filter=Q(on_site=True)),
            flagged=Count("id", filter=Q(flagged=True)),
        )
        .order_by()
    )
    tallies = defaultdict(dict)
    for enterprise_id, tier, period, done, late, received, on_site, flagged in rows:
        if done:  # a slot with records has its first one; as tally_inspection counts it
            tally_add(tallies[enterprise_id], tier=tier, period=period, done=done, late=late)
        tally_records(tallies[enterprise_id], period=period, received=received, on_site=on_site, flagged=flagged)
    return tallies


def rebuild_slot_tallies(inspection_model, head_model, *, records: bool = True) -> int:
    """Recount every enterprise's tallies from its records and store them on its head (created when
    missing). For the migrations that introduced them (0005 checks, 0009 records) and for bulk loads
    (bench/rollup.py), which write records without inspection_submit. Returns the number of heads
    written."""
    tallies = count_slot_tallies(inspection_model.objects.all(), records=records)
    heads = list(head_model.objects.all())
    missing = set(tallies) - {head.pk for head in heads}
    heads += head_model.objects.bulk_create([head_model(pk=enterprise_id) for enterprise_id in missing])
    for head in heads:
        head.slot_tallies = tallies.get(head.pk, {})
    head_model.objects.bulk_update(heads, ["slot_tallies"], batch_size=500)
    return len(heads)
