"""Regulator statistics: figures against a small archive computed by hand, across the end of July 2024
in Beijing time (00:30 on 1 August is 16:30 UTC on 31 July)."""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine

from cards.models import CardVersion
from checklists.models import ChecklistTemplate, Tier
from core.exports import display_width
from orgs.models import CertificateKind, Enterprise, Person, Post, Role
from reports.selectors import stats_for
from reports.serializers import StatsSerializer, stats_payload
from tests import factories
from tests.reports.conftest import backdate

STATS = "/api/v1/stats/"
BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 8, 10, 12, 0, tzinfo=BEIJING)


def bj(*args) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


def publish(post, at: datetime) -> CardVersion:
    card = factories.CardFactory(post=post)
    return CardVersion.objects.create(card=card, version=1, content=card.content(), published_at=at)


@dataclass
class Archive:
    city: object
    district: object
    other_district: object
    third: Enterprise  # in 华容区, nothing recorded


@pytest.fixture
def archive(world) -> Archive:
    """world.enterprise (C26, high-risk) has two posts, world.other_enterprise (C34, not high-risk) one."""
    ent, other = world.enterprise, world.other_enterprise
    other.industry = factories.IndustryFactory(code="C34", name="通用设备制造业", high_risk=False)
    other.save()
    post2 = factories.PostFactory(enterprise=ent, name="包装岗")

    # Cards: world.post published in July, post2 only on 2 August, other_post never.
    publish(world.post, bj(2024, 7, 10, 9))
    publish(post2, bj(2024, 8, 2, 9))

    daily = factories.TemplateFactory(enterprise=ent, tier=Tier.DAILY, posts=[world.post, post2])
    weekly = factories.TemplateFactory(enterprise=ent, tier=Tier.WEEKLY, posts=[world.post])
    led = factories.TemplateFactory(enterprise=ent, tier=Tier.QUARTERLY, posts=[world.post])  # monthly: high-risk
    factories.TemplateFactory(enterprise=ent, tier=Tier.DAILY, posts=[world.post], active=False)
    other_daily = factories.TemplateFactory(enterprise=other, tier=Tier.DAILY, posts=[world.other_post])
    factories.TemplateFactory(enterprise=other, tier=Tier.QUARTERLY, posts=[world.other_post])  # due in September

    record = factories.InspectionFactory
    for day in range(1, 11):
        record(post=world.post, template=daily, at=bj(2024, 7, day, 8), submitted_by=world.worker)
    record(post=world.post, template=daily, at=bj(2024, 7, 1, 9), submitted_by=world.worker)  # a second copy
    # Late: the check of 31 July recorded at 00:30 on 1 August (still July's period, flagged late) ...
    record(post=world.post, template=daily, at=bj(2024, 8, 1, 0, 30), period="2024-07-31", late=True)
    # ... and the first check of August, 30 minutes later (16:30 UTC on 31 July).
    record(post=world.post, template=daily, at=bj(2024, 8, 1, 1, 0))
    for day in range(1, 6):
        record(post=post2, template=daily, at=bj(2024, 7, day, 8))
    record(post=world.post, template=weekly, at=bj(2024, 7, 3, 8))  # 2024-W27
    record(post=world.post, template=weekly, at=bj(2024, 7, 31, 8))  # 2024-W31: Monday 29 July, July's
    record(post=world.post, template=led, at=bj(2024, 7, 20, 8))  # period 2024-07
    assert other_daily.pk

    hazard = factories.HazardFactory
    hazard(enterprise=ent, found_at=bj(2024, 7, 5, 10), status="closed", closed_at=bj(2024, 7, 8, 10))
    hazard(enterprise=ent, found_at=bj(2024, 7, 31, 23, 30), deadline=bj(2024, 8, 5, 18))  # overdue now
    hazard(enterprise=ent, found_at=bj(2024, 8, 1, 0, 30), grade="major", basis="令第10号")  # August's
    hazard(enterprise=ent, found_at=bj(2024, 6, 20, 10), grade="major", basis="令第10号")  # June's, still open
    hazard(enterprise=other, found_at=bj(2024, 9, 1, 10))  # after both months

    spot = factories.SpotCheckFactory
    spot(enterprise=ent, finished_at=bj(2024, 7, 15, 10), question_count=10, correct_count=8)
    spot(enterprise=ent, finished_at=bj(2024, 7, 31, 23, 50), question_count=5, correct_count=4)
    spot(enterprise=ent, finished_at=bj(2024, 8, 1, 0, 10), question_count=10, correct_count=2)
    spot(enterprise=ent, finished_at=None, started_at=bj(2024, 7, 20, 10), question_count=10, correct_count=0)

    drill = factories.DrillFactory
    drill(enterprise=ent, done_on=date(2024, 7, 20))
    drill(enterprise=ent, done_on=date(2024, 3, 1))
    drill(enterprise=ent, done_on=None, planned_on=date(2024, 7, 25))
    # Not high-risk: the obligation is the calendar year (seed item 49, the dispatch's rule); a drill of
    # December 2023 does not make 2024's done.
    drill(enterprise=other, done_on=date(2023, 12, 1))

    city = world.enterprise.region.parent
    other_district = factories.RegionFactory(code="420703", name="华容区", parent=city)
    third = factories.EnterpriseFactory(region=other_district, industry=other.industry)
    backdate(Post, ChecklistTemplate)  # the posts and templates applied before July (checklists.expected)
    return Archive(city, world.enterprise.region, other_district, third)


