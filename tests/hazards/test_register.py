from datetime import UTC, datetime, timedelta

import time_machine

from hazards import services
from hazards.models import Hazard
from orgs.models import Role
from tests import factories
from tests.hazards.conftest import (
    HAZARDS,
    assert_error,
    assign,
    chemical_clause,
    fresh,
    hazard_url,
    report,
    submit,
    upload_photo,
)

T0 = datetime(2024, 7, 3, 1, 0, tzinfo=UTC)  # 09:00 in Beijing


def ids(response) -> list[int]:
    assert response.status_code == 200, response.data
    return [row["id"] for row in response.data["results"]]


def assign_until(hazard, world, deadline: datetime) -> Hazard:
    return services.hazard_assign(hazard=hazard, by=fresh(world.officer), responsible=world.worker, deadline=deadline)


# ---------------------------------------------------------------------------------------------
# Overdue and the default order


def test_overdue_is_derived_from_the_deadline_and_ends_when_the_hazard_closes(api, world, staff):
    with time_machine.travel(T0):
        hazard = assign_until(report(world), world, T0 + timedelta(days=1))
        assert api.as_(world.officer).get(hazard_url(hazard)).data["overdue"] is False
    with time_machine.travel(T0 + timedelta(days=1, seconds=1)):
        assert api.as_(world.officer).get(hazard_url(hazard)).data["overdue"] is True
        assert Hazard.objects.get(pk=hazard.pk).is_overdue is True
        assert api.as_(world.officer).get(HAZARDS).data["results"][0]["overdue"] is True
        submit(api, hazard, by=world.worker)
        services.hazard_accept(hazard=hazard, by=fresh(world.officer))
        assert api.as_(world.officer).get(hazard_url(hazard)).data["overdue"] is False
        assert Hazard.objects.get(pk=hazard.pk).is_overdue is False


def test_the_register_lists_overdue_first_then_major_then_the_nearest_deadline_then_the_newest(api, world, staff):
    with time_machine.travel(T0):
        general_old = report(world)
        general_new = report(world)
        major_no_deadline = report(world, grade="major")
        general_in_2_days = assign_until(report(world), world, T0 + timedelta(days=2))
        general_in_1_day = assign_until(report(world), world, T0 + timedelta(days=1))
        major_in_5_days = assign_until(report(world, grade="major"), world, T0 + timedelta(days=5))
        major_in_2_days = assign_until(report(world, grade="major"), world, T0 + timedelta(days=2))
        major_closed = assign_until(report(world, grade="major"), world, T0 + timedelta(days=1))
        submit(api, major_closed, by=world.worker)
        services.hazard_accept(hazard=major_closed, by=fresh(world.officer))
    with time_machine.travel(T0 + timedelta(days=3)):
        response = api.as_(world.officer).get(HAZARDS)
        assert ids(response) == [
            major_in_2_days.id,  # overdue, major
            general_in_1_day.id,  # overdue, general, the older deadline
            general_in_2_days.id,
            major_closed.id,  # closed is never overdue: with the majors, by deadline
            major_in_5_days.id,
            major_no_deadline.id,  # no deadline comes last
            general_new.id,  # then the newest first
            general_old.id,
        ]
        assert [row["overdue"] for row in response.data["results"]] == [True] * 3 + [False] * 5
        overdue = ids(api.as_(world.officer).get(HAZARDS, {"overdue": "true"}))
        assert overdue == [major_in_2_days.id, general_in_1_day.id, general_in_2_days.id]
        assert len(ids(api.as_(world.officer).get(HAZARDS, {"overdue": "false"}))) == 5


def test_the_register_is_listed_in_a_constant_number_of_queries(api, world, staff, django_assert_max_num_queries):
    def listed_in_queries() -> int:
        api.as_(world.officer)
        with django_assert_max_num_queries(4) as captured:
            response = api.get(HAZARDS)
        assert response.status_code == 200
        return len(captured)

    def add_hazards(n):
        for i in range(n):
            photo = upload_photo(api, world.worker)
            hazard = report(world, grade="major" if i % 2 else "general", post=world.post, photos=[photo])
            assign(hazard, by=world.officer, responsible=world.worker)

    add_hazards(2)
    few = listed_in_queries()
    add_hazards(10)
    many = listed_in_queries()
    # Regulator scopes, roles, the page count and the page with its people and posts joined in.
    assert few == many == 4
    assert api.as_(world.officer).get(HAZARDS).data["count"] == 12


