import pytest

from risks.models import Control, HazardSource, RiskPoint
from tests import factories

POINTS = "/api/v1/risk-points/"


def make_point(enterprise, name="1# 反应釜", **kw) -> RiskPoint:
    return RiskPoint.objects.create(enterprise=enterprise, kind="equipment", name=name, **kw)


def make_source(point, name="物料泄漏遇点火源", types=("fire", "other_explosion")) -> HazardSource:
    return HazardSource.objects.create(risk_point=point, name=name, accident_types=list(types))


def make_control(source, post=None, **kw) -> Control:
    kw = {"measure": "可燃气体报警仪完好", "type": "engineering", "level": "company", "tier": "daily", **kw}
    return Control.objects.create(enterprise_id=source.risk_point.enterprise_id, source=source, owner_post=post, **kw)


@pytest.fixture
def point(world) -> RiskPoint:
    point = make_point(world.enterprise)
    point.posts.add(world.post)
    return point


def assess(api, person, point, **body):
    return api.as_(person).post(f"{POINTS}{point.id}/assessments/", body, format="json")


@pytest.fixture
def manager(world):
    return world.officer


__all__ = ["factories"]
