"""Reads of cards: the current published version of a post, the cards a person may read, knowledge
questions and spot-checks, emergency drills and the aggregates the statistics read."""

from datetime import date

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce

from cards.models import Card, CardAcknowledgement, CardVersion, Drill, KnowledgeQuestion, SpotCheck, SpotCheckAnswer
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, Person, Post
from orgs.selectors import enterprises_readable_by, scope_to


def card_current_version(post: Post, *, acknowledged_by: Person | None = None) -> CardVersion | None:
    """The latest published version of the post's card, or None (one query, its card loaded).

    With `acknowledged_by` the same query sets `version.acknowledged`: whether that person has
    acknowledged this version (the scan answer's `acknowledged`, without a query of its own)."""
    versions = CardVersion.objects.filter(card__post=post).select_related("card").order_by("-version")
    if acknowledged_by is not None:
        # Written as SQL, like orgs.selectors.post_get_for's annotations: Exists() costs more to compile
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


def awareness_by_enterprise(enterprise_qs: QuerySet[Enterprise], *, start=None, end=None) -> QuerySet[Enterprise]:
    """Annotate `spot_check_questions` and `spot_check_correct` (sums over finished spot-checks, with
    finished_at in [start, end) when given) and `awareness_rate` (0..1, null without questions; seed
    item 6 wants >= 0.8). One query whatever the number of enterprises."""
    finished = SpotCheck.objects.filter(enterprise=OuterRef("pk"), finished_at__isnull=False)
    if start is not None:
        finished = finished.filter(finished_at__gte=start)
    if end is not None:
        finished = finished.filter(finished_at__lt=end)

    def total(field):
        rows = finished.values("enterprise").annotate(n=Sum(field)).values("n")[:1]
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    return enterprise_qs.annotate(
        spot_check_questions=total("question_count"), spot_check_correct=total("correct_count")
    ).annotate(
        awareness_rate=Case(
            When(spot_check_questions=0, then=Value(None, output_field=FloatField())),
            default=Cast(F("spot_check_correct"), FloatField()) / Cast(F("spot_check_questions"), FloatField()),
            output_field=FloatField(),
        )
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


def drills_due_status(enterprise_qs: QuerySet[Enterprise], *, on: date) -> QuerySet[Enterprise]:
    """Annotate each enterprise with its drill obligation for the period containing `on` (a local date):

    drill_period_start, drill_period_end  [start, end): year, or half-year for high-risk industries
    drills_done       drills done in the period up to `on`
    drills_planned    drills of the period not done yet, planned on or after `on`
    drills_overdue    drills of the period not done, planned before `on` (a missed plan)
    last_drill_on     the latest done_on up to `on` (any period), or null
    drill_status      done | overdue | planned | due (nothing done, nothing planned)

    One query whatever the number of enterprises (filter on drill_status as on any annotation)."""
    year_start, year_end = drill_period(on, high_risk=False)
    half_start, half_end = drill_period(on, high_risk=True)
    start = Case(When(industry__high_risk=True, then=Value(half_start)), default=Value(year_start))
    end = Case(When(industry__high_risk=True, then=Value(half_end)), default=Value(year_end))

    def count(**conditions):
        rows = (
            Drill.objects.filter(enterprise=OuterRef("pk"), **conditions)
            .values("enterprise")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        )
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    last = Drill.objects.filter(enterprise=OuterRef("pk"), done_on__lte=on).order_by("-done_on").values("done_on")[:1]
    return (
        enterprise_qs.annotate(
            drill_period_start=ExpressionWrapper(start, output_field=DateField()),
            drill_period_end=ExpressionWrapper(end, output_field=DateField()),
        )
        .annotate(
            drills_done=count(done_on__gte=OuterRef("drill_period_start"), done_on__lte=on),
            drills_planned=count(done_on__isnull=True, planned_on__gte=on, planned_on__lt=OuterRef("drill_period_end")),
            drills_overdue=count(
                done_on__isnull=True, planned_on__gte=OuterRef("drill_period_start"), planned_on__lt=on
            ),
            last_drill_on=Subquery(last, output_field=DateField()),
        )
        .annotate(
            drill_status=Case(
                When(drills_done__gt=0, then=Value(DRILL_DONE)),
                When(drills_overdue__gt=0, then=Value(DRILL_OVERDUE)),
                When(drills_planned__gt=0, then=Value(DRILL_PLANNED)),
                default=Value(DRILL_DUE),
                output_field=CharField(),
            )
        )
    )


def drills_overdue(enterprise_qs: QuerySet[Enterprise], *, on: date) -> QuerySet[Drill]:
    """Planned drills not done whose date has passed (for the dispatch's list of open items)."""
    return (
        Drill.objects.filter(enterprise__in=enterprise_qs.values("pk"), done_on__isnull=True, planned_on__lt=on)
        .select_related("enterprise", "post")
        .order_by("planned_on", "id")
    )
