"""Writes to cards: drafts, published versions, acknowledgements, knowledge questions and spot-checks,
emergency drills.

`data` is content already shaped by cards.serializers (the API and the admin form check it there);
the rules here are who may write, when a draft is complete, and that a version never changes.
"""

import copy
import random
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cards.models import (
    CARD_CONTENT_FIELDS,
    TRUE_FALSE_OPTIONS,
    Card,
    CardAcknowledgement,
    CardVersion,
    Drill,
    KnowledgeQuestion,
    QuestionKind,
    SpotCheck,
    SpotCheckAnswer,
)
from cards.selectors import question_in_open_spot_check_of
from core.errors import ApplicationError, Conflict, Forbidden, NotFound, savepoint_or_raise
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, Membership, Person, Post
from orgs.selectors import enterprise_readable_by, person_holds_post, role_in, role_required, roles_of


def _content(data: dict | None) -> dict:
    """The content fields of `data`, copied so that later changes to the caller's lists do not leak in."""
    return {field: copy.deepcopy(value) for field, value in (data or {}).items() if field in CARD_CONTENT_FIELDS}


@transaction.atomic
def card_create(*, by: Person, post: Post, data: dict | None = None) -> Card:
    """The card of a post (one per post: 409 when it has one). Fields left out get the defaults."""
    role_required(by, post.enterprise_id, SAFETY_MANAGER_ROLES)
    if Card.objects.filter(post=post).exists():
        raise Conflict(_("该岗位已有明白卡。"), field="post", code="card_exists")
    card = Card(post=post, enterprise_id=post.enterprise_id, **_content(data))
    with savepoint_or_raise(Conflict(_("该岗位已有明白卡。"), field="post", code="card_exists")):
        card.save()
    return card


@transaction.atomic
def card_update_draft(*, by: Person, card: Card, data: dict) -> Card:
    """Replace the given content fields of the draft; published versions are not touched."""
    role_required(by, card.enterprise_id, SAFETY_MANAGER_ROLES)
    content = _content(data)
    for field, value in content.items():
        setattr(card, field, value)
    card.save(update_fields=[*content, "updated_at"])
    return card


def _check_complete(card: Card) -> None:
    """A card goes on the wall only when a worker can act on it: 400 naming each missing field."""
    rules = [
        ("duties", bool(card.duties), _("至少填写一条岗位职责。")),
        ("hazards", bool(card.hazards), _("至少填写一项主要风险。")),
        ("emergency_steps", bool(card.emergency_steps), _("应急处置步骤不能为空。")),
        (
            "emergency_contacts",
            any(isinstance(c, dict) and c.get("phone") for c in card.emergency_contacts or []),
            _("至少填写一个有电话号码的应急联系人。"),
        ),
    ]
    errors = [{"field": field, "code": "incomplete", "message": message} for field, ok, message in rules if not ok]
    if errors:
        raise ApplicationError(errors[0]["message"], field=errors[0]["field"], code="incomplete", errors=errors)


@transaction.atomic
def card_publish(*, card: Card, by: Person | None) -> CardVersion:
    """Freeze the stored draft as the next version. `by=None` is the system (the demo seeder): no role check."""
    if by is not None:
        role_required(by, card.enterprise_id, SAFETY_MANAGER_ROLES)
    # The row lock makes concurrent publishes take turns, so two of them cannot both write v2.
    card = Card.objects.select_for_update().get(pk=card.pk)
    _check_complete(card)
    latest = CardVersion.objects.filter(card=card).order_by("-version").first()
    content = copy.deepcopy(card.content())
    if latest is not None and latest.content == content:
        raise Conflict(_("草稿与当前版本相同,没有可发布的新内容。"), code="nothing_to_publish")
    with savepoint_or_raise(Conflict(_("该明白卡正在被其他人发布,请刷新后重试。"), code="publish_conflict")):
        return CardVersion.objects.create(
            card=card,
            version=(latest.version if latest else 0) + 1,
            content=content,
            published_at=timezone.now(),
            published_by=by,
        )


def _require_may_acknowledge(by: Person, card: Card) -> None:
    if role_in(by, card.enterprise_id) is not None or person_holds_post(by, card.post):
        return
    if enterprise_readable_by(by, card.enterprise_id):
        raise Forbidden(_("只有本企业人员可以确认明白卡。"))  # regulators read, never act
    raise NotFound(_("未找到。"))


