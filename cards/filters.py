"""Filters on ids, never on model choices: a choice filter would answer 400 for a post that does not
exist and an empty list for another tenant's, telling the two apart."""

import django_filters

from cards.models import Card, Drill, KnowledgeQuestion, SpotCheck
from core.filters import IdFilter


class CardFilter(django_filters.FilterSet):
    post = IdFilter(field_name="post_id", help_text="The card of this post.")
    enterprise = IdFilter(field_name="enterprise_id", help_text="Cards of this enterprise.")

    class Meta:
        model = Card
        fields = ["post", "enterprise"]


class KnowledgeQuestionFilter(django_filters.FilterSet):
    card = django_filters.NumberFilter(field_name="card_id", help_text="Questions of this card.")
    post = django_filters.NumberFilter(field_name="card__post_id", help_text="Questions of this post's card.")
    active = django_filters.BooleanFilter()

    class Meta:
        model = KnowledgeQuestion
        fields = ["card", "post", "active"]


class SpotCheckFilter(django_filters.FilterSet):
    enterprise = django_filters.NumberFilter(field_name="enterprise_id")
    person = django_filters.NumberFilter(field_name="person_id")
    finished = django_filters.BooleanFilter(
        field_name="finished_at", lookup_expr="isnull", exclude=True, help_text="true: finished ones only"
    )

    class Meta:
        model = SpotCheck
        fields = ["enterprise", "person", "finished"]


class DrillFilter(django_filters.FilterSet):
    enterprise = django_filters.NumberFilter(field_name="enterprise_id")
    post = django_filters.NumberFilter(field_name="post_id")
    done = django_filters.BooleanFilter(
        field_name="done_on", lookup_expr="isnull", exclude=True, help_text="true: done; false: planned"
    )
    # A whole year Python dates can hold: `?year=0.0` reached date() and was a 500.
    year = django_filters.NumberFilter(field_name="planned_on", lookup_expr="year", min_value=1, max_value=9999)

    class Meta:
        model = Drill
        fields = ["enterprise", "post", "done", "year"]
