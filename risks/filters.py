"""Filters on ids, never on model choices (see cards.filters)."""

import django_filters

from core.filters import IdFilter
from risks.models import Control, RiskPoint


class RiskPointFilter(django_filters.FilterSet):
    enterprise = IdFilter(field_name="enterprise_id", help_text="Risk points of this enterprise.")
    post = IdFilter(field_name="posts", help_text="Risk points this post is exposed to.")
    level = django_filters.CharFilter(field_name="level", help_text="red/orange/yellow/blue")

    class Meta:
        model = RiskPoint
        fields = ["enterprise", "post", "level"]


class ControlFilter(django_filters.FilterSet):
    enterprise = IdFilter(field_name="enterprise_id")
    risk_point = IdFilter(field_name="source__risk_point_id")
    owner_post = IdFilter(field_name="owner_post_id")
    checked = django_filters.BooleanFilter(help_text="false: controls no active checklist item verifies")

    class Meta:
        model = Control
        fields = ["enterprise", "risk_point", "owner_post", "checked"]
