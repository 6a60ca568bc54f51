"""The one filter for ids in query strings.

django-filter's NumberFilter parses a Decimal: `?enterprise=1e24` reached the database as an
integer too large for it (a 500 on SQLite), and `?enterprise=1.5` silently meant 1. Ids are
integers within the database's range; anything else is a 400 naming the parameter.
"""

import django_filters
from django import forms

BIGINT_MAX = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -BIGINT_MAX)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    field_class = IdField