def test_a_hazard_is_shown_in_a_constant_number_of_queries(api, world, staff, django_assert_max_num_queries):
    hazard = report(world, photos=[upload_photo(api, world.worker)])
    assign(hazard, by=world.officer, responsible=world.worker)
    shown = []  # (events, queries) after each round of submit and reject
    for _ in range(3):
        submit(api, hazard, by=world.worker)
        services.hazard_reject(hazard=hazard, by=fresh(world.officer), note="不合格")
        api.as_(world.officer)
        # Roles, regulator scopes, the hazard (with its clause and supervision), its photos, its events
        # with actors, the events' photos, its plans.
        with django_assert_max_num_queries(7) as captured:
            response = api.get(hazard_url(hazard))
        shown.append((len(response.data["events"]), len(captured)))
    assert [events for events, _queries in shown] == [4, 6, 8]
    assert len({queries for _events, queries in shown}) == 1


# ---------------------------------------------------------------------------------------------
# The detail and the list


def test_the_detail_shows_the_plan_the_photos_and_every_event(api, world, staff):
    photo = upload_photo(api, world.worker)
    hazard = report(
        world,
        grade="major",
        post=world.post,
        location="二号仓库东门",
        description="可燃气体报警器失效",
        basis="应急管理部令第10号 第二条",
        photos=[photo],
    )
    assign(hazard, by=world.officer, responsible=world.worker, measures="更换报警器", rectification_mode="by_deadline")
    body = api.as_(world.officer).get(hazard_url(hazard)).data
    assert body["enterprise"] == world.enterprise.id and body["enterprise_name"] == world.enterprise.name
    assert body["post"] == world.post.id and body["post_name"] == world.post.name
    assert body["location"] == "二号仓库东门" and body["grade"] == "major" and body["source"] == "ad_hoc"
    assert body["description"] == "可燃气体报警器失效" and body["basis"] == "应急管理部令第10号 第二条"
    assert body["status"] == "rectifying" and body["escalation_level"] == 0 and body["overdue"] is False
    assert body["measures"] == "更换报警器" and body["rectification_mode"] == "by_deadline"
    assert body["found_by"] == {"id": world.worker.id, "name": world.worker.name}
    assert body["responsible"] == {"id": world.worker.id, "name": world.worker.name}
    assert body["deadline"] and body["found_at"] and body["closed_at"] is None
    assert body["inspection"] is None and body["inspection_result"] is None
    assert [p["id"] for p in body["photos"]] == [photo]
    assert set(body["photos"][0]) == {"id", "image", "thumbnail", "display", "sha256", "taken_at"}
    report_event, assign_event = body["events"]
    assert report_event["action"] == "report" and [p["id"] for p in report_event["photos"]] == [photo]
    assert set(assign_event) == {"action", "from_status", "to_status", "actor", "at", "note", "photos"}


def test_the_photo_links_of_a_hazard_open_for_its_readers_and_no_one_else(api, world, staff):
    """Before, a hazard's photo links were /media/ paths that nothing serves in production (issue 17)."""
    photo = upload_photo(api, world.worker)
    hazard = report(world, photos=[photo])
    links = api.as_(world.officer).get(hazard_url(hazard)).data["photos"][0]
    for key in ("display", "thumbnail"):
        answer = api.get(links[key])
        assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg", key
        assert answer.content.startswith(b"\xff\xd8")  # a JPEG
    original = api.get(links["image"])
    assert original.status_code == 200 and b"".join(original.streaming_content).startswith(b"\xff\xd8")
    outsider = factories.PersonFactory(username="outsider-photo")
    for key in ("display", "thumbnail", "image"):
        assert api.as_(outsider).get(links[key]).status_code == 404, key


def test_a_person_without_a_name_is_shown_by_login(api, world, staff):
    world.worker.name = ""
    world.worker.save(update_fields=["name"])
    hazard = report(world)
    assert api.as_(world.officer).get(hazard_url(hazard)).data["found_by"]["name"] == world.worker.username


def test_the_register_filters_by_enterprise_post_status_grade_responsible_and_source(api, world, staff):
    other_post = factories.PostFactory(enterprise=world.enterprise)
    at_post = report(world, post=world.post)
    elsewhere = report(world, grade="major", post=other_post)
    assigned = assign(report(world), by=world.officer, responsible=staff.director)
    by_regulator = report(world, by=world.regulator)
    officer = api.as_(world.officer)

    def listed(**query):
        return sorted(ids(api.as_(world.officer).get(HAZARDS, query)))

    everything = sorted([at_post.id, elsewhere.id, assigned.id, by_regulator.id])
    assert listed() == everything
    assert listed(enterprise=world.enterprise.id) == everything
    assert listed(enterprise=world.other_enterprise.id) == []
    assert listed(post=world.post.id) == [at_post.id]
    assert listed(status="rectifying") == [assigned.id]
    assert listed(grade="major") == [elsewhere.id]
    assert listed(responsible=staff.director.id) == [assigned.id]
    assert listed(source="regulator") == [by_regulator.id]
    assert listed(source="ad_hoc", grade="general") == sorted([at_post.id, assigned.id])
    assert_error(officer.get(HAZARDS, {"status": "done"}), 400, "status")


