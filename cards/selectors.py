"""Reads of cards: the current published version of a post, the cards a person may read, knowledge
questions and spot-checks, emergency drills and the aggregates the statistics read."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    FilteredRelation,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.expressions import RawSQL

from cards.models import Card, CardAcknowledgement, CardVersion, Drill, KnowledgeQuestion, SpotCheck, SpotCheckAnswer
from orgs.models import SAFETY_MANAGER_ROLES, Person, Post
from orgs.selectors import enterprises_readable_by, scope_to


def card_current_version(post: Post, *, acknowledged_by: Person | None = None) -> CardVersion | None:
    """The latest published version of the post's card, or None (one query, its card loaded).

    With `acknowledged_by` the same query sets `version.acknowledged`: whether that person has
    acknowledged this version (the scan answer's `acknowledged`, without a query of its own)."""
    versions = CardVersion.objects.filter(card__post=post).select_related("card").order_by("-version")
    if acknowledged_by is not None:
        # Written as SQL, like orgs.selectors.access_post's annotations: Exists() costs more to compile
        # than the query takes to run, on the path of every scan (bench/load.py).
        table, acks = CardVersion._meta.db_table, CardAcknowledgement._meta.db_table
        versions = versions.annotate(
            acknowledged=RawSQL(
                f"EXISTS (SELECT 1 FROM {acks} a WHERE a.version_id = {table}.id AND a.person_id = %s)",
                [acknowledged_by.pk],
                output_field=BooleanField(),
            )
        )
    return versions.first()


def cards_visible_to(person: Person) -> QuerySet[Card]:
    """Cards of the enterprises the person may read, with their version numbers (two queries)."""
    versions = Prefetch("versions", queryset=CardVersion.objects.only("id", "card_id", "version"))
    return scope_to(person, Card.objects.select_related("post").prefetch_related(versions))


def card_versions(card: Card) -> QuerySet[CardVersion]:
    """Published versions of a card, newest first (a fresh query: `card.versions` may be a deferred prefetch)."""
    return CardVersion.objects.filter(card=card).select_related("card").order_by("-version")


# ---------------------------------------------------------------------------------------------
# Knowledge spot-checks


def answer_hidden_from(person: Person, question_ref: str = "pk") -> Exists:
    """Whether the question (OuterRef(question_ref)) is in an open spot-check of `person`: nobody reads
    the answer key of a test they are sitting (a safety manager on a post is checked too)."""
    return Exists(
        SpotCheckAnswer.objects.filter(
            question=OuterRef(question_ref), spot_check__person=person, spot_check__finished_at__isnull=True
        )
    )


def question_in_open_spot_check_of(person: Person, question: KnowledgeQuestion) -> bool:
    return SpotCheckAnswer.objects.filter(
        question=question, spot_check__person=person, spot_check__finished_at__isnull=True
    ).exists()


def questions_visible_to(person: Person) -> QuerySet[KnowledgeQuestion]:
    """Questions with their right answers: only for the safety managers of the enterprise (and
    superusers). Workers meet questions only inside a spot-check, answers hidden until it is finished.
    `answer_hidden` marks the questions of the person's own open spot-checks: their answer is not shown."""
    queryset = KnowledgeQuestion.objects.select_related("card").annotate(answer_hidden=answer_hidden_from(person))
    if person.is_superuser:
        return queryset
    managed = enterprises_readable_by(person, roles=SAFETY_MANAGER_ROLES, regulator=False)
    return queryset.filter(card__enterprise__in=managed.values("pk"))


def spot_checks_visible_to(person: Person) -> QuerySet[SpotCheck]:
    """Safety managers and regulators see the enterprise's spot-checks; anyone else only their own (a
    regulator who is also a worker of an enterprise in scope still sees all of its spot-checks)."""
    queryset = scope_to(person, SpotCheck.objects.select_related("person", "started_by"))
    if person.is_superuser:
        return queryset
    managers_read = enterprises_readable_by(person, roles=SAFETY_MANAGER_ROLES).values("pk")
    return queryset.filter(Q(person=person) | Q(enterprise__in=managers_read))


def spot_check_items(reader: Person | None) -> QuerySet[SpotCheckAnswer]:
    """The items of spot-checks with their questions, for `reader`: `answer_hidden` marks those whose
    question is in an open spot-check of the reader (a finished spot-check of a colleague would show
    its right answers). In the same query."""
    items = SpotCheckAnswer.objects.select_related("question").order_by("id")
    if reader is None:
        return items
    return items.annotate(answer_hidden=answer_hidden_from(reader, "question_id"))


def spot_check_detail(spot_check: SpotCheck, reader: Person | None = None) -> SpotCheck:
    """The spot-check with its answers and their questions (one more query)."""
    answers = Prefetch("answers", queryset=spot_check_items(reader))
    return SpotCheck.objects.prefetch_related(answers).select_related("person", "started_by").get(pk=spot_check.pk)


# A window of the figures: given make(start, end) -> Q, the condition for each enterprise's own period
# (one OR-branch per time zone in the statistics, the period itself for one enterprise).
Window = Callable[[Callable[[datetime, datetime], Q]], Q]


def awareness_by_enterprise(spot_checks: QuerySet[SpotCheck], window: Window) -> QuerySet:
    """应知应会知晓率 (seed item 6, >= 80%): rows {enterprise_id, spot_checks, questions, correct} over
    the spot-checks finished in the window (finished_at is the server's clock: a spot-check is recorded
    when it is finished, never after its date). One grouped query; the rate is
    reports.selectors.rates.awareness_rate."""
    finished = window(lambda start, end: Q(finished_at__gte=start, finished_at__lt=end))
    return (
        spot_checks.filter(finished)
        .values("enterprise_id")
        .annotate(spot_checks=Count("id"), questions=Sum("question_count"), correct=Sum("correct_count"))
        .order_by()
    )


def card_coverage_by_enterprise(posts: QuerySet[Post], window: Window) -> QuerySet:
    """明白卡覆盖率 (seed item 12, 100%): rows {enterprise_id, posts, with_card}: the posts existing at the
    window's end, and of those the ones whose card had a version published by then. A card's first
    version (version 1, unique per card) is its earliest, so each post joins at most one version row
    and both counts are plain counts: no DISTINCT (a sort of every post, 300 ms for a province) and
    no EXISTS per post (whose cost estimate set off PostgreSQL's JIT compiler). One grouped query."""
    existing = window(lambda start, end: Q(created_at__lt=end))
    carded = window(lambda start, end: Q(created_at__lt=end, first_version__published_at__lt=end))
    return (
        posts.annotate(first_version=FilteredRelation("card__versions", condition=Q(card__versions__version=1)))
        .values("enterprise_id")
        .annotate(posts=Count("id", filter=existing), with_card=Count("id", filter=carded))
        .order_by()
    )


# ---------------------------------------------------------------------------------------------
# Emergency drills

DRILL_DONE, DRILL_PLANNED, DRILL_OVERDUE, DRILL_DUE = "done", "planned", "overdue", "due"


def drills_visible_to(person: Person) -> QuerySet[Drill]:
    return scope_to(person, Drill.objects.select_related("enterprise", "post"))


def drill_period(on: date, *, high_risk: bool) -> tuple[date, date]:
    """[start, end) of the drill period containing `on`: the calendar year, or for a high-risk
    enterprise the half-year (seed item 49: 每年至少一次,高危行业领域每半年至少一次)."""
    if high_risk:
        start = date(on.year, 1 if on.month <= 6 else 7, 1)
        end = date(on.year, 7, 1) if on.month <= 6 else date(on.year + 1, 1, 1)
        return start, end
    return date(on.year, 1, 1), date(on.year + 1, 1, 1)


@dataclass(frozen=True)
class DrillFigures:
    """An enterprise's drill obligation as at a day `on`, as it was known that day (a drill recorded
    later, 补录, counts only from the day it was recorded), and its drills of one month."""

    period_start: date  # [start, end) of the drill period containing `on`
    period_end: date
    done: int  # drills done in the period up to `on`
    planned: int  # drills of the period not done (as known on `on`), planned on or after `on`
    overdue: int  # drills of the period not done, planned before `on` (a missed plan)
    last_done_on: date | None  # the latest drill done up to `on`, any period
    status: str  # drill_status
    month_done: int = 0  # done in the month asked for, recorded on their date
    month_late: int = 0  # done in the month, recorded after their date (补录)
    year_done: int = 0  # done from 1 January to `on`


def drill_status(*, done: int, overdue: int, planned: int) -> str:
    """The one rule of a drill obligation: done when a drill was done in the period, else overdue when
    a plan of the period has passed, else planned, else due (nothing done, nothing planned)."""
    if done:
        return DRILL_DONE
    if overdue:
        return DRILL_OVERDUE
    if planned:
        return DRILL_PLANNED
    return DRILL_DUE


def drill_figures(
    high_risk: dict[int, bool], *, on: date, month: tuple[date, date] | None = None, among: QuerySet | None = None
) -> dict[int, DrillFigures]:
    """{enterprise id: DrillFigures} for the enterprises of `high_risk` ({id: high-risk industry}) as at
    `on` (a local date), with the drills of `month` ([first, last] days) when given. One grouped query
    whatever the number of enterprises (`among`: the same enterprises as a queryset, for many of them);
    enterprises without drills are included."""
    year_start, year_end = drill_period(on, high_risk=False)
    half_start, half_end = drill_period(on, high_risk=True)
    known = Q(recorded_on__isnull=True) | Q(recorded_on__lte=on)
    done = Q(done_on__isnull=False, done_on__lte=on) & known
    pending = Q(done_on__isnull=True) | ~known  # not done, as known on `on`

    def between(start, end):
        return Count("id", filter=done & Q(done_on__gte=start, done_on__lt=end))

    def plans(start, end, *, before: bool):
        when = Q(planned_on__gte=start, planned_on__lt=on) if before else Q(planned_on__gte=on, planned_on__lt=end)
        return Count("id", filter=pending & when)

    first, last = month or (on, on)
    rows = (
        Drill.objects.filter(enterprise__in=list(high_risk) if among is None else among)
        .values("enterprise_id")
        .annotate(
            done_year=between(year_start, year_end),
            done_half=between(half_start, half_end),
            overdue_year=plans(year_start, year_end, before=True),
            overdue_half=plans(half_start, half_end, before=True),
            planned_year=plans(year_start, year_end, before=False),
            planned_half=plans(half_start, half_end, before=False),
            last=Max("done_on", filter=done),
            month_done=Count("id", filter=Q(done_on__gte=first, done_on__lte=last, late=False)),
            month_late=Count("id", filter=Q(done_on__gte=first, done_on__lte=last, late=True)),
        )
        .order_by()
    )
    found = {row["enterprise_id"]: row for row in rows}
    out = {}
    for enterprise_id, high in high_risk.items():
        row = found.get(enterprise_id, {})
        scope = "half" if high else "year"
        counts = {name: row.get(f"{name}_{scope}", 0) for name in ("done", "overdue", "planned")}
        out[enterprise_id] = DrillFigures(
            period_start=half_start if high else year_start,
            period_end=half_end if high else year_end,
            last_done_on=row.get("last"),
            status=drill_status(**counts),
            month_done=row.get("month_done", 0) if month else 0,
            month_late=row.get("month_late", 0) if month else 0,
            year_done=row.get("done_year", 0),
            **counts,
        )
    return out
