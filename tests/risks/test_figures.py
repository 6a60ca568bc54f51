"""The register's figures: major risks, risks by grade, 管控到位率 (seed item 4), controls unchecked;
per enterprise, by region in the statistics and on the region page."""

from risks.models import Control
from risks.selectors import risk_figures
from risks.services import assessment_create
from tests import factories
from tests.risks.conftest import make_control, make_point, make_source


def graded(enterprise, by, name, likelihood, severity):
    point = make_point(enterprise, name)
    assessment_create(by=by, risk_point=point, data={"method": "LS", "likelihood": likelihood, "severity": severity})
    return point


def verified(control):
    factories.ItemFactory(template=factories.TemplateFactory(enterprise=control.enterprise), control=control)


def test_the_figures_of_an_enterprise(world):
    e = world.enterprise
    tank = graded(e, world.officer, "罐区", 5, 5)  # red, controlled in place
    reactor = graded(e, world.officer, "反应釜", 4, 5)  # red, one control not checked
    graded(e, world.officer, "装车台", 4, 4)  # orange
    graded(e, world.officer, "配电室", 1, 2)  # blue
    make_point(e, "仓库")  # not assessed
    verified(make_control(make_source(tank), world.post))
    verified(make_control(make_source(tank, "静电"), world.post, measure="静电接地"))
    verified(make_control(make_source(reactor), world.post))
    make_control(make_source(reactor, "超压"), world.post, measure="安全阀校验")  # no item: unchecked
    f = risk_figures([e.id, world.other_enterprise.id])
    mine = f[e.id]
    assert (mine.points, mine.red, mine.orange, mine.yellow, mine.blue, mine.not_assessed) == (5, 2, 1, 0, 1, 1)
    assert mine.major_controlled == 1 and mine.control_rate == 0.5
    assert (mine.controls, mine.controls_unchecked) == (4, 1)
    assert f[world.other_enterprise.id].control_rate is None and f[world.other_enterprise.id].points == 0


def test_a_major_risk_is_not_controlled_in_place_below_company_level_or_without_an_owner(world):
    tank = graded(world.enterprise, world.officer, "罐区", 5, 5)
    control = make_control(make_source(tank), None)
    verified(control)
    assert risk_figures([world.enterprise.id])[world.enterprise.id].major_controlled == 0  # no owner
    Control.objects.filter(pk=control.pk).update(owner_post=world.post, level="team")  # set below the rule
    assert risk_figures([world.enterprise.id])[world.enterprise.id].major_controlled == 0
    Control.objects.filter(pk=control.pk).update(level="company")
    assert risk_figures([world.enterprise.id])[world.enterprise.id].control_rate == 1.0


def test_the_statistics_and_the_region_page_show_them(api, client, world):
    graded(world.enterprise, world.officer, "罐区", 5, 5)
    graded(world.other_enterprise, _officer(world), "储罐", 5, 5)
    body = api.as_(world.regulator).get("/api/v1/stats/").json()
    assert body["total"]["risk"]["red"] == 2 and body["total"]["risk"]["control_rate"] == 0.0
    rows = {row["id"]: row["figures"]["risk"] for row in body["rows"]}
    assert rows[world.enterprise.id]["red"] == 1 and rows[world.enterprise.id]["points"] == 1
    by_region = api.as_(world.regulator).get("/api/v1/stats/", {"group_by": "region"}).json()
    assert sum(row["figures"]["risk"]["red"] for row in by_region["rows"]) == 2
    client.force_login(world.regulator)
    page = client.get("/m/region/").content.decode()
    assert 'id="major-risks">2<' in page and "管控到位率" in page


def _officer(world):
    return factories.MembershipFactory(enterprise=world.other_enterprise, role="safety_officer").person