def get(api, person, **query):
    with time_machine.travel(NOW, tick=False):
        return api.as_(person).get(STATS, query)


def by_id(body) -> dict:
    return {row["id"]: row for row in body["rows"]}


def test_july_figures_equal_the_ones_computed_by_hand(api, world, archive):
    response = get(api, world.regulator, month="2024-07")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["month"] == "2024-07" and body["group_by"] == "enterprise"
    rows = by_id(body)
    assert set(rows) == {world.enterprise.id, world.other_enterprise.id, archive.third.id}

    mine = rows[world.enterprise.id]
    assert mine["kind"] == "enterprise" and mine["code"] == world.enterprise.credit_code
    assert mine["region"] == "420704" and mine["industry"] == "C26" and mine["high_risk"] is True
    assert mine["last_drill_on"] == "2024-07-20"
    f = mine["figures"]
    assert (f["posts"], f["posts_with_card"], f["card_coverage"]) == (2, 1, 0.5)
    # Daily: 2 posts x 31 days; world.post 10 days + 31 July (late), post2 5 days. The inactive
    # template counts for nothing.
    # Done means on time; the late one (补录) is counted apart, and in the completion rate.
    assert f["checks"]["daily"] == {
        "due": 62,
        "done": 15,
        "late": 1,
        "rate": round(16 / 62, 4),
        "on_time_rate": round(15 / 62, 4),
    }
    # Weekly: W27..W31 begin in July (W31 on Monday 29 July and ends on 4 August).
    assert f["checks"]["weekly"] == {"due": 5, "done": 2, "late": 0, "rate": 0.4, "on_time_rate": 0.4}
    assert f["checks"]["monthly"] == {"due": 0, "done": 0, "late": 0, "rate": None, "on_time_rate": None}
    quarterly = {"due": 1, "done": 1, "late": 0, "rate": 1.0, "on_time_rate": 1.0}
    assert f["checks"]["quarterly"] == quarterly  # monthly when high-risk
    assert f["check_completion"] == round(19 / 68, 4)
    assert (f["hazards_found"], f["hazards_closed"], f["rectification_rate"]) == (2, 1, 0.5)
    # As at the month's end: the hazard of 31 July was not yet past its deadline (5 August) then.
    assert (f["hazards_overdue"], f["major_hazards_open"]) == (0, 1)
    assert (f["spot_checks"], f["questions"], f["correct_answers"], f["awareness_rate"]) == (2, 15, 12, 0.8)
    assert (f["drills_month"], f["drills_year"], f["drills_up_to_date"]) == (1, 2, 1)

    theirs = rows[world.other_enterprise.id]["figures"]
    assert (theirs["posts"], theirs["posts_with_card"], theirs["card_coverage"]) == (1, 0, 0.0)
    nothing = {"done": 0, "late": 0, "rate": 0.0, "on_time_rate": 0.0}
    assert theirs["checks"]["daily"] == {"due": 31, **nothing}
    assert theirs["checks"]["quarterly"] == {"due": 1, **nothing}  # Q3 begins in July
    assert (theirs["hazards_found"], theirs["rectification_rate"], theirs["awareness_rate"]) == (0, None, None)
    assert (theirs["drills_month"], theirs["drills_year"], theirs["drills_up_to_date"]) == (0, 0, 0)
    assert rows[world.other_enterprise.id]["last_drill_on"] == "2023-12-01"

    total = body["total"]
    assert total["enterprises"] == 3
    assert (total["posts"], total["posts_with_card"], total["card_coverage"]) == (3, 1, round(1 / 3, 4))
    daily = {"due": 93, "done": 15, "late": 1, "rate": round(16 / 93, 4), "on_time_rate": round(15 / 93, 4)}
    assert total["checks"]["daily"] == daily
    assert (total["hazards_found"], total["hazards_closed"], total["hazards_overdue"]) == (2, 1, 0)
    assert (total["drills_month"], total["drills_year"], total["drills_up_to_date"]) == (1, 2, 1)
    assert body["targets"] == {  # reports.targets, with the seed items in the README's table
        "card_coverage": 1.0,
        "check_completion": 1.0,
        "rectification_rate": 1.0,
        "awareness_rate": 0.8,
        "certified_rate": 1.0,
    }


