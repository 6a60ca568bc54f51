import uuid
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from cards.models import Card, CardVersion
from checklists.models import ChecklistTemplate, ItemKind, Tier
from orgs.models import Enterprise, Membership, Person, PostQrToken, Region, RegulatorScope
from qr.management.commands.seed_demo import DEMO_PASSWORD

LOGINS = {  # API.md "Demo data"
    "worker": "worker",
    "officer": "safety_officer",
    "director": "safety_director",
    "principal": "principal",
    "admin": "admin",
    "worker2": "worker",
    "officer2": "safety_officer",
    "director2": "safety_director",
    "principal2": "principal",
}


def seed() -> str:
    """The base data only: the history (tests/demo/test_demo_history.py) takes seconds to build."""
    out = StringIO()
    call_command("seed_demo", "--no-history", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True  # pytest-django runs tests with DEBUG off
    seed()


def snapshot() -> dict[str, list]:
    """Every row of every table (auto-created m2m tables too), as (pk, all column values)."""
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        columns = [f.attname for f in model._meta.concrete_fields]
        rows[model._meta.label] = list(model.objects.order_by("pk").values_list(*columns))
    return rows


def test_running_it_twice_changes_nothing(seeded):
    before = snapshot()
    output = seed()
    assert snapshot() == before
    assert "created" not in output and "updated" not in output


def test_the_second_run_reports_what_it_kept(seeded):
    output = seed()
    assert "cards                7 kept" in output
    assert "mingbai-demo" in output


@pytest.mark.parametrize(("username", "role"), LOGINS.items())
def test_each_demo_login_has_its_role_and_the_demo_password(seeded, username, role):
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.data
    membership = Membership.objects.get(person__username=username)
    assert membership.role == role
    expected = "鄂州明白机械制造有限公司(演示)" if username.endswith("2") else "鄂州明白化工有限公司(演示)"
    assert membership.enterprise.name == expected


def test_the_regulator_reads_the_whole_city_and_belongs_to_no_enterprise(seeded):
    regulator = Person.objects.get(username="regulator")
    assert regulator.check_password(DEMO_PASSWORD)
    assert not regulator.memberships.exists()
    scope = RegulatorScope.objects.get(person=regulator)
    assert (scope.region.code, scope.region.name, scope.industry) == ("420700", "鄂州市", None)
    response = APIClient()
    response.force_authenticate(regulator)
    listed = response.get("/api/v1/enterprises/").data
    assert listed["count"] == 2


def test_the_admin_login_can_use_the_django_admin(seeded, client):
    admin = Person.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert not Person.objects.filter(is_staff=True).exclude(username="admin").exists()
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200


def test_the_worker_holds_a_post_with_a_published_card_and_a_daily_checklist(seeded):
    worker = Person.objects.get(username="worker")
    post = worker.posts_held.get()
    card = Card.objects.get(post=post)
    version = CardVersion.objects.get(card=card)
    assert version.content == card.content()
    assert [step["title"] for step in version.content["emergency_steps"]] == ["关", "避", "喊", "报", "助"]
    phones = {contact["phone"] for contact in version.content["emergency_contacts"]}
    assert {"119", "120", "0711-3316110"} <= phones

    daily = ChecklistTemplate.objects.get(posts=post, tier=Tier.DAILY)
    items = list(daily.items.filter(active=True))
    assert len(items) >= 5
    assert {ItemKind.CHECK, ItemKind.NUMBER, ItemKind.TEXT, ItemKind.PHOTO} <= {i.kind for i in items}
    gas = next(i for i in items if i.label == "可燃气体浓度")
    assert (gas.min_value, gas.max_value, gas.normal_max, gas.unit) == (0, 100, 25, "%LEL")
    major = [i for i in items if i.hazard_grade_on_fail == "major"]
    assert {i.kind for i in major} == {ItemKind.CHECK, ItemKind.NUMBER}  # SIS bypassed; gas above alarm
    assert any(i.kind == ItemKind.CHECK and i.photo_on_fail for i in major)


def test_the_worker_reads_the_card_and_records_the_daily_check_by_scanning(seeded):
    worker = Person.objects.get(username="worker")
    post = worker.posts_held.get()
    token = PostQrToken.objects.get(post=post, revoked_at__isnull=True)
    daily = ChecklistTemplate.objects.get(posts=post, tier=Tier.DAILY)
    client = APIClient()
    client.force_authenticate(worker)

    card = client.get(f"/api/v1/posts/{post.id}/card/")
    assert card.status_code == 200
    assert card.data["version"] == 1 and card.data["required_certificates"]

    def value(item):  # all well: a zero-risk report (零风险报告) is a record too
        if item.kind == ItemKind.NUMBER:
            return float(item.min_value)
        return {ItemKind.CHECK: "ok", ItemKind.TEXT: "正常", ItemKind.PHOTO: None}[item.kind]

    results = [{"item": i.id, "value": value(i)} for i in daily.items.filter(active=True)]
    scanned = client.post(f"/api/v1/scan/{token.token}/")  # the phone page records the scan once logged in
    assert scanned.status_code == 201
    body = {
        "client_uuid": str(uuid.uuid4()),
        "template": daily.id,
        "post": post.id,
        "scan_token": token.token,
        "scan_event": scanned.data["scan_event"]["id"],
        "started_at": timezone.now().isoformat(),
        "results": results,
    }
    response = client.post("/api/v1/inspections/", body, format="json")
    assert response.status_code == 201, response.data
    assert response.data["on_site"] is True and response.data["summary"]["failed"] == 0


def test_every_post_has_a_published_card_and_an_active_qr_token(seeded):
    cards = Card.objects.all()
    assert cards.count() == 7
    for card in cards:
        assert card.versions.count() == 1
        assert PostQrToken.objects.filter(post=card.post, revoked_at__isnull=True).count() == 1


def test_the_enterprises_carry_valid_credit_codes_regions_and_the_actual_controller(seeded):
    chem = Enterprise.objects.get(industry__code="C26")
    machine = Enterprise.objects.get(industry__code="C34")
    for enterprise in (chem, machine):
        enterprise.full_clean()  # runs the GB 32100 check character validator
    assert chem.is_high_risk and not machine.is_high_risk
    assert chem.region.name == "葛店经开区" and chem.region.parent.code == "420700"
    assert machine.region.code == "420704"
    assert chem.actual_controller_name and chem.actual_controller_phone
    assert chem.actual_controller.username == "principal"
    zones = Region.objects.filter(name__in=["葛店经开区", "临空经济区"], parent__code="420700")
    assert zones.count() == 2


def test_a_draft_edited_back_to_the_published_content_is_not_published_again(seeded):
    card = Card.objects.get(post__holders__username="worker")
    card.duties = ["临时修改"]
    card.save()
    seed()
    card.refresh_from_db()
    assert card.duties != ["临时修改"]  # the demo content is back, and it is what v1 says
    assert card.versions.count() == 1


def test_the_demo_card_is_published_again_once_when_a_later_version_differs(seeded):
    card = Card.objects.get(post__holders__username="worker")
    CardVersion.objects.create(  # as if someone had published other content through the API
        card=card, version=2, content={**card.content(), "duties": ["旧内容"]}, published_at=timezone.now()
    )
    seed()
    assert list(card.versions.values_list("version", flat=True)) == [3, 2, 1]
    seed()
    assert card.versions.count() == 3


def test_a_changed_demo_password_is_set_back(seeded):
    worker = Person.objects.get(username="worker")
    worker.set_password("something-else")
    worker.save()
    assert "1 set" in seed()
    worker.refresh_from_db()
    assert worker.check_password(DEMO_PASSWORD)


def test_it_refuses_to_run_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("seed_demo")
    assert not Person.objects.exists() and not Enterprise.objects.exists()
