"""Issue 11, accounts: people belong to their enterprise, one username rule, the time zone.

Every attack here goes through the real API (an APIClient through the URLs)."""

from datetime import timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import load_workbook

from cards import services as card_services
from core.exports import XLSX_MEDIA_TYPE
from orgs import models as orgs_models
from orgs.models import CertificateKind, Enterprise, Membership, Person, Role
from reports import services as report_services
from tests import factories

MEMBERS = "/api/v1/members/"
NEW = {"name": "张三", "phone": "13800000000", "password": "a-long-password"}


@pytest.fixture
def principal(world):
    return factories.MembershipFactory(enterprise=world.enterprise, role=Role.PRINCIPAL).person


@pytest.fixture
def staff(db):
    return factories.PersonFactory(username="platform-staff", is_staff=True, name="平台运维", phone="13900000009")


@pytest.fixture
def superuser(db):
    return factories.PersonFactory(username="root", is_superuser=True, is_staff=True)


def attach(api, by, enterprise, username, **fields):
    body = {"enterprise": enterprise.id, "role": "worker", "username": username, **fields}
    return api.as_(by).post(MEMBERS, body, format="json")


def with_phone(person, phone):
    Person.objects.filter(pk=person.pk).update(phone=phone)
    person.refresh_from_db()
    return person


# ---------------------------------------------------------------------------------------------
# 1. Account takeover by username


@pytest.mark.parametrize("who", ["regulator", "outsider", "staff"])
def test_a_principal_cannot_attach_someone_who_belongs_elsewhere(api, world, principal, staff, who):
    person = with_phone(staff if who == "staff" else getattr(world, who), "13900000001")
    response = attach(api, principal, world.enterprise, person.username)
    assert response.status_code == 400, response.content
    assert person.name not in response.content.decode() and "13900000001" not in response.content.decode()
    assert not Membership.objects.filter(person=person, enterprise=world.enterprise).exists()


def test_an_unknown_and_an_outside_username_get_byte_identical_answers(api, world, principal, staff):
    def answers(**fields):
        got = [attach(api, principal, world.enterprise, name, **fields) for name in ("nobody-here", *outside)]
        return {(r.status_code, r.content) for r in got}

    outside = (world.regulator.username, world.outsider.username, staff.username)
    before = Membership.objects.count()
    only_username = answers()
    assert len(only_username) == 1 and next(iter(only_username))[0] == 400, only_username
    assert len(answers(name="张三")) == 1
    assert len(answers(phone="13800000000")) == 1
    assert Membership.objects.count() == before


def test_creating_a_person_with_a_username_taken_elsewhere_changes_nobody(api, world, principal):
    free = factories.PersonFactory(username="free-person")
    taken_elsewhere = attach(api, principal, world.enterprise, world.outsider.username, **NEW)
    taken_by_free = attach(api, principal, world.enterprise, free.username, **NEW)
    body = taken_elsewhere.json()
    assert (taken_elsewhere.status_code, body["code"], body["field"]) == (400, "username_taken", "username")
    assert taken_elsewhere.content == taken_by_free.content
    world.outsider.refresh_from_db()
    assert world.outsider.name != "张三" and world.outsider.check_password(factories.PASSWORD)
    assert not Membership.objects.filter(person=world.outsider, enterprise=world.enterprise).exists()


def test_a_person_who_belongs_nowhere_may_be_attached(api, world, principal):
    free = factories.PersonFactory(username="free-person")
    response = attach(api, principal, world.enterprise, free.username)
    assert response.status_code == 201, response.content
    assert response.json()["person"]["id"] == free.id


