"""Weekly reports and dispatches from the pages (issue 14): generated for an ended period, written and
signed in the order the services require; the way in (/) for each role; the posts list."""

import pytest

from reports.models import DispatchDecision, MonthlyDispatch, WeeklyReport
from reports.services import dispatch_generate, weekly_report_generate
from tests import factories
from tests.mobile.conftest import PAGE_BUDGET, page_weight
from tests.reports.conftest import fresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(people):
    principal, director, admin = people
    return principal, director, admin


def test_an_officer_generates_the_report_of_an_ended_week_once(as_, world, staff):
    client = as_(world.officer)
    html = client.get("/m/weekly/").content.decode()
    assert 'id="generate"' in html and 'name="week"' in html
    response = client.post("/m/weekly/generate/", {"enterprise": world.enterprise.id, "week": "2024-W27"})
    report = WeeklyReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/m/weekly/{report.id}/"
    client.post("/m/weekly/generate/", {"enterprise": world.enterprise.id, "week": "2024-W27"})
    assert WeeklyReport.objects.count() == 1


def test_a_week_not_ended_is_refused_with_its_reason(as_, world, staff):
    response = as_(world.officer).post("/m/weekly/generate/", {"enterprise": world.enterprise.id, "week": "2999-W01"})
    assert response.status_code == 400 and "尚未结束" in response.content.decode()
    assert not WeeklyReport.objects.exists()


def test_another_enterprise_cannot_generate_and_a_worker_is_refused(as_, world, staff):
    response = as_(world.outsider).post("/m/weekly/generate/", {"enterprise": world.enterprise.id, "week": "2024-W27"})
    assert response.status_code == 404
    response = as_(world.worker).post("/m/weekly/generate/", {"enterprise": world.enterprise.id, "week": "2024-W27"})
    assert response.status_code == 403
    assert not WeeklyReport.objects.exists()


def test_the_director_then_the_principal_signs_a_weekly_report(as_, world, staff):
    principal, director, _admin = staff
    report, _ = weekly_report_generate(by=fresh(world.officer), enterprise=world.enterprise, week="2024-W27")
    page = f"/m/weekly/{report.id}/"
    assert 'id="sign"' not in as_(principal).get(page).content.decode()  # the director signs first
    response = as_(director).post(page, {"move": "sign"})
    assert response.status_code == 400 and "签字前请填写" in response.content.decode()
    body = {"move": "save", "summary": "本周排查12处", "risk_analysis": "装卸区风险上升", "next_week_plan": "复查"}
    assert as_(world.officer).post(page, body).status_code == 302
    assert as_(director).post(page, {"move": "sign", "note": "同意"}).status_code == 302
    response = as_(principal).get(page)
    assert 'id="sign"' in response.content.decode() and 'id="write"' not in response.content.decode()
    assert page_weight(response.content) < PAGE_BUDGET
    assert as_(principal).post(page, {"move": "sign"}).status_code == 302
    report.refresh_from_db()
    assert report.director_signed_by_id == director.id and report.principal_signed_by_id == principal.id
    assert as_(principal).post(page, {"move": "sign"}).status_code == 409


