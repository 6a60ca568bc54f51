"""Reads of the risk register: access in one place, the current bands, the controls no check proves,
the register of a post, and the dual-prevention figures (one definition each, DESIGN.md trust rules).
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, When

from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, Person, Post, RiskLevel
from orgs.selectors import get_visible, role_required, scope_to
from risks.models import (
    LEVEL_ORDER,
    Assessment,
    Control,
    ControlLevel,
    HazardSource,
    RiskBands,
    RiskGrade,
    RiskPoint,
    level_rank,
)


def risk_bands_of(enterprise_id: int) -> RiskBands:
    """The enterprise's bands, or the defaults (an unsaved row) when it never set its own."""
    return RiskBands.objects.filter(enterprise_id=enterprise_id).first() or RiskBands(enterprise_id=enterprise_id)


def risk_points_visible_to(person: Person) -> QuerySet[RiskPoint]:
    """Points with everything the API shows of them, in a number of queries that does not grow with
    the number of points."""
    return scope_to(person, RiskPoint.objects.all()).prefetch_related(
        "posts",
        Prefetch(
            "sources",
            queryset=HazardSource.objects.prefetch_related(
                Prefetch("controls", queryset=controls_with_checked(Control.objects.select_related("owner_post")))
            ),
        ),
        Prefetch("assessments", queryset=Assessment.objects.select_related("assessed_by")),
        Prefetch("grades", queryset=RiskGrade.objects.all()),
    )


def public_risk_point(token: str) -> RiskPoint | None:
    """The active point whose notice card carries this token, with what its public page shows."""
    return (
        RiskPoint.objects.filter(token=token, active=True)
        .select_related("enterprise", "department")
        .prefetch_related(
            Prefetch(
                "sources",
                queryset=HazardSource.objects.prefetch_related(
                    Prefetch("controls", queryset=Control.objects.select_related("owner_post"))
                ),
            )
        )
        .first()
    )


def access_risk_point(person: Person, risk_point_id, *, write: bool = False) -> RiskPoint:
    """The point, or 404 outside what the person may read; with `write`, 403 unless a safety manager."""
    point = get_visible(person, RiskPoint.objects.select_related("enterprise"), risk_point_id)
    if write:
        role_required(person, point.enterprise_id, SAFETY_MANAGER_ROLES)
    return point


def access_hazard_source(person: Person, source_id, *, write: bool = False) -> HazardSource:
    source = get_visible(
        person, HazardSource.objects.select_related("risk_point"), source_id, via="risk_point__enterprise"
    )
    if write:
        role_required(person, source.risk_point.enterprise_id, SAFETY_MANAGER_ROLES)
    return source


def access_control(person: Person, control_id, *, write: bool = False) -> Control:
    control = get_visible(person, Control.objects.select_related("source__risk_point"), control_id)
    if write:
        role_required(person, control.enterprise_id, SAFETY_MANAGER_ROLES)
    return control


def access_enterprise_register(person: Person, enterprise_id, *, write: bool = False) -> Enterprise:
    """The enterprise whose register (bands, site plan, map) the person reads or, with `write`, sets."""
    enterprise = get_visible(person, Enterprise.objects.all(), enterprise_id, via="")
    if write:
        role_required(person, enterprise.pk, SAFETY_MANAGER_ROLES)
    return enterprise


def _verified() -> Exists:
    # An item verifies a control only while the item and its checklist are both in use.
    from_items = Control.verifying_items.rel.related_model.objects.filter(
        control=OuterRef("pk"), active=True, template__active=True
    )
    return Exists(from_items)


def controls_with_checked(queryset: QuerySet[Control]) -> QuerySet[Control]:
    """Each control with `checked`: some active item of an active checklist verifies it."""
    return queryset.annotate(checked=_verified())


def controls_unchecked(queryset: QuerySet[Control]) -> QuerySet[Control]:
    """Active controls that no active checklist item verifies: a control nobody proves is in place."""
    return controls_with_checked(queryset.filter(active=True)).filter(checked=False)


def controls_visible_to(person: Person) -> QuerySet[Control]:
    return controls_with_checked(scope_to(person, Control.objects.select_related("source", "owner_post")))


@dataclass(frozen=True)
class PostRegister:
    """What the register says to one post: the risks of the points it is exposed to, worst first, and
    the controls it owns there."""

    hazards: list[dict]  # [{name, risk_level, description}] as a card holds them
    controls: list[str]


