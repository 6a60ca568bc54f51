"""Reads of the reports app, by topic:

- access: who may read the reports (access_report_enterprise, access_report, reports_readable);
- day_log: the day log a safety officer signs;
- period_figures: the figures of a week or a month (weekly report, monthly dispatch);
- stats: the regulator statistics;
- checks, hazards, rates: the pieces of every figure, defined once (README, Figures);
- snapshots: the stored reviews, reports and dispatches.

Expected checks come from checklists.expected, a slot's status from checklists.slots, the drill
obligation, card coverage and awareness from cards.selectors, the campaign targets from reports.targets.
"""

from reports.selectors.access import (
    REPORT_READER_ROLES,
    access_report,
    access_report_enterprise,
    report_reader_required,
    reports_readable,
)
from reports.selectors.day_log import day_log, day_log_answer, enterprise_day
from reports.selectors.period_figures import period_figures
from reports.selectors.snapshots import daily_reviews_queryset, dispatches_queryset, weekly_reports_queryset
from reports.selectors.stats import TIERS, GroupBy, Stats, StatsFigures, StatsRow, TierFigures, stats_for

__all__ = [
    "REPORT_READER_ROLES",
    "TIERS",
    "GroupBy",
    "Stats",
    "StatsFigures",
    "StatsRow",
    "TierFigures",
    "access_report",
    "access_report_enterprise",
    "daily_reviews_queryset",
    "day_log",
    "day_log_answer",
    "dispatches_queryset",
    "enterprise_day",
    "period_figures",
    "report_reader_required",
    "reports_readable",
    "stats_for",
    "weekly_reports_queryset",
]
