"""Slot tallies: each enterprise's checks done per month and tier, kept on its archive head.

A check is done once per slot (post, template, period), counted on the slot's first record
(`Inspection.first_of_slot`), late when that record is. `inspection_submit` adds each first record
to `ArchiveHead.slot_tallies` under the archive lock, in the UPDATE that advances the chain, so the
regulator statistics read one row per enterprise instead of counting a month of records (issue 4:
a district is 300,000 records a month). `verify_archive` recounts them from the records.

Shape: {"2024-07": {"daily": [done, late], "weekly": [done, late], ...}, ...}. A record counts in
the month its period begins in: a week in the month of its Monday, a quarter in its first month
(the rule of the monthly dispatch).
"""

from collections import defaultdict
from datetime import date

from django.db.models import Count, Q


def month_of_period(key: str) -> str:
    """The month (YYYY-MM) a period key counts in: 2024-07-03 and 2024-07 in 2024-07, 2024-W27 (Monday
    1 July) in 2024-07, 2024-Q3 in 2024-07."""
    if "-W" in key:
        year, week = key.split("-W")
        return date.fromisocalendar(int(year), int(week), 1).strftime("%Y-%m")
    if "-Q" in key:
        year, quarter = key.split("-Q")
        return f"{year}-{3 * int(quarter) - 2:02d}"
    return key[:7]


def tally_add(tallies: dict, *, tier: str, period: str, done: int = 1, late: int = 0) -> None:
    """Count `done` first records (`late` of them late) of `tier` in `period` into `tallies`."""
    counts = tallies.setdefault(month_of_period(period), {}).setdefault(tier, [0, 0])
    counts[0] += done
    counts[1] += late


def count_slot_tallies(inspections) -> dict[int, dict]:
    """{enterprise_id: tallies} recounted from an Inspection queryset (one grouped query). Takes the
    queryset so that migrations can pass their historical model's."""
    rows = (
        inspections.filter(first_of_slot=True)
        .values_list("enterprise_id", "tier", "period")
        .annotate(done=Count("id"), late=Count("id", filter=Q(late=True)))
        .order_by()
    )
    tallies: dict[int, dict] = defaultdict(dict)
    for enterprise_id, tier, period, done, late in rows:
        tally_add(tallies[enterprise_id], tier=tier, period=period, done=done, late=late)
    return tallies


def rebuild_slot_tallies(inspection_model, head_model) -> int:
    """Recount every enterprise's tallies from its records and store them on its head (created when
    missing). For the migration that introduced them and for bulk loads (bench/rollup.py), which
    write records without inspection_submit. Returns the number of heads written."""
    tallies = count_slot_tallies(inspection_model.objects.all())
    heads = list(head_model.objects.all())
    missing = set(tallies) - {head.pk for head in heads}
    heads += head_model.objects.bulk_create([head_model(pk=enterprise_id) for enterprise_id in missing])
    for head in heads:
        head.slot_tallies = tallies.get(head.pk, {})
    head_model.objects.bulk_update(heads, ["slot_tallies"], batch_size=500)
    return len(heads)
