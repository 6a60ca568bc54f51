import datetime

import pytest

from orgs.models import CertificateKind
from tests import factories
from tests.qr.test_api import HOLDER_SCAN_QUERIES


@pytest.fixture
def token(world):
    return factories.QrTokenFactory(post=world.post)


def scan(api, person, token):
    response = api.as_(person).get(f"/api/v1/scan/{token.token}/")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_holder_without_a_valid_certificate_is_flagged_on_scan(api, world, token):
    world.post.required_certificate_kinds.add(*CertificateKind.objects.filter(code__in=["SO-09", "SO-01"]))
    factories.CertificateFactory(  # expired
        enterprise=world.enterprise,
        person=world.worker,
        kind=CertificateKind.objects.get(code="SO-01"),
        issued_on=datetime.date(2014, 1, 1),
        expires_on=datetime.date(2020, 1, 1),
    )
    assert scan(api, world.worker, token)["certificate_missing"] == ["电工作业", "危险化学品安全作业"]
    factories.CertificateFactory(
        enterprise=world.enterprise,
        person=world.worker,
        kind=CertificateKind.objects.get(code="SO-01"),
        expires_on=datetime.date(2099, 1, 1),
    )
    factories.CertificateFactory(
        enterprise=world.enterprise,
        person=world.worker,
        kind=CertificateKind.objects.get(code="SO-09"),
        expires_on=datetime.date(2099, 1, 1),
    )
    assert scan(api, world.worker, token)["certificate_missing"] == []


def test_the_flag_is_empty_without_requirements_and_null_for_outsiders_and_anonymous(api, world, token):
    assert scan(api, world.worker, token)["certificate_missing"] == []
    assert scan(api, world.outsider, token)["certificate_missing"] is None
    assert scan(api, world.regulator, token)["certificate_missing"] is None
    assert scan(api, None, token)["certificate_missing"] is None


def test_a_post_with_requirements_costs_one_more_query_on_scan(api, world, token, django_assert_max_num_queries):
    api.as_(world.worker)  # outside the counts: as_ loads the person
    with django_assert_max_num_queries(HOLDER_SCAN_QUERIES) as without:
        assert api.get(f"/api/v1/scan/{token.token}/").json()["certificate_missing"] == []
    world.post.required_certificate_kinds.add(CertificateKind.objects.get(code="SO-09"))
    with django_assert_max_num_queries(HOLDER_SCAN_QUERIES + 1) as required:
        assert api.get(f"/api/v1/scan/{token.token}/").json()["certificate_missing"] == ["危险化学品安全作业"]
    assert len(required) == len(without) + 1
