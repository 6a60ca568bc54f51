"""Regulator statistics (issue 4, part 3): the campaign's quantified targets per enterprise, rolled up
by region or industry. Every figure is the one definition the dispatch uses (README, Figures), computed
as a database aggregate grouped by enterprise: the number of queries does not depend on the number of
enterprises; the roll-up into groups is done in Python over one row per enterprise."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.db.models.fields.json import KeyTransform
from django.utils import timezone
from django.utils.translation import gettext as _

from cards.models import SpotCheck
from cards.selectors import DRILL_DONE, awareness_by_enterprise, card_coverage_by_enterprise, drill_figures
from checklists.expected import assignments_overlapping, in_force
from checklists.models import ArchiveHead, TemplateAssignment, Tier
from checklists.periods import (
    Period,
    month_key_parse,
    month_last_day,
    month_period,
    period_kind_for,
    periods_starting_in,
)
from checklists.tallies import month_tallies
from core.errors import ApplicationError, NotFound
from hazards.models import Hazard
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, EnterpriseTimezoneChange, Industry, Person, Post, Region
from orgs.selectors import (
    certificate_gaps_by_enterprise,
    enterprises_readable_by,
    reach_required,
    role_required,
)
from reports.selectors.checks import CheckCounts
from reports.selectors.hazards import hazard_aggregates
from reports.selectors.rates import (
    awareness_rate,
    card_coverage,
    certified_rate,
    rate,
    rectification_rate,
)
from reports.targets import targets_payload
from risks.selectors import NO_RISK_FIGURES, RiskFigures, risk_figures

STATS_DEFAULT_TZ = ZoneInfo("Asia/Shanghai")  # the month a regulator means when they give none

TIERS = [Tier.DAILY, Tier.WEEKLY, Tier.MONTHLY, Tier.QUARTERLY]


class GroupBy:
    ENTERPRISE = "enterprise"
    REGION = "region"
    INDUSTRY = "industry"
    CHOICES = (ENTERPRISE, REGION, INDUSTRY)


# A tier's checks in the statistics: the dispatch's CheckCounts, read as `due` (expected), `done`, `late`
# and `rate` (the completion rate) by the API; missed and open are not told apart from the tallies.
TierFigures = CheckCounts


SUMMED = (
    "enterprises posts posts_with_card hazards_found hazards_closed hazards_overdue major_hazards_open "
    "spot_checks questions correct_answers drills_month drills_month_late drills_year drills_up_to_date "
    "certificates_required certificates_missing records_received records_on_site records_flagged"
).split()


@dataclass
class StatsFigures:
    enterprises: int = 0
    posts: int = 0
    posts_with_card: int = 0
    checks: dict[str, CheckCounts] = field(default_factory=lambda: {tier: CheckCounts() for tier in TIERS})
    hazards_found: int = 0
    hazards_closed: int = 0
    hazards_overdue: int = 0
    major_hazards_open: int = 0
    spot_checks: int = 0
    questions: int = 0
    correct_answers: int = 0
    drills_month: int = 0
    drills_month_late: int = 0
    drills_year: int = 0
    drills_up_to_date: int = 0  # enterprises whose drill obligation (cards.selectors.drill_status) is done
    certificates_required: int = 0  # (post holder, certificate kind the post requires) pairs
    certificates_missing: int = 0  # of those, without a valid certificate at the month's end
    # Records for the month's check periods (every record: corrections and second copies too; a late
    # one in the month of its period), as stored (checklists.tallies): on site = citing a scan of the same
    # person at the post shortly before; flagged = suspicious (checklists.flags). Issue 12.
    records_received: int = 0
    records_on_site: int = 0
    records_flagged: int = 0
    risk: RiskFigures = field(default_factory=RiskFigures)  # the register (双重预防), as it is now

    def checks_total(self) -> CheckCounts:
        """The checks of every tier added up (the completion and on-time rates of all checks)."""
        total = CheckCounts()
        for figures in self.checks.values():
            total.add(figures)
        return total

    @property
    def card_coverage(self) -> float | None:
        return card_coverage(with_card=self.posts_with_card, posts=self.posts)

    @property
    def check_completion(self) -> float | None:
        return self.checks_total().completion_rate

    @property
    def check_on_time(self) -> float | None:
        return self.checks_total().on_time_rate

    @property
    def rectification_rate(self) -> float | None:
        return rectification_rate(found_closed=self.hazards_closed, found=self.hazards_found)

    @property
    def awareness_rate(self) -> float | None:
        return awareness_rate(correct=self.correct_answers, questions=self.questions)

    @property
    def certified_rate(self) -> float | None:
        """持证上岗率 (target 100%)."""
        return certified_rate(required=self.certificates_required, missing=self.certificates_missing)

    @property
    def on_site_rate(self) -> float | None:
        """现场核验率: the share of the records made on site (scanned), None without records."""
        return rate(self.records_on_site, self.records_received)

    @property
    def flagged_rate(self) -> float | None:
        """标记率: the share of the records flagged as suspicious, None without records."""
        return rate(self.records_flagged, self.records_received)

    def add(self, other: "StatsFigures") -> None:
        mine, theirs = self.__dict__, other.__dict__
        for name in SUMMED:
            mine[name] += theirs[name]
        for tier, figures in other.checks.items():
            self.checks[tier].add(figures)
        if other.risk != NO_RISK_FIGURES:
            self.risk = self.risk + other.risk


@dataclass
class StatsRow:
    """One line of the statistics: an enterprise, or a region or industry with its enterprises."""

    kind: str  # enterprise | region | industry
    id: int
    code: str  # credit code, region code, industry code
    name: str
    figures: StatsFigures
    region: str = ""  # code, enterprise rows only
    industry: str = ""
    high_risk: bool | None = None
    last_drill_on: date | None = None


@dataclass
class Stats:
    month: str
    group_by: str
    region: Region | None
    industry: Industry | None
    enterprise_id: int | None
    rows: list[StatsRow]
    total: StatsFigures

    @property
    def region_id(self) -> int | None:
        return self.region.id if self.region else None

    @property
    def industry_id(self) -> int | None:
        return self.industry.id if self.industry else None

    @property
    def targets(self) -> dict[str, float]:
        return targets_payload()


class EnterpriseRow(NamedTuple):
    id: int
    name: str
    credit_code: str
    region_id: int
    industry_id: int
    timezone: str  # the zone in force in the month (orgs.EnterpriseTimezoneChange)
    high_risk: bool


def stats_month_parse(value: str | None) -> tuple[int, int]:
    """`YYYY-MM` (checklists.periods.month_key_parse), or the current month in Beijing time when empty."""
    if not value:
        today = timezone.now().astimezone(STATS_DEFAULT_TZ).date()
        return today.year, today.month
    return month_key_parse(value, field="month")


def _stats_scope(person: Person) -> Q:
    """Enterprises whose statistics the person may read: a regulator's scope, and the enterprises
    where they are a safety officer or above (enterprises_readable_by). Workers read none (403)."""
    if person.is_superuser:
        return Q()
    reach_required(person, roles=SAFETY_MANAGER_ROLES, message=_("您的角色无权执行此操作。"))
    return Q(pk__in=enterprises_readable_by(person, roles=SAFETY_MANAGER_ROLES).values("pk"))


def _descendants(parents: dict[int, int | None], root: int) -> set[int]:
    children = defaultdict(list)
    for node, parent in parents.items():
        children[parent].append(node)
    found, frontier = {root}, [root]
    while frontier:
        frontier = [c for node in frontier for c in children[node] if c not in found]
        found.update(frontier)
    return found


def _child_under(parents: dict[int, int | None], node: int, root: int | None) -> int:
    """The ancestor of `node` right below `root` (node itself when root is None or node is root)."""
    if root is None or node == root:
        return node
    while parents.get(node) not in (root, None):
        node = parents[node]
    return node


def stats_for(
    person: Person,
    *,
    month: str | None = None,
    region: int | None = None,
    industry: int | None = None,
    enterprise: int | None = None,
    group_by: str = GroupBy.ENTERPRISE,
) -> Stats:
    """The campaign figures of the month for what the person may read, narrowed by region (with its
    child regions), industry (with its sub-industries) or one enterprise, one row per enterprise or per
    region / industry. With `region`, region groups are its direct children: pass a group's id as
    `region` to drill down."""
    year, month_number = stats_month_parse(month)
    month_key = f"{year}-{month_number:02d}"
    scope = _stats_scope(person)

    regions = {r.id: r for r in Region.objects.all()}  # reference data: a few hundred rows at most
    industries = {i.id: i for i in Industry.objects.all()}
    region_parents = {r.id: r.parent_id for r in regions.values()}
    industry_parents = {i.id: i.parent_id for i in industries.values()}
    condition = scope
    if region is not None:
        if region not in regions:
            raise ApplicationError(_("行政区划不存在。"), field="region")
        condition &= Q(region__in=_descendants(region_parents, region))
    if industry is not None:
        if industry not in industries:
            raise ApplicationError(_("行业不存在。"), field="industry")
        condition &= Q(industry__in=_descendants(industry_parents, industry))
    if enterprise is not None:
        if not Enterprise.objects.filter(scope, pk=enterprise).exists():
            # A worker of that enterprise hears 403, anyone else that it does not exist.
            try:
                role_required(person, enterprise, SAFETY_MANAGER_ROLES)
            except NotFound:
                pass
            raise NotFound(_("未找到。"), field="enterprise")
        condition &= Q(pk=enterprise)

    chosen = Enterprise.objects.filter(condition).values("pk")
    # The zone each enterprise had in the month: its zone now, but for the few that changed it since.
    since = datetime(year, month_number, 1, tzinfo=UTC)
    changed_zone: dict[int, str] = {}
    for enterprise_id, old in (
        EnterpriseTimezoneChange.objects.filter(enterprise__in=chosen, changed_at__gt=since)
        .order_by("-changed_at", "-id")
        .values_list("enterprise_id", "old")
    ):
        changed_zone[enterprise_id] = old  # the earliest change after the month's start wins (last written)
    enterprises = [
        EnterpriseRow(e_id, name, code, region_id, industry_id, changed_zone.get(e_id) or tz, high)
        for e_id, name, code, region_id, industry_id, tz, high in Enterprise.objects.filter(condition)
        .order_by("id")
        .values_list("id", "name", "credit_code", "region_id", "industry_id", "timezone", "industry__high_risk")
    ]
    figures = {row.id: StatsFigures(enterprises=1) for row in enterprises}
    last_drill: dict[int, date | None] = {}
    if enterprises:
        last_drill = _collect(figures, enterprises, chosen, changed_zone, year, month_number, month_key)
        for pk, one in risk_figures(figures, among=chosen).items():
            figures[pk].risk = one

    total = StatsFigures()
    for one in figures.values():
        total.add(one)
    trees = (regions, industries, region_parents, industry_parents)
    rows = _group(enterprises, figures, last_drill, group_by, trees, region, industry)
    return Stats(month_key, group_by, regions.get(region), industries.get(industry), enterprise, rows, total)


def _collect(figures, enterprises: list[EnterpriseRow], chosen: QuerySet, changed_zone, year, month_number, month_key):
    """Fill each enterprise's figures: a fixed number of grouped queries whatever the number of
    enterprises. Returns each enterprise's last drill up to the month's end."""
    now = timezone.now()
    bounds = {tz: month_period(year, month_number, tz) for tz in {row.timezone for row in enterprises}}
    by_id = {row.id: row for row in enterprises}
    moved = {e_id for e_id, tz in changed_zone.items() if e_id in by_id}

    def per_zone(make) -> Q:
        # The month in each enterprise's own time zone (up to now): one OR-branch per zone, usually one.
        q = Q(pk__in=[])
        for tz, period in bounds.items():
            in_zone = Q(enterprise__timezone=tz)
            if moved:
                in_zone = (in_zone & ~Q(enterprise__in=moved)) | Q(
                    enterprise__in=[e for e in moved if by_id[e].timezone == tz]
                )
            q |= in_zone & make(period.start, min(period.end, now))
        return q

    for row in card_coverage_by_enterprise(Post.objects.filter(enterprise__in=chosen), per_zone):
        f = figures[row["enterprise_id"]]
        f.posts, f.posts_with_card = row["posts"], row["with_card"]

    _expected_checks(figures, by_id, chosen, bounds, now)

    # Checks done and late, and the month's records: counted as the records were stored, on each
    # enterprise's archive head (checklists.tallies), one row per enterprise. Period keys are local
    # dates, so a month's tally is the same in every time zone.
    # Only the month's part of each head's tallies leaves the database (a year of them is 12 times that).
    heads = ArchiveHead.objects.filter(enterprise__in=chosen).values_list(
        "enterprise_id", KeyTransform(month_key, "slot_tallies")
    )
    for enterprise_id, month_part in heads:
        f = figures[enterprise_id]
        done_late, records = month_tallies({month_key: month_part or {}}, month_key)
        for tier, (recorded, late) in done_late.items():
            f.checks[tier].done, f.checks[tier].late = recorded - late, late
        f.records_received, f.records_on_site, f.records_flagged = records

    hazards = (
        Hazard.objects.filter(enterprise__in=chosen)
        .values("enterprise_id")
        .annotate(**hazard_aggregates(per_zone))
        .order_by()
    )
    for row in hazards:
        f = figures[row["enterprise_id"]]
        f.hazards_found, f.hazards_closed = row["found"], row["found_closed"]
        f.hazards_overdue, f.major_hazards_open = row["overdue"], row["open_major"]

    for row in awareness_by_enterprise(SpotCheck.objects.filter(enterprise__in=chosen), per_zone):
        f = figures[row["enterprise_id"]]
        f.spot_checks, f.questions, f.correct_answers = row["spot_checks"], row["questions"] or 0, row["correct"] or 0

    # Certificates and drills as at the month's last day (today for the current month).
    first, last = date(year, month_number, 1), month_last_day(year, month_number)
    on = min(last, timezone.localdate())
    gaps = certificate_gaps_by_enterprise(Enterprise.objects.filter(pk__in=chosen.values("pk")), on=on)
    for row in gaps.values("pk", "certificates_required", "certificates_missing"):
        f = figures[row["pk"]]
        f.certificates_required, f.certificates_missing = row["certificates_required"], row["certificates_missing"]

    last_drill = {}
    for enterprise_id, drills in drill_figures(
        {e.id: e.high_risk for e in enterprises}, on=on, month=(first, last), among=chosen
    ).items():
        f = figures[enterprise_id]
        f.drills_month, f.drills_month_late, f.drills_year = drills.month_done, drills.month_late, drills.year_done
        f.drills_up_to_date = int(drills.status == DRILL_DONE)
        last_drill[enterprise_id] = drills.last_done_on
    return last_drill


def _expected_checks(
    figures, by_id: dict[int, EnterpriseRow], chosen: QuerySet, bounds: dict[str, Period], now
) -> None:
    """Expected checks by the one rule (checklists.expected): assignments in force during the whole
    month are counted in SQL (their number times the periods begun), the few that began or ended
    inside it row by row."""
    start = min(p.start for p in bounds.values())
    end = max(p.end for p in bounds.values())
    whole_month = Q(valid_from__lte=start) & (Q(valid_to__isnull=True) | Q(valid_to__gte=end))
    assignments = TemplateAssignment.objects.filter(enterprise__in=chosen)
    begun: dict[tuple[str, str], list[Period]] = {}

    def periods(kind: str, tz: str) -> list[Period]:
        if (kind, tz) not in begun:
            begun[(kind, tz)] = [p for p in periods_starting_in(kind, bounds[tz]) if p.start <= now]
        return begun[(kind, tz)]

    grouped = assignments.filter(whole_month).values("enterprise_id", "tier").annotate(n=Count("id")).order_by()
    for row in grouped:
        e = by_id[row["enterprise_id"]]
        kind = period_kind_for(row["tier"], high_risk=e.high_risk)
        figures[e.id].checks[row["tier"]].expected += row["n"] * len(periods(kind, e.timezone))
    partial = (
        assignments.filter(assignments_overlapping(start, end))
        .exclude(whole_month)
        .values_list("enterprise_id", "template_id", "post_id", "tier", "valid_from", "valid_to")
    )
    seen = set()
    for enterprise_id, template_id, post_id, tier, valid_from, valid_to in partial:
        e = by_id[enterprise_id]
        for period in periods(period_kind_for(tier, high_risk=e.high_risk), e.timezone):
            if in_force(valid_from, valid_to, period) and (template_id, post_id, tier, period.key) not in seen:
                seen.add((template_id, post_id, tier, period.key))
                figures[enterprise_id].checks[tier].expected += 1


def _group(
    enterprises: list[EnterpriseRow],
    figures,
    last_drill,
    group_by,
    trees,
    region,
    industry,
) -> list[StatsRow]:
    regions, industries, region_parents, industry_parents = trees
    if group_by == GroupBy.ENTERPRISE:
        return [
            StatsRow(
                kind=GroupBy.ENTERPRISE,
                id=e.id,
                code=e.credit_code,
                name=e.name,
                figures=figures[e.id],
                region=regions[e.region_id].code,
                industry=industries[e.industry_id].code,
                high_risk=e.high_risk,
                last_drill_on=last_drill.get(e.id),
            )
            for e in enterprises
        ]
    if group_by == GroupBy.REGION:
        nodes, parents, root, key_of = regions, region_parents, region, lambda e: e.region_id
    else:
        nodes, parents, root, key_of = industries, industry_parents, industry, lambda e: e.industry_id
    grouped: dict[int, StatsFigures] = {}
    for e in enterprises:
        key = _child_under(parents, key_of(e), root)
        grouped.setdefault(key, StatsFigures()).add(figures[e.id])
    return [
        StatsRow(kind=group_by, id=key, code=nodes[key].code, name=nodes[key].name, figures=grouped[key])
        for key in sorted(grouped, key=lambda k: nodes[k].code)
    ]
