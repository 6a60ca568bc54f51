"""The stored snapshots: signed day logs, weekly reports and monthly dispatches."""

from django.db.models import Prefetch, QuerySet

from reports.models import DispatchDecision, MonthlyDispatch, WeeklyReport
from reports.selectors.day_log import daily_reviews_queryset


def weekly_reports_queryset() -> QuerySet[WeeklyReport]:
    return WeeklyReport.objects.select_related(
        "enterprise", "generated_by", "director_signed_by", "principal_signed_by"
    )


def dispatches_queryset() -> QuerySet[MonthlyDispatch]:
    decisions = Prefetch("decisions", queryset=DispatchDecision.objects.select_related("owner"))
    return MonthlyDispatch.objects.select_related("enterprise", "generated_by", "principal_signed_by").prefetch_related(
        decisions
    )


__all__ = ["daily_reviews_queryset", "dispatches_queryset", "weekly_reports_queryset"]