@transaction.atomic
def card_acknowledge(*, card: Card, by: Person) -> CardAcknowledgement:
    """The person confirms the card's current version; confirming again returns the same row."""
    _require_may_acknowledge(by, card)
    version = CardVersion.objects.filter(card=card).order_by("-version").first()
    if version is None:
        raise Conflict(_("该岗位尚未发布明白卡。"), code="not_published")
    # get_or_create retries the read when a concurrent confirmation inserted the row first.
    acknowledgement, _created = CardAcknowledgement.objects.get_or_create(
        version=version, person=by, defaults={"acknowledged_at": timezone.now()}
    )
    return acknowledgement


# ---------------------------------------------------------------------------------------------
# Knowledge spot-checks (应知应会抽查, seed item 6: awareness >= 80%)

SPOT_CHECK_MAX_QUESTIONS = 20


def question_check(*, kind: str, options: list[str], answer: list[int]) -> None:
    """The rules of a question's shape: true/false has the two options 对/错, single one right option,
    multiple at least one; right options are indexes into `options`."""
    if kind == QuestionKind.TRUE_FALSE and len(options) != 2:
        raise ApplicationError(_("判断题的选项必须是「对」和「错」两项。"), field="options")
    if len(options) < 2:
        raise ApplicationError(_("至少需要两个选项。"), field="options")
    if any(not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(options) for i in answer):
        raise ApplicationError(_("答案必须是选项的序号(从 0 开始)。"), field="answer")
    if len(set(answer)) != len(answer) or not answer:
        raise ApplicationError(_("答案不能为空或重复。"), field="answer")
    if kind != QuestionKind.MULTIPLE and len(answer) != 1:
        raise ApplicationError(_("单选题和判断题只有一个正确答案。"), field="answer")


@transaction.atomic
def question_save(*, by: Person, question: KnowledgeQuestion | None, data: dict) -> KnowledgeQuestion:
    """Create or change a question of a card (safety managers). A question already asked in a spot-check
    keeps its text and answer (the score stored then must stay explicable): deactivate it and add a new one."""
    card = data.get("card") or question.card
    role_required(by, card.enterprise_id, SAFETY_MANAGER_ROLES)
    if question is not None and question_in_open_spot_check_of(by, question):
        # Before any comparison: "200 when it is the stored answer, 409 otherwise" would tell the key.
        raise Forbidden(_("您正在接受含此题的抽查,抽查结束前不能修改此题。"), code="own_spot_check")
    if question is not None and card.pk != question.card_id:
        raise ApplicationError(_("题目不能移到其他明白卡。"), field="card")
    merged = {
        "kind": data.get("kind", question.kind if question else None),
        "options": data.get("options", question.options if question else []),
        "answer": data.get("answer", question.answer if question else []),
    }
    if merged["kind"] == QuestionKind.TRUE_FALSE and "options" not in data and question is None:
        merged["options"] = list(TRUE_FALSE_OPTIONS)
    question_check(**merged)
    if question is not None and SpotCheckAnswer.objects.filter(question=question).exists():
        changed = [f for f in ("kind", "text", "options", "answer") if f in data and data[f] != getattr(question, f)]
        if changed:
            raise Conflict(_("题目已用于抽查,不能修改;请停用后新增题目。"), field=changed[0], code="question_in_use")
    question = question or KnowledgeQuestion(card=card)
    question.kind, question.options, question.answer = merged["kind"], merged["options"], merged["answer"]
    for field in ("text", "active"):
        if field in data:
            setattr(question, field, data[field])
    question.save()
    return question


@transaction.atomic
def question_delete(*, by: Person, question: KnowledgeQuestion) -> None:
    role_required(by, question.card.enterprise_id, SAFETY_MANAGER_ROLES)
    if SpotCheckAnswer.objects.filter(question=question).exists():
        raise Conflict(_("题目已用于抽查,不能删除;请停用。"), code="question_in_use")
    question.delete()