def test_the_weekly_report_page_links_its_downloads_for_readers_only(as_, world, staff, cjk_font):
    principal, director, _admin = staff
    report, _ = weekly_report_generate(by=fresh(world.officer), enterprise=world.enterprise, week="2024-W27")
    html = as_(director).get(f"/m/weekly/{report.id}/").content.decode()
    assert f'href="/m/weekly/{report.id}.xlsx"' in html and f'href="/m/weekly/{report.id}.pdf"' in html
    assert "本周销号" in html and "周末未销号重大隐患" in html and "本月销号" not in html  # the week's words
    response = as_(director).get(f"/m/weekly/{report.id}.xlsx")
    assert response.status_code == 200 and response.content.startswith(b"PK")
    name = f"weekly-{world.enterprise.id}-2024-W27"
    assert response["Content-Disposition"] == f'attachment; filename="{name}.xlsx"'
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = as_(world.regulator).get(f"/m/weekly/{report.id}.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert as_(world.outsider).get(f"/m/weekly/{report.id}.xlsx").status_code == 404
    assert as_(world.worker).get(f"/m/weekly/{report.id}.pdf").status_code == 403


def test_the_principal_generates_writes_and_signs_a_dispatch(as_, world, staff):
    principal, director, _admin = staff
    client = as_(principal)
    assert 'name="month"' in client.get("/m/dispatches/").content.decode()
    response = client.post("/m/dispatches/generate/", {"enterprise": world.enterprise.id, "month": "2024-07"})
    dispatch = MonthlyDispatch.objects.get()
    assert response["Location"] == f"/m/dispatches/{dispatch.id}/write/"
    page = f"/m/dispatches/{dispatch.id}/write/"
    html = client.get(page).content.decode()
    assert f'<option value="{director.id}"' in html and f'<option value="{world.outsider.id}"' not in html
    body = {
        "move": "save",
        "summary": "7月完成率偏低",
        "task": ["出口整改", "", "培训"],
        "owner": [str(director.id), "", str(world.officer.id)],
        "due_date": ["2024-08-10", "", "2024-07-20"],
    }
    response = client.post(page, body)
    assert response.status_code == 400 and "2024-07-31" in response.content.decode()
    assert "出口整改" in response.content.decode()  # what was typed stays
    body["due_date"][2] = "2024-08-20"
    assert client.post(page, body).status_code == 302
    assert list(DispatchDecision.objects.values_list("task", "owner_id")) == [
        ("出口整改", director.id),
        ("培训", world.officer.id),
    ]
    assert client.post(page, {**body, "move": "sign", "note": "按期落实"}).status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.principal_signed_by_id == principal.id and dispatch.principal_note == "按期落实"
    assert client.post(page, body).status_code == 409
    assert client.get(f"/m/dispatches/{dispatch.id}.pdf").status_code == 200


def test_an_officer_reads_a_dispatch_but_cannot_write_it(as_, world, staff):
    principal, *_ = staff
    dispatch, _ = dispatch_generate(by=fresh(principal), enterprise=world.enterprise, month="2024-07")
    page = f"/m/dispatches/{dispatch.id}/write/"
    assert 'id="write"' not in as_(world.officer).get(page).content.decode()
    assert as_(world.officer).post(page, {"move": "save", "summary": "x"}).status_code == 403
    assert as_(world.outsider).get(page).status_code == 404


# ---------------------------------------------------------------------------------------------
# The way in


def test_home_sends_each_person_to_their_work(client, as_, world, staff):
    principal, director, _admin = staff
    token = factories.QrTokenFactory(post=world.post).token
    html = client.get("/").content.decode()
    assert "登录" in html and 'lang="zh-CN"' in html
    html = as_(world.worker).get("/").content.decode()
    assert f'href="/s/{token}"' in html and "/m/daily/" not in html
    html = as_(world.officer).get("/").content.decode()
    assert f"/m/daily/?enterprise={world.enterprise.id}" in html and "/m/posts/" in html
    assert "/m/dispatches/?enterprise" not in html
    html = as_(principal).get("/").content.decode()
    assert f"/m/dispatches/?enterprise={world.enterprise.id}" in html
    response = as_(world.regulator).get("/")
    assert "/m/region/" in response.content.decode()
    assert page_weight(response.content) < PAGE_BUDGET


def test_m_leads_to_the_way_in_and_login_ends_there(client, world):
    assert client.get("/m/")["Location"] == "/"
    response = client.post("/m/login/", {"username": world.worker.username, "password": factories.PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_safety_manager_lists_the_posts_with_qr_links_and_card_state(as_, world):
    from tests.mobile.conftest import publish_card

    token = factories.QrTokenFactory(post=world.post).token
    publish_card(world.post)
    response = as_(world.officer).get("/m/posts/")
    html = response.content.decode()
    assert f'href="/s/{token}"' in html and "第 1 版" in html and "已确认 0/1" in html
    assert as_(world.worker).get("/m/posts/").status_code == 403
    assert as_(world.outsider).get(f"/m/posts/?enterprise={world.enterprise.id}").status_code == 404


def test_the_day_sign_off_is_offered_for_ended_days_only(as_, world):
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    html = as_(world.officer).get(f"/m/daily/?enterprise={world.enterprise.id}&date={today}").content.decode()
    assert 'id="sign"' not in html and "次日起才能审核签字" in html
    html = as_(world.officer).get(f"/m/daily/?enterprise={world.enterprise.id}&date=2024-07-03").content.decode()
    assert 'id="sign"' in html
