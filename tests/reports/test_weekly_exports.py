"""The weekly report's .xlsx and .pdf (GET /api/v1/reports/weekly/<pk>.xlsx|.pdf), read back with
openpyxl and pypdf: the figures, the minutes and both signatures, as the dispatch's files."""

from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from core.exports import display_width
from reports.models import WeeklyReport
from tests import factories
from tests.reports.conftest import WEEKLY, assert_error
from tests.reports.test_exports import XLSX, column_widths

MINUTES = {
    "summary": "=本周完成日检5次,缺检9次。",  # starts like a formula: stays a text
    "risk_analysis": "装卸区安全出口堵塞,风险较大 <b>注意</b>。",  # markup in a PDF paragraph: shown as typed
    "next_week_plan": "补齐缺检,整改重大隐患。",
}


@pytest.fixture
def signed(api, world, archive, people) -> WeeklyReport:
    principal, director, _admin = people
    response = api.as_(world.officer).post(WEEKLY, {"enterprise": world.enterprise.id, "week": "2024-W27"})
    pk = response.data["id"]
    assert api.as_(world.officer).patch(f"{WEEKLY}{pk}/", MINUTES).status_code == 200
    assert api.as_(director).post(f"{WEEKLY}{pk}/sign/", {"note": "同意"}).status_code == 200
    assert api.as_(principal).post(f"{WEEKLY}{pk}/sign/", {"note": "按计划落实"}).status_code == 200
    return WeeklyReport.objects.select_related("director_signed_by", "principal_signed_by").get(pk=pk)


def local(at) -> str:
    return at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


def test_the_xlsx_has_the_figures_the_minutes_and_both_signatures(api, world, archive, signed):
    response = api.as_(world.officer).get(f"{WEEKLY}{signed.id}.xlsx")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert f'filename="weekly-{world.enterprise.id}-2024-W27.xlsx"' in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["概况", "每日"]
    overview = book["概况"]
    rows = [tuple(c for c in row if c is not None) for row in overview.iter_rows(values_only=True)]
    assert rows[0] == (f"{world.enterprise.name} 2024-W27 周排查治理报告",)
    assert ("企业", world.enterprise.name) in rows and ("统计期", "2024-07-01 ~ 2024-07-07") in rows
    assert ("状态", "已签字") in rows
    assert ("安全总监签字", f"{signed.director_signed_by} {local(signed.director_signed_at)}", "同意") in rows
    assert ("主要负责人签字", f"{signed.principal_signed_by} {local(signed.principal_signed_at)}", "按计划落实") in rows
    figures = dict(r for r in rows if len(r) == 2)
    assert figures["发现隐患"] == 3 and figures["其中一般隐患"] == 2 and figures["其中重大隐患"] == 1
    assert "本周销号" in figures and "周末未销号重大隐患" in figures and "本月销号" not in figures
    assert next(r for r in rows if r and r[0] == "日管控")[:7] == ("日管控", 14, 4, 1, 9, 0, 1)
    texts = [r[0] for r in rows if len(r) == 1]
    assert "'" + MINUTES["summary"] in texts  # a leading "=" is quoted, never a formula
    assert MINUTES["risk_analysis"] in texts and MINUTES["next_week_plan"] in texts
    assert column_widths(overview)["A"] >= display_width("周末未销号重大隐患")
    days = list(book["每日"].iter_rows(values_only=True))
    assert days[0] == ("日期", "日管控应检", "已记录", "缺失", "完成率", "发现隐患") and len(days) == 1 + 7


def test_the_pdf_has_the_enterprise_the_figures_the_minutes_and_the_signers(api, world, archive, signed, cjk_font):
    response = api.as_(world.regulator).get(f"{WEEKLY}{signed.id}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="weekly-{world.enterprise.id}-2024-W27.pdf"' in response["Content-Disposition"]
    reader = PdfReader(BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    for expected in (
        world.enterprise.name,
        "2024-W27 周排查治理报告",
        "统计期:2024-07-01 至 2024-07-07",
        "每日日管控完成率",
        MINUTES["summary"],
        MINUTES["risk_analysis"],  # the <b> typed by a user is text, not bold markup
        str(signed.director_signed_by),
        str(signed.principal_signed_by),
        local(signed.principal_signed_at),
        "按计划落实",
    ):
        assert expected in text, expected
    compact = "".join(text.split())
    assert "发现隐患3" in compact and "其中重大隐患1" in compact
    fonts = {str(f.get_object()["/BaseFont"]) for p in reader.pages for f in p["/Resources"]["/Font"].values()}
    assert any("WenQuanYi" in name for name in fonts), fonts


def test_a_draft_renders_and_says_it_is_unsigned(api, world, archive, cjk_font):
    pk = api.as_(world.officer).post(WEEKLY, {"enterprise": world.enterprise.id, "week": "2024-W27"}).data["id"]
    book = load_workbook(BytesIO(api.as_(world.officer).get(f"{WEEKLY}{pk}.xlsx").content))
    rows = [tuple(r[:2]) for r in book["概况"].iter_rows(values_only=True)]
    assert ("状态", "草稿") in rows and ("安全总监签字", "未签字") in rows
    reader = PdfReader(BytesIO(api.as_(world.officer).get(f"{WEEKLY}{pk}.pdf").content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "未签字" in text and "(未填写)" in text


def test_another_tenant_a_worker_and_nobody_are_refused_in_json(api, world, archive, signed):
    other = factories.MembershipFactory(enterprise=world.other_enterprise, role="safety_director").person
    for extension in ("xlsx", "pdf"):
        assert_error(api.as_(other).get(f"{WEEKLY}{signed.id}.{extension}"), 404, code="not_found")
        assert_error(api.as_(world.far_regulator).get(f"{WEEKLY}{signed.id}.{extension}"), 404, code="not_found")
        assert_error(api.as_(world.worker).get(f"{WEEKLY}{signed.id}.{extension}"), 403, code="permission_denied")
        assert_error(api.as_(world.officer).get(f"{WEEKLY}999999.{extension}"), 404, code="not_found")
        assert api.as_(None).get(f"{WEEKLY}{signed.id}.{extension}").status_code == 401
