"""Two months of demo history (issue 14): what the demo enterprises did from the first day of the month
two months back until yesterday, so that every supervisor page shows real figures on the first run.

Every row is written by the service a person would have called (inspection_submit, hazard_assign,
daily_review_sign, dispatch_sign...), at the moment it would have happened: the services read the time
from django.utils.timezone.now(), which `clock` sets while one step runs (stdlib mock, no test
dependency). The steps run in the order of their times, so that a snapshot (a weekly report, a
dispatch) sees what existed then and nothing later. Whatever the figure code becomes, the figures
follow from the records, because the records are the ones the services make.

The history is built once per enterprise: its demo drill marks it built (a second run keeps it).
"""

import random
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO
from unittest import mock
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from cards.models import Card, CardVersion, Drill, KnowledgeQuestion
from cards.services import (
    card_acknowledge,
    drill_plan,
    drill_record,
    question_save,
    spot_check_answer,
    spot_check_finish,
    spot_check_start,
)
from checklists.models import ChecklistTemplate, ItemKind
from checklists.serializers import InspectionSubmitSerializer
from checklists.services import inspection_submit, photo_upload
from hazards.models import Hazard, HazardGrade, JudgmentClause
from hazards.services import (
    hazard_accept,
    hazard_assign,
    hazard_plan_approve,
    hazard_plan_write,
    hazard_progress_report,
    hazard_reject,
    hazard_report,
    hazard_submit,
    hazard_supervise,
)
from orgs.models import CertificateKind, Enterprise, Membership, Person, Post
from orgs.services import certificate_create
from qr.services import qr_scan_record, qr_token_issue
from reports.services import (
    daily_review_sign,
    dispatch_generate,
    dispatch_sign,
    dispatch_update,
    weekly_report_generate,
    weekly_report_sign,
    weekly_report_update,
)

NAMESPACE = uuid.UUID("6f1d2b0e-2c55-4f0b-9d6a-1a4e9c3b7d21")  # client_uuids of the history: uuid5 of a step
DRILL_TITLE = "年度综合应急演练(演示)"


@contextmanager
def clock(at: datetime):
    """The services' clock reads `at` while the block runs."""
    with mock.patch("django.utils.timezone.now", new=lambda: at):
        yield


def history_start(today: date) -> date:
    """The first day of the month two months before today's: two full months, then this month so far."""
    month = today.month - 2
    year = today.year + (month <= 0) * -1
    return date(year, month + 12 if month <= 0 else month, 1)


def setup_time(today: date, tz: str) -> datetime:
    """When the demo enterprises set up their posts, cards and templates: a week before the history."""
    return datetime.combine(history_start(today) - timedelta(days=7), time(9), ZoneInfo(tz))


@dataclass
class Cast:
    """Who does what in one enterprise."""

    enterprise: Enterprise
    worker: Person
    officer: Person
    director: Person
    principal: Person
    daily: list[tuple[ChecklistTemplate, Post]]
    weekly: tuple[ChecklistTemplate, Post] | None = None
    monthly: tuple[ChecklistTemplate, Post] | None = None
    fail_items: list[tuple[int, str]] = field(default_factory=list)  # (check item id, the worker's note)
    reading: tuple[int, float] | None = None  # (item id, an out-of-range reading) for one general hazard
    questions: list[dict] = field(default_factory=list)
    certificates: list[tuple[str, str, int, int]] = field(default_factory=list)  # (username, kind code, days, seq)
    drill_done: bool = True
    # The regulator who puts one major hazard of the enterprise under supervision (挂牌督办), or None.
    regulator: Person | None = None


# The days, counted back from yesterday (1), on which something other than an on-time, all-ok check
# happened. Chosen so that every state a hazard can be in shows up, old ones closed.
MISSED = {4, 11, 19, 29, 38, 50}
LATE = {7, 15, 24, 36, 52}
FAILED = {1: "open", 3: "rectifying", 5: "pending", 9: "overdue", 13: "rejected", 17: "closed", 22: "closed",
          27: "rejected", 33: "closed", 41: "closed", 48: "closed", 56: "closed"}  # fmt: skip