@pytest.mark.parametrize("group_by", ["enterprise", "region"])
def test_the_fast_body_is_the_documented_one(world, archive, group_by):
    with time_machine.travel(NOW, tick=False):
        stats = stats_for(Person.objects.get(pk=world.regulator.pk), month="2024-07", group_by=group_by)
    assert json.loads(json.dumps(stats_payload(stats))) == json.loads(json.dumps(StatsSerializer(stats).data))


def test_the_endpoint_writes_the_same_json_as_the_standard_library_and_leaves_the_collector_on(api, world, archive):
    """The statistics are written by orjson with the cyclic collector paused while they are built: the
    bytes parse to what json writes of the same body, tier keys as their values, and the collector is
    on again after an answer and after a refusal."""
    import gc

    response = get(api, world.regulator, month="2024-07")
    assert response.status_code == 200 and gc.isenabled()
    with time_machine.travel(NOW, tick=False):
        stats = stats_for(Person.objects.get(pk=world.regulator.pk), month="2024-07")
    assert json.loads(response.content) == json.loads(json.dumps(stats_payload(stats)))
    assert set(json.loads(response.content)["total"]["checks"]) == {"daily", "weekly", "monthly", "quarterly"}
    assert get(api, world.regulator, month="July").status_code == 400 and gc.isenabled()


def test_the_current_month_counts_only_the_periods_begun_so_far(api, world, archive):
    f = by_id(get(api, world.officer).json())[world.enterprise.id]["figures"]  # month defaults to August
    assert f["posts_with_card"] == 2  # post2's card was published on 2 August
    daily = {"due": 20, "done": 1, "late": 0, "rate": 0.05, "on_time_rate": 0.05}
    assert f["checks"]["daily"] == daily  # 1..10 August, 2 posts
    weekly = {"due": 1, "done": 0, "late": 0, "rate": 0.0, "on_time_rate": 0.0}
    assert f["checks"]["weekly"] == weekly  # W32 began on 5 August
    assert (f["hazards_found"], f["hazards_overdue"], f["major_hazards_open"]) == (1, 1, 2)
    assert (f["spot_checks"], f["questions"], f["correct_answers"]) == (1, 10, 2)
    assert f["drills_month"] == 0 and f["drills_up_to_date"] == 1


def test_the_month_defaults_to_the_current_one_in_beijing_time(api, world, archive):
    with time_machine.travel(datetime(2024, 7, 31, 16, 30, tzinfo=UTC), tick=False):
        body = api.as_(world.regulator).get(STATS).json()
    assert body["month"] == "2024-08"


def test_rows_by_region_drill_down_from_the_city_to_its_districts(api, world, archive):
    body = get(api, world.regulator, month="2024-07", group_by="region", region=archive.city.id).json()
    assert [(r["kind"], r["code"], r["name"]) for r in body["rows"]] == [
        ("region", "420703", "华容区"),
        ("region", "420704", "鄂城区"),
    ]
    rows = {r["code"]: r["figures"] for r in body["rows"]}
    assert rows["420704"]["enterprises"] == 2 and rows["420703"]["enterprises"] == 1
    assert rows["420704"]["checks"]["daily"]["due"] == 93
    assert body["total"]["enterprises"] == 3 and body["region"] == archive.city.id

    # Drill down into 鄂城区: only its enterprises.
    body = get(api, world.regulator, month="2024-07", group_by="region", region=archive.district.id).json()
    assert [r["code"] for r in body["rows"]] == ["420704"]
    assert body["total"]["enterprises"] == 2
    body = get(api, world.regulator, month="2024-07", region=archive.other_district.id).json()
    assert [r["id"] for r in body["rows"]] == [archive.third.id]


