"""Filters on ids, never on model choices: a choice filter would answer 400 for a post that does not
exist and an empty list for another tenant's, telling the two apart."""

import django_filters

from cards.models import Card


class CardFilter(django_filters.FilterSet):
    post = django_filters.NumberFilter(field_name="post_id", help_text="The card of this post.")
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", help_text="Cards of this enterprise.")

    class Meta:
        model = Card
        fields = ["post", "enterprise"]
