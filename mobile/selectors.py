"""Reads for the pages. They reuse the selectors and filters of the apps below, so a page shows exactly
what the API would answer the same person."""

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cards.models import CardAcknowledgement, CardVersion
from checklists.models import FlagReview, Photo
from checklists.periods import WEEKLY, local_day_period, period_of
from core.errors import Forbidden
from hazards.filters import HazardFilter
from hazards.models import Hazard, HazardAction, HazardStatus, JudgmentClause
from hazards.selectors import access_hazard, hazards_visible_to, judgment_clauses_offered
from hazards.services import ACCEPTING_ROLES, ASSIGNING_ROLES, local_day
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, Person, Post, PostQrToken, Role
from orgs.selectors import (
    enterprises_readable_by,
    get_visible,
    is_regulator,
    role_in,
    roles_of,
)
from qr.services import qr_tokens_active
from reports import selectors as report_selectors
from reports.filters import MonthlyDispatchFilter
from reports.models import MonthlyDispatch, WeeklyReport
from reports.selectors import REPORT_READER_ROLES, GroupBy, Stats
from reports.services import DAILY_SIGN_ROLES, WEEKLY_SIGN_ROLES

BOARD_PAGE_SIZE = 50


@dataclass(frozen=True)
class HazardBoard:
    filters: HazardFilter  # bound to the query string; invalid values are ignored and shown as errors
    page: Page
    enterprises: QuerySet[Enterprise]
    overdue_count: int
    to_rectify: list[Hazard]  # the person's own rectification tasks, shown above the register


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
        to_rectify=list(hazards_to_rectify(person)[:BOARD_PAGE_SIZE]),
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
    regulator = person.is_superuser or is_regulator(person)
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
    ended: bool = True  # the day is over in the enterprise's time zone: it may be signed


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
    enterprise = report_selectors.access_report_enterprise(person, enterprise_id)
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
    ended = timezone.now() >= local_day_period(day, enterprise.timezone).end
    return DailyPage(chooser, enterprise, day, log, can_sign, can_review, looked_at, ended)


def dispatch_page(*, person: Person, params, page_number=1) -> tuple[MonthlyDispatchFilter, Page]:
    """Dispatches the person reads, newest month first, as GET /api/v1/dispatches/ lists them."""
    queryset = report_selectors.reports_readable(person, report_selectors.dispatches_queryset())
    filters = MonthlyDispatchFilter(params, queryset=queryset.order_by("-period_start", "enterprise__name"))
    return filters, Paginator(filters.qs, DISPATCH_PAGE_SIZE).get_page(page_number)


def dispatch_get(*, person: Person, pk) -> MonthlyDispatch:
    return report_selectors.access_report(person, report_selectors.dispatches_queryset(), pk)


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


# ---------------------------------------------------------------------------------------------
# Hazard work (issue 14): the page of one hazard with the moves the person may make. The moves offered
# follow the roles of hazards.services; the services decide again when a form is sent.


@dataclass(frozen=True)
class HazardMoves:
    assign: bool  # name who rectifies and by when (safety managers, open or rectifying)
    submit: bool  # the responsible person sends the rectification with a photo
    judge: bool  # accept (销号) or send back: a safety officer or above who did not rectify it
    classify: bool = False  # the grade and the clause (判定依据): safety managers, until it is closed


@dataclass(frozen=True)
class HazardPage:
    hazard: Hazard
    moves: HazardMoves
    members: list[Person]  # the picker of the assignment: the enterprise's people
    before: list[Photo]  # taken when it was found
    after: list[Photo]  # of the last rectification sent
    clauses: list[JudgmentClause] = ()  # offered to the enterprise on the day found (the classify form)


