import pytest

from reports.models import DailyReview, MonthlyDispatch, WeeklyReport
from tests import factories
from tests.reports.conftest import DISPATCHES, REVIEWS, WEEKLY


@pytest.fixture
def admin_client(client, db):
    client.force_login(factories.PersonFactory(username="root", is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def snapshots(api, world, archive):
    assert (
        api.as_(world.officer).post(REVIEWS, {"enterprise": world.enterprise.id, "date": "2024-07-03"}).status_code
        == 201
    )
    assert (
        api.as_(world.officer).post(WEEKLY, {"enterprise": world.enterprise.id, "week": "2024-W27"}).status_code == 201
    )
    dispatch = api.as_(archive.principal).post(DISPATCHES, {"enterprise": world.enterprise.id, "month": "2024-07"})
    decisions = [{"task": "复查", "owner": world.officer.id, "due_date": "2024-08-10"}]
    api.as_(archive.principal).patch(f"{DISPATCHES}{dispatch.data['id']}/", {"summary": "总结", "decisions": decisions})
    return DailyReview.objects.get(), WeeklyReport.objects.get(), MonthlyDispatch.objects.get()


def test_the_admin_shows_the_snapshots_read_only(admin_client, snapshots):
    for model in ("dailyreview", "weeklyreport", "monthlydispatch"):
        assert admin_client.get(f"/admin/reports/{model}/").status_code == 200
        assert admin_client.get(f"/admin/reports/{model}/add/").status_code == 403
    review, report, dispatch = snapshots
    for model, obj in (("dailyreview", review), ("weeklyreport", report), ("monthlydispatch", dispatch)):
        page = admin_client.get(f"/admin/reports/{model}/{obj.pk}/change/")
        assert page.status_code == 200
        assert admin_client.post(f"/admin/reports/{model}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert "复查" in admin_client.get(f"/admin/reports/monthlydispatch/{dispatch.pk}/change/").content.decode()
