"""Filters on ids, never on model choices: a choice filter would answer 400 for an enterprise that does not
exist and an empty list for another tenant's, telling the two apart."""

from django_filters import rest_framework as filters

from checklists.models import HazardGrade
from core.filters import IdFilter
from hazards.models import Hazard, HazardSource, HazardStatus, Notification


class HazardFilter(filters.FilterSet):
    enterprise = IdFilter(field_name="enterprise_id", help_text="Hazards of this enterprise.")
    post = IdFilter(field_name="post_id", help_text="Hazards found at this post.")
    responsible = IdFilter(field_name="responsible_id", help_text="Hazards this person rectifies.")
    status = filters.ChoiceFilter(choices=HazardStatus.choices)
    grade = filters.ChoiceFilter(choices=HazardGrade.choices)
    source = filters.ChoiceFilter(choices=HazardSource.choices)
    # `overdue` is annotated by hazards.selectors.hazards_visible_to, so it filters in the database.
    overdue = filters.BooleanFilter(field_name="overdue", help_text="Not closed and past the deadline.")

    class Meta:
        model = Hazard
        fields = ["enterprise", "post", "status", "grade", "overdue", "responsible", "source"]


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", help_text="true: only unread ones.")

    class Meta:
        model = Notification
        fields = ["unread"]