def test_rows_by_industry_and_a_filter_on_one_industry(api, world, archive):
    body = get(api, world.regulator, month="2024-07", group_by="industry").json()
    rows = {r["code"]: r["figures"] for r in body["rows"]}
    assert set(rows) == {"C26", "C34"}
    assert rows["C26"]["enterprises"] == 1 and rows["C34"]["enterprises"] == 2
    c34 = world.other_enterprise.industry
    body = get(api, world.regulator, month="2024-07", industry=c34.id).json()
    assert {r["id"] for r in body["rows"]} == {world.other_enterprise.id, archive.third.id}


def test_a_regulator_out_of_scope_sees_nothing_and_no_enterprise_of_it(api, world, archive):
    body = get(api, world.far_regulator, month="2024-07").json()
    assert body["rows"] == [] and body["total"]["enterprises"] == 0 and body["total"]["card_coverage"] is None
    response = get(api, world.far_regulator, enterprise=world.enterprise.id)
    assert response.status_code == 404 and response.json()["field"] == "enterprise"
    body = get(api, world.far_regulator, region=archive.city.id).json()
    assert body["rows"] == []


def test_a_regulator_of_one_industry_sees_only_it(api, world, archive):
    scoped = factories.RegulatorScopeFactory(region=archive.city, industry=world.enterprise.industry).person
    body = get(api, scoped, month="2024-07").json()
    assert [r["id"] for r in body["rows"]] == [world.enterprise.id]


def test_managers_see_their_own_enterprise_and_workers_are_refused(api, world, archive):
    body = get(api, world.officer, month="2024-07").json()
    assert [r["id"] for r in body["rows"]] == [world.enterprise.id]
    assert get(api, world.officer, enterprise=world.other_enterprise.id).status_code == 404
    assert get(api, world.officer, enterprise=world.enterprise.id).status_code == 200

    response = get(api, world.worker, month="2024-07")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    # A worker here and a principal elsewhere reads the other enterprise only; asking for this one is 403.
    factories.MembershipFactory(person=world.worker, enterprise=world.other_enterprise, role=Role.PRINCIPAL)
    assert [r["id"] for r in get(api, world.worker).json()["rows"]] == [world.other_enterprise.id]
    assert get(api, world.worker, enterprise=world.enterprise.id).status_code == 403
    assert get(api, None).status_code == 401