def test_a_regulator_reads_the_register_of_every_enterprise_in_scope(api, world, staff):
    mine = report(world)
    theirs = services.hazard_report(
        by=fresh(world.outsider),
        data={"enterprise": world.other_enterprise, "grade": "general", "description": "叉车无证驾驶"},
    )
    assert sorted(ids(api.as_(world.regulator).get(HAZARDS))) == sorted([mine.id, theirs.id])
    assert ids(api.as_(world.officer).get(HAZARDS)) == [mine.id]
    assert ids(api.as_(world.outsider).get(HAZARDS)) == [theirs.id]
    assert ids(api.as_(world.far_regulator).get(HAZARDS)) == []


# ---------------------------------------------------------------------------------------------
# Reporting


def test_a_report_stores_the_photos_and_defaults_the_location_to_the_posts(api, world):
    world.post.location = "一号车间"
    world.post.save(update_fields=["location"])
    photo = upload_photo(api, world.worker)
    response = api.as_(world.worker).post(
        HAZARDS,
        {
            "enterprise": world.enterprise.id,
            "post": world.post.id,
            "grade": "general",
            "description": "灭火器过期",
            "photos": [photo],
        },
    )
    assert response.status_code == 201, response.data
    assert response.data["location"] == "一号车间"
    assert [p["id"] for p in response.data["photos"]] == [photo]
    assert response.data["events"][0]["action"] == "report"
    assert [p["id"] for p in response.data["events"][0]["photos"]] == [photo]
    stored = Hazard.objects.get(pk=response.data["id"])
    assert stored.found_by == world.worker and list(stored.photos.values_list("id", flat=True)) == [photo]


def test_a_major_report_needs_its_basis(api, world):
    body = {"enterprise": world.enterprise.id, "grade": "major", "description": "液氨储罐无泄漏报警"}
    assert_error(api.as_(world.worker).post(HAZARDS, body), 400, "basis")
    body["basis"] = "应急管理部令第10号 第二条第(一)项"  # free text no longer makes a major hazard
    assert_error(api.as_(world.worker).post(HAZARDS, body), 400, "basis")
    del body["basis"]
    body["basis_clause"] = chemical_clause("第五项").id
    response = api.as_(world.worker).post(HAZARDS, body)
    assert response.status_code == 201
    assert response.data["basis"] == "安监总管三〔2017〕121号 第五项"
    assert response.data["basis_clause"]["number"] == "第五项"


def test_a_report_names_each_bad_field(api, world):
    good = {"enterprise": world.enterprise.id, "grade": "general", "description": "地面油污"}
    worker = api.as_(world.worker)
    assert_error(worker.post(HAZARDS, {**good, "grade": "minor"}), 400, "grade")
    assert_error(worker.post(HAZARDS, {**good, "description": ""}), 400, "description")
    assert_error(worker.post(HAZARDS, {**good, "post": world.other_post.id}), 400, "post")
    assert_error(worker.post(HAZARDS, {**good, "photos": [999999]}), 400, "photos")
    assert_error(worker.post(HAZARDS, {**good, "photos": ["x"]}), 400, "photos[0]")
    someone_elses = upload_photo(api, world.officer)
    assert_error(api.as_(world.worker).post(HAZARDS, {**good, "photos": [someone_elses]}), 400, "photos")
    assert Hazard.objects.count() == 0


def test_a_post_of_another_enterprise_the_caller_may_see_is_refused(api, world):
    # A regulator sees both enterprises: the post exists for them, but not in the enterprise named.
    body = {"enterprise": world.enterprise.id, "post": world.other_post.id, "grade": "general", "description": "x"}
    assert_error(api.as_(world.regulator).post(HAZARDS, body), 400, "post")
    assert Hazard.objects.count() == 0


def test_an_outsider_reporting_is_told_the_enterprise_does_not_exist(api, world):
    body = {"enterprise": world.enterprise.id, "grade": "general", "description": "x"}
    outsider = assert_error(api.as_(world.outsider).post(HAZARDS, body), 400, "enterprise")
    far = assert_error(api.as_(world.far_regulator).post(HAZARDS, body), 400, "enterprise")
    missing = assert_error(api.as_(world.outsider).post(HAZARDS, {**body, "enterprise": 999999}), 400, "enterprise")
    assert outsider == far == missing
    assert Hazard.objects.count() == 0


def test_every_role_of_the_enterprise_may_report(api, world):
    for role in Role.values:
        person = factories.MembershipFactory(enterprise=world.enterprise, role=role).person
        body = {"enterprise": world.enterprise.id, "grade": "general", "description": f"{role} 发现"}
        response = api.as_(person).post(HAZARDS, body)
        assert response.status_code == 201 and response.data["source"] == "ad_hoc"
    assert Hazard.objects.count() == len(Role.values)
