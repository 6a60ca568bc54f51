"""The demo chemical plant's register: its cards and checklists come from it, every control is
verified by an item, and the chain can be followed from a hazard back to the risk point."""

from io import StringIO

import pytest
from django.core.management import call_command

from cards.models import Card
from checklists.models import ChecklistTemplate
from orgs.models import Enterprise, Person
from risks.models import Control, RiskPoint
from risks.selectors import controls_unchecked, risk_figures


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    return Enterprise.objects.get(name__startswith="鄂州明白化工")


def test_the_plant_has_a_graded_register(seeded):
    levels = dict(RiskPoint.objects.filter(enterprise=seeded).values_list("name", "level"))
    assert levels == {"合成车间反应釜区": "orange", "甲类储罐区": "red", "装车台": "orange", "变配电室": "yellow"}
    figures = risk_figures([seeded.pk])[seeded.pk]
    assert figures.red == 1 and figures.control_rate == 1.0 and figures.controls_unchecked == 0
    assert not controls_unchecked(Control.objects.filter(enterprise=seeded)).exists()


def test_the_workers_card_shows_the_register(seeded):
    post = Person.objects.get(username="worker").posts_held.get()
    version = Card.objects.get(post=post).versions.get()
    assert version.version == 1
    assert [h["name"] for h in version.content["hazards"]] == [
        "反应失控导致超温超压",
        "可燃、有毒物料泄漏",
        "进入釜内等受限空间作业",
    ]
    assert {h["risk_level"] for h in version.content["hazards"]} == {"orange"}
    assert "可燃、有毒气体检测报警仪24小时运行,一级报警值25%LEL" in version.content["controls"]


def test_the_checklists_verify_the_controls(seeded):
    sis = Control.objects.get(measure__startswith="温度、压力、液位联锁")
    item = sis.verifying_items.get()
    assert item.template.name == "反应釜操作岗日管控检查表" and item.hazard_grade_on_fail == "major"
    tank = ChecklistTemplate.objects.get(register_post__name="罐区巡检岗", tier="daily")
    assert tank.items.count() == 4 and all(i.control.owner_post.name == "罐区巡检岗" for i in tank.items.all())
    assert {i.hazard_grade_on_fail for i in tank.items.filter(control__source__risk_point__name="甲类储罐区")} == {
        "major"
    }
