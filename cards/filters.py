"""Filters on ids, never on model choices: a choice filter would answer 400 for a post that does not
exist and an empty list for another tenant's, telling the two apart."""

import django_filters

from cards.models import Card
from core.filters import IdFilter


class CardFilter(django_filters.FilterSet):
    post = IdFilter(field_name="post_id", help_text="The card of this post.")
    enterprise = IdFilter(field_name="enterprise_id", help_text="Cards of this enterprise.")

    class Meta:
        model = Card
        fields = ["post", "enterprise"]