def test_a_regulator_made_a_worker_keeps_the_regulators_full_read(api, world):
    """The API refuses the attach now; the data may still say so (the admin, an old row)."""
    e = world.enterprise
    factories.MembershipFactory(person=world.regulator, enterprise=e, role=Role.WORKER)
    officer = Person.objects.get(pk=world.officer.pk)
    certificate = factories.CertificateFactory(enterprise=e, person=world.worker)
    card = factories.CardFactory(post=world.post)
    card_services.card_publish(card=card, by=None)
    factories.QuestionFactory(card=card)
    spot_check = card_services.spot_check_start(by=officer, person=world.worker, enterprise=e, count=1)
    today = timezone.now().astimezone(ZoneInfo(e.timezone)).date()
    review = report_services.daily_review_sign(by=officer, enterprise=e, day=today - timedelta(days=1))
    week = (today - timedelta(days=7)).isocalendar()
    weekly, _ = report_services.weekly_report_generate(by=None, enterprise=e, week=f"{week[0]}-W{week[1]:02d}")
    last_month = today.replace(day=1) - timedelta(days=1)
    dispatch, _ = report_services.dispatch_generate(by=None, enterprise=e, month=f"{last_month:%Y-%m}")

    def ids(url):
        response = api.as_(world.regulator).get(url)
        assert response.status_code == 200, (url, response.content)
        return {row["id"] for row in response.json()["results"]}

    assert certificate.id in ids("/api/v1/certificates/")
    assert spot_check.id in ids("/api/v1/spot-checks/")
    assert review.id in ids("/api/v1/reviews/daily/")
    assert weekly.id in ids("/api/v1/reports/weekly/")
    assert dispatch.id in ids("/api/v1/dispatches/")
    for url in (
        f"/api/v1/certificates/{certificate.id}/",
        f"/api/v1/spot-checks/{spot_check.id}/",
        f"/api/v1/reviews/daily/{review.id}/",
        f"/api/v1/reports/weekly/{weekly.id}/",
        f"/api/v1/dispatches/{dispatch.id}/",
        f"/api/v1/reviews/daily/log/?enterprise={e.id}&date={(today - timedelta(days=1)).isoformat()}",
        f"/api/v1/stats/?enterprise={e.id}",
    ):
        assert api.as_(world.regulator).get(url).status_code == 200, url


# Onboarding: a workbook never edits a person who belongs elsewhere.


def import_url(enterprise):
    return f"/api/v1/enterprises/{enterprise.id}/onboarding/"


def people_book(api, person, rows):
    response = api.as_(person).get("/api/v1/onboarding/template.xlsx")
    book = load_workbook(BytesIO(response.content))
    sheet = book["人员"]
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def upload(api, person, enterprise, data):
    file = SimpleUploadedFile("导入.xlsx", data, content_type=XLSX_MEDIA_TYPE)
    return api.as_(person).post(import_url(enterprise), {"file": file}, format="multipart")


def test_an_import_listing_the_regulator_neither_attaches_nor_edits_them(api, world, principal):
    regulator = with_phone(world.regulator, "13900000001")
    name = regulator.name
    data = people_book(api, principal, [[regulator.username, "改名", "13000000000", "作业人员", None, None]])
    for _attempt in range(2):  # the second import used to edit the (by then) member
        response = upload(api, principal, world.enterprise, data)
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["code"] == "invalid_workbook"
        assert name not in response.content.decode() and "13900000001" not in response.content.decode()
    regulator.refresh_from_db()
    assert (regulator.name, regulator.phone) == (name, "13900000001")
    assert not Membership.objects.filter(person=regulator).exists()


def test_an_import_answers_an_outside_username_as_an_unknown_one(api, world, principal, staff):
    def problems(username, *rest):
        data = people_book(
            api, principal, [[principal.username, None, None, "主要负责人", None, None], [username, *rest]]
        )
        response = upload(api, principal, world.enterprise, data)
        assert response.status_code == 400, response.content
        return response.json()["errors"]

    for rest in ([None, None, "作业人员", None, None], ["改名", "13000000000", "作业人员", None, None]):
        unknown = problems("nobody-here", *rest)
        for username in (world.regulator.username, world.outsider.username, staff.username):
            assert problems(username, *rest) == unknown
    taken = problems(world.outsider.username, "改名", None, "作业人员", None, "Init-Pass-2024")
    assert [(e["field"], e["column"]) for e in taken] == [("人员!A3", "用户名")]
    world.outsider.refresh_from_db()
    assert world.outsider.name != "改名"
    assert not Membership.objects.filter(person=world.outsider, enterprise=world.enterprise).exists()


# ---------------------------------------------------------------------------------------------
# 2. Certificates recorded by one enterprise never satisfy another's rule


def test_a_certificate_recorded_by_another_enterprise_does_not_close_the_gap(api, world):
    kind = CertificateKind.objects.get(code="SO-09")
    world.other_post.required_certificate_kinds.add(kind)
    factories.CertificateFactory(enterprise=world.enterprise, person=world.outsider, kind=kind)  # enterprise 1's
    token = factories.QrTokenFactory(post=world.other_post)
    scan = api.as_(world.outsider).get(f"/api/v1/scan/{token.token}/")
    assert scan.status_code == 200 and scan.json()["certificate_missing"] == [kind.name], scan.content
    stats = api.as_(world.regulator).get("/api/v1/stats/", {"enterprise": world.other_enterprise.id})
    total = stats.json()["total"]
    assert (total["certificates_required"], total["certificates_missing"]) == (1, 1), total
    factories.CertificateFactory(enterprise=world.other_enterprise, person=world.outsider, kind=kind)  # its own
    assert api.as_(world.outsider).get(f"/api/v1/scan/{token.token}/").json()["certificate_missing"] == []
    stats = api.as_(world.regulator).get("/api/v1/stats/", {"enterprise": world.other_enterprise.id})
    assert stats.json()["total"]["certificates_missing"] == 0


