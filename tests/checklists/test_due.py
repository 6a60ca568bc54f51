from datetime import UTC, datetime

import time_machine

from tests import factories
from tests.checklists.conftest import submission


def due(api, person, post, at=None):
    return api.as_(person).get(f"/api/v1/posts/{post.id}/due/", {"at": at} if at else {})


def test_a_post_shows_each_checklist_as_due_then_done(api, world, daily):
    weekly = factories.TemplateFactory(enterprise=world.enterprise, posts=[world.post], tier="weekly")
    factories.ItemFactory(template=weekly)
    with time_machine.travel(datetime(2024, 7, 3, 1, tzinfo=UTC)):
        before = due(api, world.worker, world.post).data
        api.as_(world.worker).post("/api/v1/inspections/", submission(daily, world.post))
        after = due(api, world.worker, world.post).data
    assert [(d["tier"], d["period"], d["status"]) for d in before] == [
        ("daily", "2024-07-03", "due"),
        ("weekly", "2024-W27", "due"),
    ]
    assert [d["status"] for d in after] == ["done", "due"]
    assert after[0]["inspection"] is not None


def test_a_past_day_with_nothing_recorded_is_missed_and_one_recorded_late_is_late(api, world, daily):
    with time_machine.travel(datetime(2024, 7, 4, 1, tzinfo=UTC)):  # 09:00 on 4 July in Beijing
        missed = due(api, world.worker, world.post, "2024-07-02T10:00:00+08:00").data
        body = submission(daily, world.post, started_at="2024-07-03T23:30:00+08:00")
        assert api.as_(world.worker).post("/api/v1/inspections/", body).data["late"] is True
        late = due(api, world.worker, world.post, "2024-07-03T10:00:00+08:00").data
    assert missed[0]["status"] == "missed"
    assert late[0]["status"] == "late"


def test_due_is_404_for_an_outsider_and_400_for_a_bad_instant(api, world, daily):
    assert due(api, world.outsider, world.post).status_code == 404
    response = due(api, world.worker, world.post, "tomorrow")
    assert response.status_code == 400 and response.data["field"] == "at"


def test_due_takes_a_constant_number_of_queries(api, world, django_assert_max_num_queries):
    counts = []
    for templates in (1, 6):
        while world.post.checklist_templates.count() < templates:
            factories.ItemFactory(template=factories.TemplateFactory(enterprise=world.enterprise, posts=[world.post]))
        api.as_(world.worker)
        with django_assert_max_num_queries(5) as captured:  # scopes, roles, post, templates, records
            assert len(api.get(f"/api/v1/posts/{world.post.id}/due/").data) == templates
        counts.append(len(captured))
    assert counts[0] == counts[1]
