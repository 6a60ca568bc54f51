"""The hazard figures of a period, defined once, as at its end (a later closing changes nothing):
found in it (by grade), closed within it, found and closed by its end (the rectification rate,
reports.selectors.rates), and the backlog open at its end: open, open major, overdue."""

from django.db.models import Count, Q

from cards.selectors import Window
from checklists.models import HazardGrade


def hazard_aggregates(window: Window) -> dict[str, Count]:
    """Count(...) expressions over hazards, for .aggregate() or a grouped .annotate()."""
    found = window(lambda start, end: Q(found_at__gte=start, found_at__lt=end))
    closed_by_end = window(lambda start, end: Q(closed_at__isnull=False, closed_at__lt=end))
    closed_within = window(lambda start, end: Q(closed_at__gte=start, closed_at__lt=end))
    open_at_end = window(lambda start, end: Q(found_at__lt=end) & (Q(closed_at__isnull=True) | Q(closed_at__gte=end)))
    past_deadline = window(lambda start, end: Q(deadline__isnull=False, deadline__lt=end))
    major = Q(grade=HazardGrade.MAJOR)
    return {
        "found": Count("id", filter=found),
        "found_major": Count("id", filter=found & major),
        "found_general": Count("id", filter=found & ~major),
        "found_closed": Count("id", filter=found & closed_by_end),
        "closed": Count("id", filter=closed_within),
        "open": Count("id", filter=open_at_end),
        "open_major": Count("id", filter=open_at_end & major),
        "overdue": Count("id", filter=open_at_end & past_deadline),
    }


HAZARD_FIGURES = ("found", "found_general", "found_major", "closed", "found_closed", "open", "open_major", "overdue")