# ---------------------------------------------------------------------------------------------
# 12. Usernames and passwords


@pytest.mark.parametrize("username", ["a b<img src=x>/..", "w\u043erker", "张三", "ｗｏｒｋｅｒ", "a" * 151])
def test_the_members_api_refuses_a_username_the_import_refuses(api, world, principal, username):
    response = attach(api, principal, world.enterprise, username, **NEW)
    assert response.status_code == 400 and response.json()["field"] == "username", response.content
    assert not Person.objects.filter(name="张三").exists()
    admin_row = [principal.username, None, None, "主要负责人", None, None]
    data = people_book(api, principal, [admin_row, [username, "张三", None, "作业人员", None, "Init-Pass-2024"]])
    errors = upload(api, principal, world.enterprise, data).json()["errors"]
    assert [e["field"] for e in errors] == ["人员!A3"]


def test_usernames_are_unique_ignoring_case(api, world, principal):
    factories.PersonFactory(username="worker")
    response = attach(api, principal, world.enterprise, "Worker", **NEW)
    assert response.status_code == 400 and response.json()["code"] == "username_taken", response.content
    assert not Person.objects.filter(username="Worker").exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(username="WORKER")


def test_login_ignores_the_case_of_the_username(api, world):
    factories.PersonFactory(username="lisi")
    response = api.post("/api/v1/auth/token/", {"username": "LiSi", "password": factories.PASSWORD})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("password", ["password123", "13800138000123", "zhangsan2024!"])
def test_common_numeric_and_look_alike_passwords_are_refused(api, world, principal, password):
    response = attach(api, principal, world.enterprise, "zhangsan2024", **(NEW | {"password": password}))
    assert response.status_code == 400 and response.json()["field"] == "password", response.content
    assert not Person.objects.filter(username="zhangsan2024").exists()


def test_the_admin_refuses_a_bad_username_and_one_taken_in_another_case(client, world, superuser):
    client.force_login(superuser)
    body = {"name": "某", "password1": "a-long-password", "password2": "a-long-password", "usable_password": "true"}
    for username in ("w\u043erker", "ROOT"):
        response = client.post("/admin/orgs/person/add/", body | {"username": username})
        assert response.status_code == 200  # the form again, with its error
    assert not Person.objects.filter(name="某").exists()
    assert client.post("/admin/orgs/person/add/", body | {"username": "worker"}).status_code == 302


# ---------------------------------------------------------------------------------------------
# 8b. The time zone decides every period: platform staff only, and recorded


def test_a_principal_cannot_change_the_time_zone(api, world, principal):
    url = f"/api/v1/enterprises/{world.enterprise.id}/"
    response = api.as_(principal).patch(url, {"timezone": "Asia/Urumqi"}, format="json")
    assert response.status_code == 403 and response.json()["field"] == "timezone", response.content
    assert Enterprise.objects.get(pk=world.enterprise.pk).timezone == "Asia/Shanghai"
    assert not orgs_models.EnterpriseTimezoneChange.objects.exists()
    same = api.as_(principal).patch(url, {"timezone": "Asia/Shanghai", "name": "新名称"}, format="json")
    assert same.status_code == 200, same.content


def test_a_superusers_time_zone_change_is_recorded(api, world, superuser):
    url = f"/api/v1/enterprises/{world.enterprise.id}/"
    response = api.as_(superuser).patch(url, {"timezone": "Asia/Urumqi"}, format="json")
    assert response.status_code == 200, response.content
    change = orgs_models.EnterpriseTimezoneChange.objects.get()
    assert (change.enterprise, change.old, change.new, change.changed_by) == (
        world.enterprise,
        "Asia/Shanghai",
        "Asia/Urumqi",
        superuser,
    )
    assert change.changed_at is not None
    model_admin = admin.site._registry[orgs_models.EnterpriseTimezoneChange]
    assert not model_admin.has_add_permission(None) and not model_admin.has_change_permission(None)
