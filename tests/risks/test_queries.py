"""Reads of the register take a number of queries that does not grow with the number of points."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from risks.selectors import risk_figures
from risks.services import assessment_create
from tests import factories
from tests.risks.conftest import make_control, make_point, make_source


def grow(world, start, count):
    for n in range(start, start + count):
        point = make_point(world.enterprise, f"点{n}", plan_x=0.1, plan_y=0.2)
        point.posts.add(world.post)
        data = {"method": "LS", "likelihood": 5, "severity": 1 + n % 5}
        assessment_create(by=world.officer, risk_point=point, data=data)
        source = make_source(point, f"危险源{n}")
        control = make_control(source, world.post)
        factories.ItemFactory(template=factories.TemplateFactory(enterprise=world.enterprise), control=control)


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


@pytest.mark.parametrize(
    "read",
    [
        lambda api, w: api.as_(w.officer).get("/api/v1/risk-points/", {"enterprise": w.enterprise.id}),
        lambda api, w: api.as_(w.officer).get("/api/v1/risk-controls/"),
        lambda api, w: api.as_(w.regulator).get(f"/api/v1/enterprises/{w.enterprise.id}/risk-map.svg"),
        lambda api, w: api.as_(w.regulator).get(f"/api/v1/enterprises/{w.enterprise.id}/risk-map.pdf"),
        lambda api, w: risk_figures([w.enterprise.id, w.other_enterprise.id]),
    ],
    ids=["points", "controls", "map.svg", "map.pdf", "figures"],
)
def test_constant_in_the_number_of_points(api, world, read, django_assert_max_num_queries):
    grow(world, 0, 2)
    few = queries(lambda: read(api, world))
    grow(world, 2, 10)
    with django_assert_max_num_queries(few):
        read(api, world)
    assert few <= 12