def post_register(post: Post) -> PostRegister:
    """The register as a post's card shows it (cards.register publishes it). Two queries."""
    points = list(
        RiskPoint.objects.filter(posts=post, active=True, level__isnull=False).prefetch_related(
            Prefetch(
                "sources",
                queryset=HazardSource.objects.prefetch_related(
                    Prefetch("controls", queryset=Control.objects.filter(active=True, owner_post=post))
                ),
            )
        )
    )
    points.sort(key=lambda p: (level_rank(p.level), p.name))
    hazards, controls = [], []
    for point in points:
        for source in point.sources.all():
            types = "、".join(source.accident_type_labels())
            description = f"{point.name}:{types}" if types else point.name
            hazards.append({"name": source.name, "risk_level": point.level, "description": description})
            controls += [c.measure for c in source.controls.all() if c.measure not in controls]
    return PostRegister(hazards=hazards, controls=controls)


# ---------------------------------------------------------------------------------------------
# Figures (seed item 4: 管控到位率 100 %)


@dataclass(frozen=True)
class RiskFigures:
    """The register's figures of one enterprise, or of several added up (`+`: rates from the sums).

    They describe the register as it is now (grades and controls are not effective-dated)."""

    points: int = 0
    red: int = 0  # 重大风险 (the major risks)
    orange: int = 0
    yellow: int = 0
    blue: int = 0
    not_assessed: int = 0
    major_controlled: int = 0  # red points controlled at company level, each control owned and checked
    controls: int = 0
    controls_unchecked: int = 0  # active controls no active checklist item verifies

    @property
    def control_rate(self) -> float | None:
        """管控到位率 (seed item 4, target 100 %): major risks controlled in place / major risks."""
        return round(self.major_controlled / self.red, 4) if self.red else None

    def __add__(self, other: "RiskFigures") -> "RiskFigures":
        return RiskFigures(**{f: getattr(self, f) + getattr(other, f) for f in RISK_FIGURE_FIELDS})


RISK_FIGURE_FIELDS = tuple(RiskFigures.__dataclass_fields__)
NO_RISK_FIGURES = RiskFigures()  # an enterprise without a register (frozen: one shared instance)
TARGET_CONTROL_RATE = 1.0  # seed item 4: every major risk controlled in place


def risk_figures(enterprise_ids, *, among: QuerySet[Enterprise] | None = None) -> dict[int, RiskFigures]:
    """The register's figures per enterprise (every id given gets an entry). Two grouped queries
    whatever the number of enterprises or points; the statistics and the region page call this one
    function. `among`, a queryset of the same enterprises, is the filter the database reads instead of
    thousands of ids (the statistics of a province)."""
    enterprise_ids = list(enterprise_ids)
    where = {"enterprise__in": among.values("pk")} if among is not None else {"enterprise_id__in": enterprise_ids}
    levels: dict[int, Counter] = {}
    points = RiskPoint.objects.filter(active=True, **where).values_list("enterprise_id", "level")
    for enterprise_id, level, n in points.annotate(n=Count("id")).order_by():
        levels.setdefault(enterprise_id, Counter())[level or "not_assessed"] += n
    # The controls counted per enterprise and, for a major (red) risk, per point. A major risk is
    # controlled in place when it has controls, every one of them answered for by the company (分级管控),
    # owned by a post, and proven by an active checklist item.
    controls = controls_with_checked(Control.objects.filter(active=True, source__risk_point__active=True, **where))
    red_point = Case(When(source__risk_point__level=RiskLevel.RED, then=F("source__risk_point_id")), default=None)
    not_in_place = ~Q(level=ControlLevel.COMPANY) | Q(owner_post__isnull=True) | Q(checked=False)
    rows = (
        controls.annotate(red_point=red_point)
        .values_list("enterprise_id", "red_point")
        .annotate(n=Count("id"), not_checked=Count("id", filter=Q(checked=False)), off=Count("id", filter=not_in_place))
        .order_by()
    )
    count, unchecked, controlled = Counter(), Counter(), Counter()
    for enterprise_id, point, n, not_checked, off in rows:
        count[enterprise_id] += n
        unchecked[enterprise_id] += not_checked
        controlled[enterprise_id] += point is not None and off == 0
    out = {}
    for e in enterprise_ids:
        if e not in levels and e not in count:
            out[e] = NO_RISK_FIGURES
            continue
        found = levels.get(e, Counter())
        out[e] = RiskFigures(
            points=sum(found.values()),
            **{str(level): found[level] for level in LEVEL_ORDER},
            not_assessed=found["not_assessed"],
            major_controlled=controlled[e],
            controls=count[e],
            controls_unchecked=unchecked[e],
        )
    return out