def _spot_check_enterprise(*, by: Person, person: Person, enterprise: Enterprise | None) -> Enterprise:
    """The enterprise in which `by` checks `person`: the one given, or the only one they share."""
    if enterprise is None and not by.is_superuser:
        shared = set(roles_of(by)) & set(roles_of(person))
        managed = {pk for pk in shared if roles_of(by)[pk] in SAFETY_MANAGER_ROLES}
        if not shared:
            raise ApplicationError(_("该人员不是本企业成员。"), field="person", code="not_a_member")
        if len(managed or shared) > 1:
            raise ApplicationError(_("请指定企业。"), field="enterprise", code="required")
        enterprise = Enterprise.objects.get(pk=(managed or shared).pop())
    elif enterprise is None:
        memberships = list(Membership.objects.filter(person=person).values_list("enterprise_id", flat=True))
        if len(memberships) != 1:
            raise ApplicationError(_("请指定企业。"), field="enterprise", code="required")
        enterprise = Enterprise.objects.get(pk=memberships[0])
    role_required(by, enterprise.pk, SAFETY_MANAGER_ROLES)
    if not Membership.objects.filter(person=person, enterprise=enterprise).exists():
        raise ApplicationError(_("该人员不是本企业成员。"), field="person", code="not_a_member")
    return enterprise


@transaction.atomic
def spot_check_start(
    *, by: Person, person: Person, enterprise: Enterprise | None = None, count: int = 5, rng=None
) -> SpotCheck:
    """A safety manager starts a spot-check of a worker: `count` questions drawn at random from the
    active questions on the cards of the posts the worker holds in the enterprise. Nobody spot-checks
    himself (a manager who holds a post is checked by another one)."""
    enterprise = _spot_check_enterprise(by=by, person=person, enterprise=enterprise)
    if person.pk == by.pk:
        raise ApplicationError(_("不能抽查自己,请由其他安全管理人员发起抽查。"), field="person", code="own_spot_check")
    pool = list(
        KnowledgeQuestion.objects.filter(
            active=True, card__enterprise=enterprise, card__post__holders=person
        ).values_list("pk", flat=True)
    )
    if not pool:
        raise ApplicationError(_("该人员所在岗位的明白卡上没有应知应会题目。"), field="person", code="no_questions")
    chosen = (rng or random.SystemRandom()).sample(sorted(set(pool)), min(count, len(set(pool))))
    spot_check = SpotCheck.objects.create(
        enterprise=enterprise, person=person, started_by=by, started_at=timezone.now(), question_count=len(chosen)
    )
    SpotCheckAnswer.objects.bulk_create([SpotCheckAnswer(spot_check=spot_check, question_id=pk) for pk in chosen])
    return spot_check


def _locked_open_spot_check(spot_check: SpotCheck) -> SpotCheck:
    # The lock orders an answer and a finish of the same spot-check: no answer lands after the score.
    spot_check = SpotCheck.objects.select_for_update().get(pk=spot_check.pk)
    if spot_check.finished_at is not None:
        raise Conflict(_("抽查已结束,不能再修改。"), code="finished")
    return spot_check


def _given_error(question: KnowledgeQuestion, given) -> str | None:
    if not isinstance(given, list) or not given:
        return _("请选择答案。")
    if any(not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(question.options) for i in given):
        return _("答案必须是选项的序号(从 0 开始)。")
    if len(set(given)) != len(given):
        return _("答案不能重复。")
    if question.kind != QuestionKind.MULTIPLE and len(given) != 1:
        return _("单选题和判断题只能选一个答案。")
    return None


@transaction.atomic
def spot_check_answer(*, by: Person, spot_check: SpotCheck, answers: list[dict]) -> SpotCheck:
    """The worker answers some questions ([{question, answer: [indexes]}]). Idempotent per question: the
    same answer again changes nothing, another one replaces it, until the spot-check is finished."""
    if by.pk != spot_check.person_id:
        raise Forbidden(_("只有被抽查人员本人可以作答。"))
    spot_check = _locked_open_spot_check(spot_check)
    rows = {row.question_id: row for row in spot_check.answers.select_related("question")}
    errors = []
    for index, item in enumerate(answers):
        row = rows.get(item["question"])
        if row is None:
            errors.append((f"answers[{index}].question", _("该题不在本次抽查中。")))
            continue
        message = _given_error(row.question, item["answer"])
        if message:
            errors.append((f"answers[{index}].answer", message))
    if errors:
        raise ApplicationError(
            errors[0][1],
            field=errors[0][0],
            errors=[{"field": field, "code": "invalid", "message": message} for field, message in errors],
        )
    changed = []
    for item in answers:
        row = rows[item["question"]]
        given = sorted(item["answer"])
        if row.answer != given:
            row.answer = given
            changed.append(row)
    SpotCheckAnswer.objects.bulk_update(changed, ["answer"])
    return spot_check


