import datetime

import pytest
import time_machine

from hazards.escalation import certificates_remind_expiring
from hazards.models import Notification
from orgs.models import Certificate, CertificateKind, Enterprise, Role
from orgs.selectors import certificate_gaps_by_enterprise, certificates_missing
from tests import factories

CERTIFICATES = "/api/v1/certificates/"
D = datetime.date


@pytest.fixture
def chemicals(db) -> CertificateKind:
    return CertificateKind.objects.get(code="SO-09")


@pytest.fixture
def electrician(db) -> CertificateKind:
    return CertificateKind.objects.get(code="SO-01")


def record(api, by, world, **data):
    body = {
        "enterprise": world.enterprise.id,
        "person": world.worker.id,
        "kind": CertificateKind.objects.get(code="SO-09").id,
        "number": "T420700198001011234",
        "issued_on": "2022-03-01",
        "expires_on": "2028-02-29",
        **data,
    }
    return api.as_(by).post(CERTIFICATES, body, format="json")


def test_the_catalogue_of_certificate_kinds_is_seeded_and_readable(api, world):
    names = [kind["name"] for kind in api.as_(world.worker).get("/api/v1/certificate-kinds/").json()]
    assert "电工作业" in names and "危险化学品安全作业" in names and "叉车司机" in names


def test_a_safety_manager_records_a_certificate_and_a_post_requires_kinds(api, world, chemicals):
    response = record(api, world.officer, world)
    assert response.status_code == 201, response.content
    assert response.json()["kind_name"] == "危险化学品安全作业" and response.json()["valid"] is True
    admin = factories.MembershipFactory(enterprise=world.enterprise, role=Role.ADMIN).person
    changed = api.as_(admin).patch(
        f"/api/v1/posts/{world.post.id}/", {"required_certificate_kinds": [chemicals.id]}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["required_certificate_kinds"] == [chemicals.id]


@pytest.mark.parametrize(
    "data, field",
    [
        ({"expires_on": "2020-01-01"}, "expires_on"),
        ({"kind": 999999}, "kind"),
        ({"number": ""}, "number"),
        ({"issued_on": "not a date"}, "issued_on"),
    ],
)
def test_a_bad_certificate_is_a_400_naming_the_field(api, world, data, field):
    response = record(api, world.officer, world, **data)
    assert response.status_code == 400 and response.json()["field"] == field, response.content
    assert not Certificate.objects.exists()


def test_a_number_recorded_twice_and_a_person_of_another_enterprise_are_refused(api, world):
    assert record(api, world.officer, world).status_code == 201
    again = record(api, world.officer, world)
    assert again.status_code == 400 and again.json()["field"] == "number"
    foreign = record(api, world.officer, world, person=world.outsider.id, number="X1")
    assert foreign.status_code == 400 and foreign.json()["field"] == "person"


def test_workers_cannot_record_and_other_tenants_do_not_see_certificates(api, world):
    assert record(api, world.worker, world).status_code == 403
    assert record(api, world.regulator, world).status_code == 403
    certificate = factories.CertificateFactory(enterprise=world.enterprise, person=world.worker)
    assert api.as_(world.outsider).get(f"{CERTIFICATES}{certificate.id}/").status_code == 404
    assert api.as_(world.regulator).get(f"{CERTIFICATES}{certificate.id}/").status_code == 200
    assert api.as_(world.worker).get(f"{CERTIFICATES}{certificate.id}/").status_code == 200  # their own
    colleague = factories.MembershipFactory(enterprise=world.enterprise, role=Role.WORKER).person
    assert api.as_(colleague).get(f"{CERTIFICATES}{certificate.id}/").status_code == 404
    renewed = api.as_(world.officer).patch(
        f"{CERTIFICATES}{certificate.id}/", {"expires_on": "2031-02-28"}, format="json"
    )
    assert renewed.status_code == 200 and renewed.json()["expires_on"] == "2031-02-28"


def test_a_certificate_is_valid_from_issue_to_expiry_inclusive(world, chemicals):
    world.post.required_certificate_kinds.add(chemicals)
    factories.CertificateFactory(
        enterprise=world.enterprise, person=world.worker, issued_on=D(2022, 3, 1), expires_on=D(2024, 6, 30)
    )
    assert certificates_missing(person=world.worker, post=world.post, on=D(2024, 6, 30)) == []
    assert certificates_missing(person=world.worker, post=world.post, on=D(2024, 7, 1)) == ["危险化学品安全作业"]
    assert certificates_missing(person=world.worker, post=world.post, on=D(2022, 2, 28)) == ["危险化学品安全作业"]


def test_certificate_gaps_per_enterprise_count_holders_times_required_kinds(
    world, chemicals, electrician, django_assert_max_num_queries
):
    world.post.required_certificate_kinds.add(chemicals, electrician)
    colleague = factories.MembershipFactory(enterprise=world.enterprise, role=Role.WORKER).person
    world.post.holders.add(colleague)
    factories.CertificateFactory(enterprise=world.enterprise, person=world.worker, kind=chemicals)
    factories.CertificateFactory(enterprise=world.enterprise, person=world.worker, kind=electrician)
    factories.CertificateFactory(  # expired
        enterprise=world.enterprise, person=colleague, kind=chemicals, expires_on=D(2024, 1, 1)
    )
    with django_assert_max_num_queries(1):
        rows = {e.pk: e for e in certificate_gaps_by_enterprise(Enterprise.objects.all(), on=D(2024, 7, 3))}
    assert (rows[world.enterprise.pk].certificates_required, rows[world.enterprise.pk].certificates_missing) == (4, 2)
    assert (
        rows[world.other_enterprise.pk].certificates_required,
        rows[world.other_enterprise.pk].certificates_missing,
    ) == (0, 0)


def test_expiring_certificates_are_reminded_once_30_days_ahead(world, chemicals):
    certificate = factories.CertificateFactory(
        enterprise=world.enterprise, person=world.worker, expires_on=D(2024, 8, 2)
    )
    factories.CertificateFactory(enterprise=world.enterprise, person=world.worker, expires_on=D(2024, 8, 3))
    assert certificates_remind_expiring(today=D(2024, 7, 2)) == 0  # 31 days ahead: not yet
    assert certificates_remind_expiring(today=D(2024, 7, 3)) == 2  # the worker and the safety officer
    assert certificates_remind_expiring(today=D(2024, 7, 3)) == 0
    assert certificates_remind_expiring(today=D(2024, 7, 10)) == 2  # the second one enters the window
    assert set(Notification.objects.filter(kind="certificate_expiring").values_list("recipient", flat=True)) == {
        world.worker.pk,
        world.officer.pk,
    }
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=D(2024, 8, 20))  # a renewal starts afresh
    assert certificates_remind_expiring(today=D(2024, 7, 21)) == 2


def test_the_beat_task_reminds_expiring_certificates(world):
    from hazards.tasks import remind_expiring_certificates

    factories.CertificateFactory(enterprise=world.enterprise, person=world.worker, expires_on=D(2024, 7, 20))
    with time_machine.travel("2024-07-03T02:00:00Z"):
        assert remind_expiring_certificates.delay().get() == 2