def hazard_page(*, person: Person, pk) -> HazardPage:
    """One hazard as GET /api/v1/hazards/{id}/ shows it (404 for another tenant's), with its moves."""
    hazard = access_hazard(person, pk)
    role = None if person.is_superuser else role_in(person, hazard.enterprise_id)
    may = lambda roles: person.is_superuser or role in roles  # noqa: E731
    events = list(hazard.events.all())
    submits = [e for e in events if e.action == HazardAction.SUBMIT]
    rectified = any(e.actor_id == person.id for e in submits) or hazard.responsible_id == person.id
    moves = HazardMoves(
        assign=may(ASSIGNING_ROLES) and hazard.status in (HazardStatus.OPEN, HazardStatus.RECTIFYING),
        submit=hazard.responsible_id == person.id and hazard.status == HazardStatus.RECTIFYING,
        judge=may(ACCEPTING_ROLES) and hazard.status == HazardStatus.PENDING_ACCEPTANCE and not rectified,
        classify=may(SAFETY_MANAGER_ROLES) and hazard.status != HazardStatus.CLOSED,
    )
    clauses = []
    if moves.classify:
        found_on = local_day(hazard.enterprise, hazard.found_at)
        clauses = judgment_clauses_offered(person, enterprise_id=hazard.enterprise_id, on=found_on)
    members = []
    if moves.assign:
        members = list(
            Person.objects.filter(memberships__enterprise_id=hazard.enterprise_id).order_by("name", "username")
        )
    after = list(submits[-1].photos.all()) if submits else []
    return HazardPage(hazard, moves, members, list(hazard.photos.all()), after, clauses)


def hazards_to_rectify(person: Person) -> QuerySet[Hazard]:
    """The hazards the person must rectify now, the nearest deadline first (the worker's list)."""
    return (
        hazards_visible_to(person)
        .filter(responsible=person, status=HazardStatus.RECTIFYING)
        .order_by(F("deadline").asc(nulls_last=True), "id")
    )


# ---------------------------------------------------------------------------------------------
# Weekly reports and dispatches written from the pages: who may generate them, for which periods.

ENDED_WEEKS_OFFERED = 8
ENDED_MONTHS_OFFERED = 6


def enterprises_where(person: Person, roles) -> list[Enterprise]:
    """The enterprises in which the person holds one of `roles` (every one for a superuser)."""
    return list(enterprises_readable_by(person, roles=roles, regulator=False).order_by("name"))


def ended_periods(kind: str, enterprise: Enterprise, count: int) -> list[str]:
    """The keys of the last `count` ended weeks or months in the enterprise's time zone, newest first."""
    period = period_of(kind, timezone.now(), enterprise.timezone).previous()
    keys = []
    for _i in range(count):
        keys.append(period.key)
        period = period.previous()
    return keys


@dataclass(frozen=True)
class Generator:
    """The form that generates a report of an ended period: per enterprise, the periods offered."""

    choices: list[tuple[Enterprise, list[str]]]


def report_generator(person: Person, *, kind: str, roles) -> Generator:
    count = ENDED_WEEKS_OFFERED if kind == WEEKLY else ENDED_MONTHS_OFFERED
    return Generator([(e, ended_periods(kind, e, count)) for e in enterprises_where(person, roles)[:CHOOSER_MAX]])


def weekly_list_page(*, person: Person, params, page_number=1) -> Page:
    """Weekly reports the person reads, newest week first, as GET /api/v1/reports/weekly/ lists them."""
    queryset = report_selectors.reports_readable(person, report_selectors.weekly_reports_queryset())
    enterprise = params.get("enterprise")
    if enterprise and str(enterprise).isdigit():
        queryset = queryset.filter(enterprise_id=int(enterprise))
    return Paginator(queryset.order_by("-period_start", "enterprise__name"), DISPATCH_PAGE_SIZE).get_page(page_number)


def weekly_get(*, person: Person, pk) -> WeeklyReport:
    return report_selectors.access_report(person, report_selectors.weekly_reports_queryset(), pk)


def report_members(enterprise_id: int) -> list[Person]:
    """The owner picker of next month's key work: the enterprise's people."""
    return list(Person.objects.filter(memberships__enterprise_id=enterprise_id).order_by("name", "username"))