@transaction.atomic
def spot_check_finish(*, by: Person, spot_check: SpotCheck) -> SpotCheck:
    """Score the spot-check (an unanswered question counts as wrong) and close it for good."""
    if by.pk != spot_check.person_id:
        role_required(by, spot_check.enterprise_id, SAFETY_MANAGER_ROLES)
    spot_check = _locked_open_spot_check(spot_check)
    rows = list(spot_check.answers.select_related("question"))
    for row in rows:
        row.correct = row.answer is not None and sorted(row.answer) == sorted(row.question.answer)
    SpotCheckAnswer.objects.bulk_update(rows, ["correct"])
    spot_check.correct_count = sum(row.correct for row in rows)
    spot_check.question_count = len(rows)
    spot_check.finished_at = timezone.now()
    spot_check.save(update_fields=["correct_count", "question_count", "finished_at"])
    return spot_check


# ---------------------------------------------------------------------------------------------
# Emergency drills (应急演练, seed item 49: yearly, high-risk half-yearly)

DRILL_FIELDS = ("post", "title", "planned_on")


def _check_drill_post(post: Post | None, enterprise_id: int) -> None:
    if post is not None and post.enterprise_id != enterprise_id:
        raise ApplicationError(_("岗位不属于该企业。"), field="post")


@transaction.atomic
def drill_plan(*, by: Person, data: dict) -> Drill:
    enterprise = data["enterprise"]
    role_required(by, enterprise.pk, SAFETY_MANAGER_ROLES)
    _check_drill_post(data.get("post"), enterprise.pk)
    return Drill.objects.create(enterprise=enterprise, **{f: data[f] for f in DRILL_FIELDS if f in data})


def _locked_planned_drill(drill: Drill) -> Drill:
    drill = Drill.objects.select_for_update().get(pk=drill.pk)
    if drill.done_on is not None:
        raise Conflict(_("演练已实施,记录不能再修改。"), code="drill_done")
    return drill


@transaction.atomic
def drill_update(*, by: Person, drill: Drill, data: dict) -> Drill:
    """Change a planned drill; a drill that was done is a record and stays as it is (409)."""
    role_required(by, drill.enterprise_id, SAFETY_MANAGER_ROLES)
    if data.get("enterprise") is not None and data["enterprise"].pk != drill.enterprise_id:
        raise ApplicationError(_("不能更改所属企业。"), field="enterprise")
    drill = _locked_planned_drill(drill)
    if "post" in data:
        _check_drill_post(data["post"], drill.enterprise_id)
    fields = [f for f in DRILL_FIELDS if f in data]
    for field in fields:
        setattr(drill, field, data[field])
    drill.save(update_fields=fields or None)
    return drill


@transaction.atomic
def drill_record(*, by: Person, drill: Drill, done_on, participants: int, summary: str = "") -> Drill:
    """Record that a planned drill took place. Not in the future (the enterprise's calendar)."""
    role_required(by, drill.enterprise_id, SAFETY_MANAGER_ROLES)
    drill = _locked_planned_drill(drill)
    today = timezone.localdate(timezone=ZoneInfo(drill.enterprise.timezone))
    if done_on > today:
        raise ApplicationError(_("实施日期不能晚于今天。"), field="done_on")
    drill.done_on, drill.participants, drill.summary = done_on, participants, summary
    # Recorded after its date: 补录, counted apart (it never makes a closed period's obligation done).
    drill.recorded_on, drill.late = today, done_on < today
    drill.save(update_fields=["done_on", "participants", "summary", "recorded_on", "late"])
    return drill


@transaction.atomic
def drill_delete(*, by: Person, drill: Drill) -> None:
    role_required(by, drill.enterprise_id, SAFETY_MANAGER_ROLES)
    _locked_planned_drill(drill).delete()
