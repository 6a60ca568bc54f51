import uuid
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO
from itertools import count

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from hazards import services
from hazards.models import Hazard, HazardEvent, JudgmentClause
from orgs.models import Person, Role
from tests import factories
from tests.checklists.conftest import daily, jpeg_bytes  # noqa: F401  (daily is a fixture)

HAZARDS = "/api/v1/hazards/"
NOTIFICATIONS = "/api/v1/notifications/"
_colours = count(1)


def hazard_url(hazard, move: str | None = None) -> str:
    pk = hazard if isinstance(hazard, int) else hazard.pk
    return f"{HAZARDS}{pk}/{move}/" if move else f"{HAZARDS}{pk}/"


def upload_photo(api, person, data: bytes | None = None) -> int:
    """Upload a photo as `person`; each call makes different bytes unless `data` is given."""
    n = next(_colours)
    if data is None:
        # Neighbouring colours can encode to the same JPEG bytes (the same photo, then, by its SHA-256):
        # the number in a JPEG comment keeps every call's bytes apart whatever the order of the tests.
        out = BytesIO()
        Image.new("RGB", (64, 48), (n % 256, n // 256 % 256, 77)).save(out, format="JPEG", comment=f"test photo {n}")
        data = out.getvalue()
    image = SimpleUploadedFile("p.jpg", data, "image/jpeg")
    response = api.as_(person).post(
        "/api/v1/photos/", {"client_uuid": str(uuid.uuid4()), "image": image}, format="multipart"
    )
    assert response.status_code == 201, response.data
    return response.data["id"]


def fresh(person: Person) -> Person:
    """A copy without per-request caches, as a request would load it."""
    return Person.objects.get(pk=person.pk)


def chemical_clause(number: str = "第二项") -> JudgmentClause:
    """A seeded clause of the 化工和危险化学品 standard, which applies to the factories' C26 enterprises."""
    return JudgmentClause.objects.get(standard__issuing_order="安监总管三〔2017〕121号", number=number)


def report(world, *, by=None, grade="general", **data) -> Hazard:
    """A hazard reported through the service (the API path is tested on its own)."""
    body = {"enterprise": world.enterprise, "grade": grade, "description": "消防通道堵塞"}
    if grade == "major":
        body["basis_clause"] = chemical_clause()
    body.update(data)
    return services.hazard_report(by=fresh(by or world.worker), data=body)


def assign(hazard, *, by, responsible, days=3, **kwargs) -> Hazard:
    deadline = timezone.now() + timedelta(days=days)
    return services.hazard_assign(hazard=hazard, by=fresh(by), responsible=responsible, deadline=deadline, **kwargs)


FULL_PLAN = {
    "measures": "更换失效的报警器并与紧急切断阀联锁",
    "funds_amount": "85000.00",
    "funds_source": "企业安全生产费用",
    "interim_measures": "停用该区域,每两小时人工巡检",
    "emergency_plan": "执行《泄漏现场处置方案》",
}


def with_approved_plan(hazard) -> Hazard:
    """Give a major hazard an approved plan (五落实) directly, for tests about other moves."""
    if hazard.grade == "major" and not hazard.plans.filter(approved_at__isnull=False).exists():
        now = timezone.now()
        hazard.plans.create(
            version=hazard.plans.count() + 1,
            responsible=hazard.responsible or hazard.found_by,
            deadline=now.date() + timedelta(days=30),
            written_by=hazard.found_by,
            written_at=now,
            approved_by=hazard.found_by,
            approved_at=now,
            **FULL_PLAN,
        )
    return hazard


def submit(api, hazard, *, by) -> Hazard:
    with_approved_plan(hazard)
    photo = upload_photo(api, by)
    return services.hazard_submit(hazard=hazard, by=fresh(by), note="已整改", photos=[photo])


def snapshot(hazard) -> tuple:
    """What a refused move must leave unchanged."""
    stored = Hazard.objects.get(pk=hazard.pk)
    return stored.status, stored.responsible_id, stored.deadline, stored.closed_at, HazardEvent.objects.count()


@dataclass
class Staff:
    principal: Person
    director: Person
    controller: Person  # the enterprise's actual controller (seed item 34), not a member


@pytest.fixture
def staff(world) -> Staff:
    principal = factories.MembershipFactory(enterprise=world.enterprise, role=Role.PRINCIPAL).person
    director = factories.MembershipFactory(enterprise=world.enterprise, role=Role.SAFETY_DIRECTOR).person
    controller = factories.PersonFactory(name="实控人")
    world.enterprise.actual_controller = controller
    world.enterprise.save(update_fields=["actual_controller"])
    return Staff(principal, director, controller)


@pytest.fixture
def rectifying(world, staff) -> Hazard:
    """A general hazard assigned to the worker."""
    return assign(report(world), by=world.officer, responsible=world.worker)


@pytest.fixture
def pending(api, world, rectifying) -> Hazard:
    """The worker has submitted the rectification for acceptance."""
    return submit(api, rectifying, by=world.worker)


@pytest.fixture
def closed(world, pending) -> Hazard:
    return services.hazard_accept(hazard=pending, by=fresh(world.officer))


def assert_error(response, status: int, field: str | None = None, code: str | None = None) -> dict:
    """The one error body, naming the offending field (and the machine code when given)."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) - {"request_id"} == {"code", "message", "field", "errors"}
    assert body["field"] == field, body
    if code is not None:
        assert body["code"] == code, body
    return body
