"""Reads for the pages. They reuse the selectors and filters of the apps below, so a page shows exactly
what the API would answer the same person."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from hazards.filters import HazardFilter
from hazards.selectors import hazards_visible_to
from orgs.models import Enterprise, Person
from orgs.selectors import visible_enterprises

BOARD_PAGE_SIZE = 50


@dataclass(frozen=True)
class HazardBoard:
    filters: HazardFilter  # bound to the query string; invalid values are ignored and shown as errors
    page: Page
    enterprises: QuerySet[Enterprise]
    overdue_count: int


def hazard_board(*, person: Person, params, page_number=1) -> HazardBoard:
    """The register as the API lists it (overdue first, then major, then the nearest deadline),
    narrowed by the same filters as GET /api/v1/hazards/. A bounded number of queries per page."""
    filters = HazardFilter(params, queryset=hazards_visible_to(person))
    queryset = filters.qs
    page = Paginator(queryset, BOARD_PAGE_SIZE).get_page(page_number)
    return HazardBoard(
        filters=filters,
        page=page,
        enterprises=visible_enterprises(person).order_by("name"),
        overdue_count=queryset.filter(overdue=True).count(),
    )