@pytest.mark.parametrize(
    "query, field",
    [
        ({"month": "2024-13"}, "month"),
        ({"month": "2024-7"}, "month"),
        ({"month": "July"}, "month"),
        ({"group_by": "city"}, "group_by"),
        ({"region": "abc"}, "region"),
        ({"region": 999999}, "region"),
        ({"industry": 999999}, "industry"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, world, query, field):
    response = get(api, world.regulator, **query)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field


def _grow(world, n: int) -> None:
    """Give `n` more enterprises in scope a post, a card, templates, checks, hazards, spot-checks, drills."""
    for i in range(n):
        enterprise = factories.EnterpriseFactory(region=world.enterprise.region)
        post = factories.PostFactory(enterprise=enterprise)
        publish(post, bj(2024, 7, 1, 9))
        template = factories.TemplateFactory(enterprise=enterprise, posts=[post])
        factories.InspectionFactory(post=post, template=template, at=bj(2024, 7, 2, 8))
        factories.HazardFactory(enterprise=enterprise, found_at=bj(2024, 7, 3, 8))
        factories.SpotCheckFactory(enterprise=enterprise, finished_at=bj(2024, 7, 4, 8))
        factories.DrillFactory(enterprise=enterprise, done_on=date(2024, 7, 5))
        if i % 2:
            enterprise.timezone = "Asia/Urumqi"  # a second zone: still the same queries
            enterprise.save()


@pytest.mark.parametrize("group_by", ["enterprise", "region", "industry"])
def test_statistics_take_a_constant_number_of_queries(api, world, django_assert_max_num_queries, group_by):
    for grown, expected in ((0, 2), (18, 20)):
        _grow(world, grown)
        assert Enterprise.objects.count() == expected
        client = api.as_(world.regulator)
        # 18: the caller's memberships and scopes (2), its regions one tree level at a time (2), all
        # regions and industries (2), the time zones changed since (1), the enterprises (1), then one
        # query per kind of figure (7), the templates applied for part of the month (1) and the risk
        # register's points and controls (2, risks.selectors.risk_figures).
        with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(18):
            response = client.get(STATS, {"month": "2024-07", "group_by": group_by})
        assert response.status_code == 200
        assert response.json()["total"]["enterprises"] == expected


def test_the_workbook_reads_back_with_the_same_figures_and_wide_enough_columns(api, world, archive):
    with time_machine.travel(NOW, tick=False):
        response = api.as_(world.regulator).get("/api/v1/stats.xlsx", {"month": "2024-07"})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="stats-2024-07.xlsx"' in response["Content-Disposition"]
    book = openpyxl.load_workbook(BytesIO(response.content))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[2]
    assert header[:4] == ("名称", "代码", "行政区划代码", "行业代码")
    lines = {row[0]: dict(zip(header, row, strict=True)) for row in rows[3:]}
    mine = lines[world.enterprise.name]
    assert mine["岗位数"] == 2 and mine["明白卡覆盖率"] == 0.5
    assert mine["日管控应检"] == 62 and mine["日管控按时完成"] == 15 and mine["日管控补录"] == 1
    assert mine["整改率"] == 0.5 and mine["应知应会知晓率"] == 0.8
    assert lines[world.other_enterprise.name]["整改率"] is None  # nothing found: no rate
    total = lines["合计"]
    assert total["企业数"] == 3 and total["日管控应检"] == 93
    assert sheet.cell(row=4, column=header.index("明白卡覆盖率") + 1).number_format == "0.0%"
    # Column widths: at least the widest cell, counting Chinese characters as two.
    for index, title in enumerate(header, start=1):
        cells = [str(row[index - 1]) for row in rows[2:] if row[index - 1] is not None]
        widest = max(display_width(text) for text in cells + [title])
        assert column_width(sheet, index) >= widest, title
    assert column_width(sheet, 1) >= display_width(world.enterprise.name) > len(world.enterprise.name)


def column_width(sheet, index: int) -> float:
    """The width of the 1-based column; adjacent columns of one width are stored as one range."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min <= index <= dimension.max:
            return dimension.width
    raise AssertionError(f"column {index} has no width set")


def test_the_workbook_is_also_served_with_format_xlsx_and_errors_stay_json(api, world, archive):
    with time_machine.travel(NOW, tick=False):
        response = api.as_(world.regulator).get(STATS, {"month": "2024-07", "format": "xlsx", "group_by": "region"})
        assert response.status_code == 200
        rows = list(openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
        assert rows[2][:2] == ("名称", "代码") and [row[0] for row in rows[3:]] == ["华容区", "鄂城区", "合计"]
        bad = api.as_(world.regulator).get("/api/v1/stats.xlsx", {"month": "2024-99"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/json"
    assert bad.json()["field"] == "month"


def test_weeks_count_in_the_month_of_their_monday_and_quarters_in_their_first_month():
    from checklists.periods import month_period, periods_starting_in

    def in_month(kind, year, month):
        return periods_starting_in(kind, month_period(year, month, BEIJING))

    keys = lambda kind, year, month: [p.key for p in in_month(kind, year, month)]  # noqa: E731
    assert keys("weekly", 2024, 12) == ["2024-W49", "2024-W50", "2024-W51", "2024-W52", "2025-W01"]
    assert keys("weekly", 2025, 1) == ["2025-W02", "2025-W03", "2025-W04", "2025-W05"]
    assert keys("quarterly", 2024, 7) == ["2024-Q3"] and keys("quarterly", 2024, 9) == []
    assert len(keys("daily", 2024, 2)) == 29 and keys("monthly", 2024, 2) == ["2024-02"]
    first = in_month("daily", 2024, 8)[0]
    assert first.start == datetime(2024, 7, 31, 16, 0, tzinfo=UTC)  # 00:00 on 1 August in Beijing


def test_holders_of_a_post_that_requires_a_certificate_without_a_valid_one_lower_the_certified_rate(api, world):
    kind = CertificateKind.objects.get(code="SO-09")
    world.post.required_certificate_kinds.add(kind)
    certified, expired = factories.PersonFactory(), factories.PersonFactory()
    world.post.holders.add(certified, expired)
    for person in (certified, world.worker):  # the world's worker holds the post already
        factories.CertificateFactory(enterprise=world.enterprise, person=person, kind=kind)
    factories.CertificateFactory(  # expired before the end of July: missing for July
        enterprise=world.enterprise, person=expired, kind=kind, expires_on=date(2024, 7, 15)
    )
    with time_machine.travel(NOW, tick=False):
        total = api.as_(world.regulator).get(STATS, {"month": "2024-07"}).json()["total"]
        june = api.as_(world.regulator).get(STATS, {"month": "2024-06"}).json()["total"]
    assert (total["certificates_required"], total["certificates_missing"], total["certified_rate"]) == (3, 1, 0.6667)
    assert (june["certificates_missing"], june["certified_rate"]) == (0, 1.0)