# ---------------------------------------------------------------------------------------------
# The way in (/): where each person's work is.


@dataclass(frozen=True)
class HeldPost:
    post: Post
    token: str | None  # the active QR token: the phone page's address /s/<token>


@dataclass(frozen=True)
class Managed:
    enterprise: Enterprise
    today: date  # in the enterprise's time zone: today's log, still being filled
    principal: bool  # writes and signs the dispatches


@dataclass(frozen=True)
class Home:
    posts: list[HeldPost]  # posts the person holds (a worker's daily checks)
    to_rectify: list[Hazard]
    managed: list[Managed]  # safety manager of: day logs, hazards, posts, weekly reports
    signs_weekly: bool
    regulator: bool


def home_for(person: Person) -> Home:
    held = list(person.posts_held.select_related("enterprise").order_by("enterprise__name", "name"))
    tokens = dict(PostQrToken.objects.filter(post__in=held, revoked_at__isnull=True).values_list("post_id", "token"))
    roles = roles_of(person)
    return Home(
        posts=[HeldPost(p, tokens.get(p.id)) for p in held],
        to_rectify=list(hazards_to_rectify(person)[:BOARD_PAGE_SIZE]),
        managed=[
            Managed(e, default_day(e) + timedelta(days=1), person.is_superuser or roles.get(e.id) == Role.PRINCIPAL)
            for e in enterprises_where(person, SAFETY_MANAGER_ROLES)
        ],
        signs_weekly=person.is_superuser or bool(set(roles.values()) & WEEKLY_SIGN_ROLES),
        regulator=is_regulator(person),
    )


# ---------------------------------------------------------------------------------------------
# A safety manager's list of the enterprise's posts: the QR link and the card of each.


@dataclass(frozen=True)
class PostRow:
    post: Post
    token: str | None
    version: CardVersion | None  # the current published version
    draft_changed: bool  # the card was edited after its last publication
    holders: list[Person]
    acknowledged: int  # holders who acknowledged the current version


@dataclass(frozen=True)
class PostsPage:
    enterprises: list[Enterprise]
    enterprise: Enterprise
    rows: list[PostRow]


def posts_page(*, person: Person, enterprise_id=None) -> PostsPage:
    """The posts of one enterprise the person manages (403 for a worker, 404 for another tenant's), a
    constant number of queries whatever the number of posts."""
    enterprises = enterprises_where(person, SAFETY_MANAGER_ROLES)
    if enterprise_id in (None, ""):
        if not enterprises:
            raise Forbidden(_("只有安全管理人员可以查看岗位二维码清单。"))
        enterprise_id = enterprises[0].id
    enterprise = get_visible(person, Enterprise.objects.all(), enterprise_id, via="")
    if not person.is_superuser and role_in(person, enterprise.id) not in SAFETY_MANAGER_ROLES:
        raise Forbidden(_("只有安全管理人员可以查看岗位二维码清单。"))
    posts = list(
        Post.objects.filter(enterprise=enterprise)
        .select_related("department", "card")
        .prefetch_related("holders")
        .order_by("department__name", "name")
    )
    tokens = qr_tokens_active(enterprise=enterprise)
    latest = {}
    versions = CardVersion.objects.filter(card__enterprise=enterprise).only("card_id", "version", "published_at")
    for version in versions.order_by("card_id", "version"):
        latest[version.card_id] = version  # the highest version wins
    acknowledged = set(
        CardAcknowledgement.objects.filter(version__in=list(latest.values())).values_list("version_id", "person_id")
    )
    rows = []
    for post in posts:
        card = getattr(post, "card", None)
        version = latest.get(card.id) if card else None
        holders = list(post.holders.all())
        rows.append(
            PostRow(
                post=post,
                token=tokens.get(post.id),
                version=version,
                draft_changed=bool(card and version and card.updated_at > version.published_at),
                holders=holders,
                acknowledged=sum((version.id, h.id) in acknowledged for h in holders) if version else 0,
            )
        )
    return PostsPage(enterprises, enterprise, rows)
