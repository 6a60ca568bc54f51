"""Reads for the pages. They reuse the selectors and filters of the apps below, so a page shows exactly
what the API would answer the same person."""

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.models import FlagReview
from core.errors import Forbidden
from hazards.filters import HazardFilter
from hazards.selectors import hazards_visible_to
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, Person
from orgs.selectors import (
    enterprises_readable_by,
    regulated_enterprises,
    role_in,
    roles_of,
)
from reports import selectors as report_selectors
from reports.filters import MonthlyDispatchFilter
from reports.models import MonthlyDispatch
from reports.selectors import REPORT_READER_ROLES, GroupBy, Stats
from reports.services import DAILY_SIGN_ROLES

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
        enterprises=enterprises_readable_by(person).order_by("name"),
        overdue_count=queryset.filter(overdue=True).count(),
    )


# ---------------------------------------------------------------------------------------------
# Supervisor pages on the reports app: the same selectors as /api/v1/reviews/daily/log/,
# /api/v1/dispatches/ and /api/v1/stats/, so a page shows what the API answers the same person.

DISPATCH_PAGE_SIZE = 24  # two years of one enterprise
# Longer lists (a city regulator's enterprises) would pass the page weight as a <select>: they choose
# from the region view's links instead.
CHOOSER_MAX = 100


@dataclass(frozen=True)
class Nav:
    """Which supervisor pages the person's roles open (links only: each page checks again)."""

    manager: bool  # a safety officer or above somewhere: day logs, dispatches
    regulator: bool  # has a regulator scope: reads day logs and dispatches in it, the region view
    signs_days: bool


def nav_for(person: Person) -> Nav:
    roles = set(roles_of(person).values())
    regulator = person.is_superuser or regulated_enterprises(person) is not None
    return Nav(
        manager=bool(roles & REPORT_READER_ROLES) or person.is_superuser,
        regulator=regulator,
        signs_days=bool(roles & DAILY_SIGN_ROLES),
    )


def report_enterprises(person: Person) -> QuerySet[Enterprise]:
    """The enterprises whose day logs and dispatches the person reads (reports_readable on Enterprise)."""
    return enterprises_readable_by(person, roles=REPORT_READER_ROLES).order_by("name")


@dataclass(frozen=True)
class DailyPage:
    enterprises: list[Enterprise]  # the chooser; empty beyond CHOOSER_MAX
    enterprise: Enterprise
    day: date
    log: dict  # reports.selectors.day_log_answer: frozen with its review once signed
    can_sign: bool
    can_review: bool = False  # marks flagged records as looked at (safety managers of the enterprise)
    # Records of a frozen log's 待核查 list that a manager has looked at since it was signed.
    looked_at: frozenset = frozenset()


def default_day(enterprise: Enterprise) -> date:
    """Yesterday in the enterprise's time zone: the last day that can be signed."""
    return timezone.now().astimezone(ZoneInfo(enterprise.timezone)).date() - timedelta(days=1)


def daily_page(*, person: Person, enterprise_id=None, day: date | None = None) -> DailyPage:
    """The day log of one enterprise (the first the person reads unless one is chosen): 404 for another
    tenant's, 403 for a worker's, as GET /api/v1/reviews/daily/log/."""
    enterprises = list(report_enterprises(person))
    if enterprise_id in (None, ""):
        if not enterprises:
            raise Forbidden(_("您的角色无权查看检查台账。"))
        enterprise_id = enterprises[0].id
    enterprise = report_selectors.report_enterprise_get_for(person, enterprise_id)
    day = day or default_day(enterprise)
    log = report_selectors.day_log_answer(enterprise=enterprise, day=day)
    role = role_in(person, enterprise.id)
    can_sign = person.is_superuser or role in DAILY_SIGN_ROLES
    can_review = person.is_superuser or role in SAFETY_MANAGER_ROLES
    looked_at = frozenset()
    listed = [entry["inspection"] for entry in log.get("needs_look", [])]
    if log["review"] and listed:  # a live log lists only records without a look; a frozen one as they were
        looked_at = frozenset(
            FlagReview.objects.filter(inspection__in=listed, inspection__enterprise=enterprise).values_list(
                "inspection_id", flat=True
            )
        )
    chooser = enterprises if len(enterprises) <= CHOOSER_MAX else []
    return DailyPage(chooser, enterprise, day, log, can_sign, can_review, looked_at)


def dispatch_page(*, person: Person, params, page_number=1) -> tuple[MonthlyDispatchFilter, Page]:
    """Dispatches the person reads, newest month first, as GET /api/v1/dispatches/ lists them."""
    queryset = report_selectors.reports_readable(person, report_selectors.dispatches_queryset())
    filters = MonthlyDispatchFilter(params, queryset=queryset.order_by("-period_start", "enterprise__name"))
    return filters, Paginator(filters.qs, DISPATCH_PAGE_SIZE).get_page(page_number)


def dispatch_get(*, person: Person, pk) -> MonthlyDispatch:
    return report_selectors.report_get_for(person, report_selectors.dispatches_queryset(), pk)


@dataclass(frozen=True)
class RegionPage:
    by_region: Stats
    by_enterprise: Stats
    parent_id: int | None  # the region above, for the way back up


def region_page(*, person: Person, month: str | None, region: int | None) -> RegionPage:
    """The month's campaign figures grouped by the regions right below `region`, and per enterprise:
    stats_for twice, a constant number of queries whatever the number of enterprises."""
    by_region = report_selectors.stats_for(person, month=month, region=region, group_by=GroupBy.REGION)
    by_enterprise = report_selectors.stats_for(person, month=month, region=region, group_by=GroupBy.ENTERPRISE)
    return RegionPage(by_region, by_enterprise, by_region.region.parent_id if by_region.region else None)