READING = 20  # an out-of-range reading: a hazard naming the value and the normal range, closed
SUPERVISED = 12  # a major hazard found then, supervised by the regulator, accepted, awaiting verification
# 化工和危险化学品生产经营单位重大生产安全事故隐患判定标准(试行), 第十五项: 安全阀、爆破片等安全附件未正常投用。
SUPERVISED_CLAUSE = ("AJZGS-2017-121", "第十五项")
UNSIGNED_DAYS = 2  # the last days the safety officer has not signed yet (something to do in the demo)


class History:
    def __init__(self, *, today: date, now: datetime, tally):
        self.today = today
        self.now = now  # the real clock: nothing is scheduled at or after it
        self.tally = tally
        self.steps: list[tuple[datetime, int, Callable[[], None]]] = []
        self.scans: dict[tuple, int] = {}  # (post, day) -> the scan event a check made there cites

    def at(self, cast: Cast, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), ZoneInfo(cast.enterprise.timezone))

    def plan(self, when: datetime, step: Callable[[], None]) -> None:
        if when < self.now - timedelta(minutes=1):
            self.steps.append((when, len(self.steps), step))

    def run(self) -> None:
        for when, _order, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            with clock(when):
                step()
        self.steps = []

    # -------------------------------------------------------------------------------------------

    def build(self, cast: Cast) -> bool:
        """Plan and run the enterprise's history; False when it was built before."""
        if Drill.objects.filter(enterprise=cast.enterprise, title=DRILL_TITLE).exists():
            self.tally.note("history", "kept")
            return False
        start = history_start(self.today)
        days = [start + timedelta(days=n) for n in range((self.today - start).days)]
        self._setup(cast, setup_time(self.today, cast.enterprise.timezone))
        hazards: dict[int, Hazard] = {}
        for day in days:
            age = (self.today - day).days
            for template, post in cast.daily:
                self._daily(cast, template, post, day, age, hazards)
            if age > UNSIGNED_DAYS:
                self.plan(self.at(cast, day + timedelta(days=1), 10), self._sign_day(cast, day))
            if day.weekday() == 4 and cast.weekly:
                self.plan(self.at(cast, day, 15), self._check(cast, *cast.weekly, cast.director, day, 15))
            if day.day == 25 and cast.monthly:
                self.plan(self.at(cast, day, 16), self._check(cast, *cast.monthly, cast.director, day, 16))
            if day.weekday() == 0 and day - timedelta(days=7) >= start:
                self._weekly_report(cast, day - timedelta(days=7), last=age <= 7)
            if day.day == 1 and day > start:
                self._dispatch(cast, (day - timedelta(days=1)).replace(day=1))
            if day.day in (10, 20):
                self.plan(self.at(cast, day, 14), self._spot_check(cast, day))
        self._hazard_work(cast, hazards)
        if self.today.day == 1:  # last month's dispatch, signed this morning (or just after midnight)
            self._dispatch(cast, (self.today - timedelta(days=1)).replace(day=1))
        self.run()
        self.tally.note("history", "created")
        return True

    def _setup(self, cast: Cast, when: datetime) -> None:
        """What was there before the history: cards read, questions written, certificates, a drill."""
        enterprise = cast.enterprise
        for model, lookup in (
            (Post, {"enterprise": enterprise}),
            (ChecklistTemplate, {"enterprise": enterprise}),
            (Membership, {"enterprise": enterprise}),
            (Enterprise, {"pk": enterprise.pk}),
        ):
            # A demo database from before the history: its setup rows were made "today"; they date from
            # the setup, or the history's checks would fall before their own posts and templates.
            model.objects.filter(**lookup, created_at__gt=when).update(created_at=when)
        CardVersion.objects.filter(card__enterprise=enterprise, version=1, published_at__gt=when).update(
            published_at=when
        )

        def setup():
            for _template, post in [*cast.daily, *filter(None, [cast.weekly, cast.monthly])]:
                for person in post.holders.all():
                    card = Card.objects.filter(post=post).first()
                    if card and CardVersion.objects.filter(card=card).exists():
                        card_acknowledge(card=card, by=person)
            card = Card.objects.get(post=cast.daily[0][1])
            if not KnowledgeQuestion.objects.filter(card=card).exists():
                for question in cast.questions:
                    question_save(by=cast.officer, question=None, data={"card": card, **question})
            for username, code, days, seq in cast.certificates:
                person = Person.objects.get(username=username)
                kind = CertificateKind.objects.get(code=code)
                certificate_create(
                    by=cast.officer,
                    data={
                        "enterprise": enterprise,
                        "person": person,
                        "kind": kind,
                        "number": f"T4207{enterprise.pk:02d}{seq:010d}",
                        "issued_on": date(2023, 5, 10),
                        "expires_on": self.today + timedelta(days=days),
                    },
                )
            post = cast.daily[0][1]
            planned = (
                history_start(self.today) + timedelta(days=40) if cast.drill_done else self.today + timedelta(days=20)
            )
            drill = drill_plan(
                by=cast.officer,
                data={"enterprise": enterprise, "post": post, "title": DRILL_TITLE, "planned_on": planned},
            )
            if cast.drill_done:
                self.plan(
                    self.at(cast, planned, 16),
                    lambda: drill_record(
                        by=cast.officer,
                        drill=drill,
                        done_on=planned,
                        participants=18,
                        summary="模拟反应釜物料泄漏:关阀、撤离、报警、救援四个环节均在8分钟内完成;发现集合点清点人数偏慢,已整改。",
                    ),
                )

        with clock(when):
            setup()

    # -------------------------------------------------------------------------------------------
    # Checks

    def _daily(self, cast: Cast, template, post, day: date, age: int, hazards: dict) -> None:
        if age in MISSED:
            return
        started = self.at(cast, day, 8, 10 + cast.enterprise.pk % 20)
        received = started + timedelta(minutes=6)
        if age in LATE:  # queued offline, sent the next morning
            received = self.at(cast, day + timedelta(days=1), 8, 40)
        if received >= self.now:
            received = started + timedelta(minutes=6)
        failing = None
        if age in FAILED and cast.fail_items:
            failing = cast.fail_items[age % len(cast.fail_items)]  # (item id, note)
        reading = cast.reading if age == READING else None
        # The cast's worker keeps the main checklist; another post's is kept by one of its holders.
        person = cast.worker
        if post != cast.daily[0][1]:
            person = post.holders.order_by("pk").first() or cast.officer
            failing = reading = None
        self.plan(started - timedelta(minutes=2), self._scan(post, person, day))

        def submit():
            inspection = self._submit(cast, template, post, person, day, started, failing, reading)
            for hazard in inspection.hazards.all():
                hazards[age] = hazard

        self.plan(received, submit)

    def _scan(self, post: Post, person: Person, day: date):
        def scan():
            token = qr_token_issue(post=post).token
            self.scans[post.id, day] = qr_scan_record(token=token, person=person, user_agent="demo").scan_event.id

        return scan

    def _check(self, cast: Cast, template, post, person: Person, day: date, hour: int):
        def check():
            self._scan(post, person, day)()
            self._submit(cast, template, post, person, day, self.at(cast, day, hour), None, None)

        return check

    def _submit(self, cast, template, post, person, day, started, failing, reading):
        results = []
        for item in template.items.filter(active=True).order_by("order"):
            value = None
            note = ""
            if item.kind == ItemKind.CHECK:
                value = "not_ok" if failing and item.id == failing[0] else "ok"
                note = failing[1] if value == "not_ok" else ""
            elif item.kind == ItemKind.NUMBER:
                value = self._normal(item, day)
                if reading and reading[0] == item.id:
                    value, note = reading[1], "已降低负荷,继续观察"
            elif item.kind == ItemKind.TEXT and item.required:
                value = "本周各岗位运行正常,隐患均已按期整改。"
            if value is None:
                continue  # optional items left blank, as on the phone
            results.append({"item": item.id, "value": value, "note": note})
        token = qr_token_issue(post=post).token
        body = {
            "client_uuid": str(uuid.uuid5(NAMESPACE, f"{cast.enterprise.credit_code}/{template.id}/{post.id}/{day}")),
            "template": template.id,
            "post": post.id,
            "scan_token": token,
            "scan_event": self.scans[post.id, day],
            "started_at": started.isoformat(),
            "finished_at": (started + timedelta(minutes=5)).isoformat(),
            "results": results,
        }
        shape = InspectionSubmitSerializer(data=body)
        shape.is_valid(raise_exception=True)
        inspection, created = inspection_submit(by=person, data=shape.validated_data)
        self.tally.note("history checks", "created" if created else "kept")
        return inspection

    @staticmethod
    def _normal(item, day: date) -> float:
        share = 0.3 + 0.4 * ((day.toordinal() * 7) % 10) / 10  # 30-70% into the normal range
        if item.normal_min is None and item.normal_max is None:  # a count: 参会人数, 新发现隐患
            low = int(item.min_value or 0)
            return low + round(8 * share)
        low = float(item.normal_min if item.normal_min is not None else item.min_value or 0)
        high = float(item.normal_max if item.normal_max is not None else item.max_value)
        return round(low + (high - low) * share, 2)

    # -------------------------------------------------------------------------------------------
    # Hazards: assigned the next morning, rectified with a photo, accepted by another manager; the
    # recent ones still on their way.

    def _hazard_work(self, cast: Cast, hazards: dict[int, Hazard]) -> None:
        for age, fate in FAILED.items():
            found = self.today - timedelta(days=age)
            if fate == "open":
                continue
            deadline = self.at(cast, found + timedelta(days=3 if fate == "overdue" else 5), 18)
            if fate == "rectifying":
                deadline = self.now + timedelta(days=4)
            self.plan(self.at(cast, found + timedelta(days=1), 9), self._assign(cast, hazards, age, deadline))
            if fate == "rectifying" or fate == "overdue":
                continue
            self.plan(self.at(cast, found + timedelta(days=2), 15), self._rectify(cast, hazards, age, 1))
            if fate == "pending":
                continue
            if fate == "rejected":
                self.plan(self.at(cast, found + timedelta(days=3), 10), self._reject(cast, hazards, age))
                self.plan(self.at(cast, found + timedelta(days=4), 15), self._rectify(cast, hazards, age, 2))
                self.plan(self.at(cast, found + timedelta(days=5), 10), self._accept(cast, hazards, age, cast.director))
            else:
                self.plan(self.at(cast, found + timedelta(days=3), 10), self._accept(cast, hazards, age, cast.officer))
        reading = self.today - timedelta(days=READING)
        if cast.reading:
            self.plan(self.at(cast, reading + timedelta(days=1), 9), self._assign(cast, hazards, READING, None))
            self.plan(self.at(cast, reading + timedelta(days=1), 16), self._rectify(cast, hazards, READING, 1))
            self.plan(self.at(cast, reading + timedelta(days=2), 9), self._accept(cast, hazards, READING, cast.officer))
        # 随手拍: a worker's own report the day before yesterday, still waiting to be assigned.
        self.plan(self.at(cast, self.today - timedelta(days=2), 11), self._report(cast))
        if cast.regulator is not None:
            self._supervised_major(cast)

    def _supervised_major(self, cast: Cast) -> None:
        """挂牌督办: the safety officer reports a major hazard citing its clause, writes the plan (五落实) the
        principal approves, the regulator supervises it; the worker rectifies, the director accepts, and
        it waits for the regulator's verification (核查销号), on the region page."""
        code, number = SUPERVISED_CLAUSE
        clause = (
            JudgmentClause.objects.filter(standard__code=code, number=number)
            .order_by("-standard__effective_from")
            .first()
        )
        if clause is None:  # the standards are seeded by hazards' migrations; a flushed test database has none
            return
        found = self.today - timedelta(days=SUPERVISED)
        post = cast.daily[0][1]
        held: dict[str, Hazard] = {}

        def report():
            photo = self._photo(cast.officer, "supervised/found")
            data = {
                "enterprise": cast.enterprise,
                "post": post,
                "grade": HazardGrade.MAJOR,
                "description": "R102 反应釜安全阀根部阀处于关闭状态,安全阀未正常投用",
                "location": post.location,
                "basis_clause": clause,
                "photos": [photo.id],
            }
            held["hazard"] = hazard_report(by=cast.officer, data=data)

        def plan():
            hazard_plan_write(
                hazard=held["hazard"],
                by=cast.officer,
                data={
                    "measures": "停用 R102,打开安全阀根部阀并加铅封,校验安全阀;排查全部反应釜安全附件",
                    "responsible": cast.worker,
                    "funds_amount": Decimal("18000.00"),
                    "funds_source": "企业安全生产费用",
                    "deadline": found + timedelta(days=8),
                    "interim_measures": "R102 停止投料并泄压,设警戒区,每班专人巡检压力",
                    "emergency_plan": "执行《反应釜超压泄漏现场处置方案》,应急物资就位",
                },
            )

        def approve():
            hazard_plan_approve(hazard=held["hazard"], by=cast.principal, note="同意,资金当日到位")

        def assign():
            hazard_assign(
                hazard=held["hazard"],
                by=cast.officer,
                responsible=cast.worker,
                deadline=self.at(cast, found + timedelta(days=8), 18),
                measures="按批准的治理方案整改",
            )

        def supervise():
            hazard_supervise(
                hazard=held["hazard"],
                by=cast.regulator,
                deadline=self.today + timedelta(days=10),
                note="限期整改,整改完成后报区应急管理局核查销号",
            )

        def progress():
            hazard_progress_report(hazard=held["hazard"], by=cast.officer, note="安全阀已送检,R102 保持停用", photos=[])

        def rectify():
            photo = self._photo(cast.worker, "supervised/rectified")
            hazard_submit(
                hazard=held["hazard"], by=cast.worker, note="根部阀已打开并铅封,安全阀校验合格", photos=[photo.id]
            )

        def accept():
            hazard_accept(hazard=held["hazard"], by=cast.director, note="现场复核合格,报请监管部门核查销号")

        for days, hour, step in (
            (0, 10, report),
            (0, 15, plan),
            (1, 9, approve),
            (1, 10, assign),
            (1, 14, supervise),
            (3, 16, progress),
            (6, 15, rectify),
            (7, 10, accept),
        ):
            self.plan(self.at(cast, found + timedelta(days=days), hour), step)

    def _assign(self, cast, hazards, age, deadline):
        def assign():
            hazard = hazards.get(age)
            if hazard is not None:
                due = deadline or timezone.now() + timedelta(days=2)
                hazard_assign(
                    hazard=hazard, by=cast.officer, responsible=cast.worker, deadline=due, measures="按检查表要求整改"
                )

        return assign

    def _rectify(self, cast, hazards, age, round_):
        def rectify():
            hazard = hazards.get(age)
            if hazard is not None:
                photo = self._photo(cast.worker, f"{hazard.pk}/{round_}")
                hazard_submit(hazard=hazard, by=cast.worker, note="已整改,附整改后照片", photos=[photo.id])

        return rectify

    def _reject(self, cast, hazards, age):
        def reject():
            hazard = hazards.get(age)
            if hazard is not None:
                hazard_reject(hazard=hazard, by=cast.officer, note="照片看不清整改部位,请重新拍摄并说明整改措施")

        return reject

    def _accept(self, cast, hazards, age, by):
        def accept():
            hazard = hazards.get(age)
            if hazard is not None:
                hazard_accept(hazard=hazard, by=by, note="现场复核合格,同意销号")

        return accept

    def _report(self, cast):
        def report():
            photo = self._photo(cast.worker, "report")
            post = cast.daily[0][1]
            data = {
                "enterprise": cast.enterprise,
                "post": post,
                "grade": "general",
                "description": "岗位通道堆放空桶,影响应急撤离",
                "photos": [photo.id],
            }
            hazard_report(by=cast.worker, data=data)

        return report

    def _photo(self, person: Person, key: str):
        """A small picture of its own (no two alike, so none is taken for a reused one)."""
        rng = random.Random(key)
        image = Image.new("RGB", (160, 120), tuple(rng.randrange(60, 200) for _ in range(3)))
        draw = ImageDraw.Draw(image)
        for _ in range(12):
            x, y = rng.randrange(150), rng.randrange(110)
            draw.rectangle(
                (x, y, x + rng.randrange(10, 60), y + rng.randrange(10, 40)),
                fill=tuple(rng.randrange(256) for _ in range(3)),
            )
        data = BytesIO()
        image.save(data, "JPEG", quality=70)
        upload = SimpleUploadedFile("photo.jpg", data.getvalue(), content_type="image/jpeg")
        photo, _created = photo_upload(
            by=person, client_uuid=uuid.uuid5(NAMESPACE, f"photo/{person.pk}/{key}"), upload=upload
        )
        return photo

    # -------------------------------------------------------------------------------------------
    # Signatures and snapshots

    def _sign_day(self, cast: Cast, day: date):
        return lambda: daily_review_sign(
            by=cast.officer, enterprise=cast.enterprise, day=day, note="已审核,缺失和补录已追查"
        )

    def _weekly_report(self, cast: Cast, monday: date, *, last: bool) -> None:
        year, week, _ = monday.isocalendar()
        key = f"{year}-W{week:02d}"
        next_monday = monday + timedelta(days=7)
        state = {}

        def generate():
            report, _created = weekly_report_generate(by=cast.officer, enterprise=cast.enterprise, week=key)
            report = weekly_report_update(
                by=cast.director,
                report=report,
                data={
                    "summary": "本周各岗位日管控按时完成,周排查覆盖全部岗位;发现的一般隐患已指派整改。",
                    "risk_analysis": "反应釜、罐区等重点部位运行平稳;雨季临近,注意防雷防静电。",
                    "next_week_plan": "复查未销号隐患;开展一次受限空间作业专项检查。",
                },
            )
            state["report"] = report

        self.plan(self.at(cast, next_monday, 9), generate)
        self.plan(self.at(cast, next_monday, 16), lambda: weekly_report_sign(by=cast.director, report=state["report"]))
        if not last:  # the last week waits for the principal's signature
            self.plan(
                self.at(cast, next_monday + timedelta(days=1), 10),
                lambda: weekly_report_sign(by=cast.principal, report=state["report"]),
            )

    def _dispatch(self, cast: Cast, first: date) -> None:
        key = f"{first.year}-{first.month:02d}"
        tz = ZoneInfo(cast.enterprise.timezone)
        month_end = datetime.combine((first + timedelta(days=32)).replace(day=1), time(0), tz)
        when = min(month_end + timedelta(hours=9), self.now - timedelta(minutes=10))
        if when <= month_end:
            return

        def dispatch():
            made, _created = dispatch_generate(by=cast.principal, enterprise=cast.enterprise, month=key)
            end = made.period_end
            dispatch_update(
                by=cast.principal,
                dispatch=made,
                data={
                    "summary": f"{key} 月日管控、周排查按计划开展,隐患逐条整改销号;个别岗位有漏检和补录,已通报。",
                    "decisions": [
                        {
                            "task": "补齐漏检岗位的原因分析并通报",
                            "owner": cast.officer.pk,
                            "due_date": end + timedelta(days=10),
                        },
                        {
                            "task": "开展一次应知应会抽查,知晓率不低于80%",
                            "owner": cast.director.pk,
                            "due_date": end + timedelta(days=20),
                        },
                    ],
                },
            )
            dispatch_sign(by=cast.principal, dispatch=made, note="同意")

        self.plan(when, dispatch)

    def _spot_check(self, cast: Cast, day: date):
        def spot_check():
            check = spot_check_start(
                by=cast.officer,
                person=cast.worker,
                enterprise=cast.enterprise,
                count=5,
                rng=random.Random(day.toordinal()),
            )
            answers = []
            for index, row in enumerate(check.answers.select_related("question").order_by("question_id")):
                right = row.question.answer
                wrong = [(right[0] + 1) % len(row.question.options)]
                answers.append({"question": row.question_id, "answer": wrong if index == day.day % 5 else right})
            spot_check_answer(by=cast.worker, spot_check=check, answers=answers)
            spot_check_finish(by=cast.officer, spot_check=check)

        return spot_check
