"""Reads of the risk register: access in one place, the current bands, the controls no check proves,
the register of a post, and the dual-prevention figures (one definition each, DESIGN.md trust rules).
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

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
TARGET_CONTROL_RATE = 1.0  # seed item 4: every major risk controlled in place


def _major_controlled(controls: list[dict]) -> bool:
    # A major (red) risk is controlled in place when it has controls, every one of them answered for
    # by the company (分级管控), owned by a post, and proven by an active checklist item.
    return bool(controls) and all(
        c["level"] == ControlLevel.COMPANY and c["owner_post_id"] is not None and c["checked"] for c in controls
    )


def risk_figures(enterprise_ids) -> dict[int, RiskFigures]:
    """The register's figures per enterprise (every id given gets an entry). Two queries whatever the
    number of enterprises or points; the statistics and the region page call this one function."""
    enterprise_ids = list(enterprise_ids)
    levels = {e: Counter() for e in enterprise_ids}
    points = RiskPoint.objects.filter(enterprise_id__in=enterprise_ids, active=True)
    for enterprise_id, level in points.values_list("enterprise_id", "level"):
        levels[enterprise_id][level or "not_assessed"] += 1
    controls = controls_with_checked(
        Control.objects.filter(enterprise_id__in=enterprise_ids, active=True, source__risk_point__active=True)
    ).values("enterprise_id", "source__risk_point_id", "source__risk_point__level", "level", "owner_post_id", "checked")
    by_point: dict[int, list[dict]] = {}
    unchecked, count, point_enterprise = Counter(), Counter(), {}
    for row in controls:
        count[row["enterprise_id"]] += 1
        unchecked[row["enterprise_id"]] += not row["checked"]
        if row["source__risk_point__level"] == RiskLevel.RED:
            by_point.setdefault(row["source__risk_point_id"], []).append(row)
            point_enterprise[row["source__risk_point_id"]] = row["enterprise_id"]
    controlled = Counter(point_enterprise[p] for p, rows in by_point.items() if _major_controlled(rows))
    return {
        e: RiskFigures(
            points=sum(levels[e].values()),
            **{str(level): levels[e][level] for level in LEVEL_ORDER},
            not_assessed=levels[e]["not_assessed"],
            major_controlled=controlled[e],
            controls=count[e],
            controls_unchecked=unchecked[e],
        )
        for e in enterprise_ids
    }
