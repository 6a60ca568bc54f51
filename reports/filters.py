"""Filters on ids and period keys, never on model choices (see hazards.filters for why)."""

from django_filters import rest_framework as filters

from reports.models import DailyReview, MonthlyDispatch, WeeklyReport


class DailyReviewFilter(filters.FilterSet):
    enterprise = filters.NumberFilter(field_name="enterprise_id", help_text="Reviews of this enterprise.")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = DailyReview
        fields = ["enterprise", "date_from", "date_to"]


class WeeklyReportFilter(filters.FilterSet):
    enterprise = filters.NumberFilter(field_name="enterprise_id", help_text="Reports of this enterprise.")
    week = filters.CharFilter(field_name="week", help_text="ISO week, e.g. 2024-W27")

    class Meta:
        model = WeeklyReport
        fields = ["enterprise", "week"]


class MonthlyDispatchFilter(filters.FilterSet):
    enterprise = filters.NumberFilter(field_name="enterprise_id", help_text="Dispatches of this enterprise.")
    month = filters.CharFilter(field_name="month", help_text="YYYY-MM")

    class Meta:
        model = MonthlyDispatch
        fields = ["enterprise", "month"]
