"""The dispatch's .xlsx and .pdf, read back: openpyxl for the workbook, pypdf for the PDF's text and fonts."""

from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from core.exports import display_width
from reports.models import MonthlyDispatch
from tests.conftest import cjk_fonts_missing, require_service
from tests.reports.conftest import DISPATCHES, assert_error

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def signed(api, world, archive) -> MonthlyDispatch:
    principal = archive.principal
    dispatch_id = (
        api.as_(principal).post(DISPATCHES, {"enterprise": world.enterprise.id, "month": "2024-07"}).data["id"]
    )
    body = {
        "summary": "7月日管控完成率偏低,装卸岗缺检较多。\n重大隐患1项逾期未销号,已约谈责任人。",
        "decisions": [
            {
                "task": "装卸区安全出口隐患整改销号并组织复查验收",
                "owner": archive.director.id,
                "due_date": "2024-08-10",
            },
            {"task": "全员应知应会抽查", "owner": world.officer.id, "due_date": "2024-08-31"},
        ],
    }
    assert api.as_(principal).patch(f"{DISPATCHES}{dispatch_id}/", body).status_code == 200
    assert api.as_(principal).post(f"{DISPATCHES}{dispatch_id}/sign/").status_code == 200
    return MonthlyDispatch.objects.get(pk=dispatch_id)


def column_widths(sheet) -> dict[str, float]:
    return {letter: dim.width for letter, dim in sheet.column_dimensions.items()}


def test_the_xlsx_has_the_figures_the_days_and_the_decisions_in_wide_enough_columns(api, world, archive, signed):
    response = api.as_(world.officer).get(f"{DISPATCHES}{signed.id}.xlsx")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert f'filename="dispatch-{world.enterprise.id}-2024-07.xlsx"' in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["概况", "每日", "下月重点工作"]

    overview = book["概况"]
    rows = [tuple(c for c in row if c is not None) for row in overview.iter_rows(values_only=True)]
    assert rows[0] == (f"{world.enterprise.name} 2024-07 月调度纪要",)
    assert ("企业", world.enterprise.name) in rows
    figures = dict(r for r in rows if len(r) == 2)
    assert figures["应检次数"] == 62 + 5 and figures["按时完成"] == 5 and figures["补录"] == 1
    assert (
        figures["发现隐患"] == 4
        and figures["其中重大隐患"] == 1
        and figures["应急演练"] == "本期 1 次;演练周期状态:已完成"
    )
    assert figures["应知应会知晓率"] == "80.0%" and figures["明白卡覆盖率"] == "1/2(50.0%)"
    assert ("层级", "应检", "按时完成", "补录", "缺失", "未到期", "未扫码", "完成率") in rows
    assert ("日管控", 62, 4, 1, 57, 0, 1, "8.1%") in rows
    assert any(signed.summary in str(r[0]) for r in rows if r)
    # The summary under its label, in one cell merged across eight columns, two lines tall.
    summary_row = next(c.row for c in overview["A"] if c.value == signed.summary)
    assert overview.cell(summary_row - 1, 1).value == "本月工作总结"
    assert f"A{summary_row}:H{summary_row}" in {str(r) for r in overview.merged_cells.ranges}
    assert overview.row_dimensions[summary_row].height == 30
    # Chinese labels count double: the column is at least as wide as its widest cell.
    widths = column_widths(overview)
    assert widths["A"] >= display_width("月末未销号重大隐患") == 18
    assert widths["B"] >= display_width(world.enterprise.name)

    days = list(book["每日"].iter_rows(values_only=True))
    assert days[0] == ("日期", "日管控应检", "已记录", "缺失", "完成率", "发现隐患")
    assert len(days) == 1 + 31
    assert days[3] == ("2024-07-03", 2, 2, 0, "100.0%", 3)
    assert days[2] == ("2024-07-02", 2, 1, 1, "50.0%", 0)

    decisions = book["下月重点工作"]
    assert list(decisions.iter_rows(values_only=True)) == [
        ("序号", "工作任务", "责任人", "完成时限"),
        (1, "装卸区安全出口隐患整改销号并组织复查验收", str(archive.director), "2024-08-10"),
        (2, "全员应知应会抽查", str(world.officer), "2024-08-31"),
    ]
    assert column_widths(decisions)["B"] >= display_width("装卸区安全出口隐患整改销号并组织复查验收") == 40


def needs_the_font():
    require_service(not cjk_fonts_missing(), "needs the CJK font: apt-get install fonts-wqy-microhei")


def test_the_pdf_carries_the_enterprise_the_figures_and_an_embedded_chinese_font(api, world, archive, signed):
    needs_the_font()
    response = api.as_(world.regulator).get(f"{DISPATCHES}{signed.id}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    for expected in (
        world.enterprise.name,
        "2024-07 月调度纪要",
        "统计期:2024-07-01 至 2024-07-31",
        "每日日管控完成率",
        "每日发现隐患",
        "装卸区安全出口隐患整改销号并组织复查验收",
        "重大隐患1项逾期未销号",
        str(archive.principal),
    ):
        assert expected in text, expected
    compact = "".join(text.split())
    assert "应检次数67" in compact and "发现隐患4" in compact and "应知应会知晓率80.0%" in compact
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            if descriptor is not None:
                descriptor = descriptor.get_object()
                fonts[str(font["/BaseFont"])] = "/FontFile2" in descriptor
    assert fonts and all(fonts.values()), fonts  # every font's TrueType program is in the file
    assert any("WenQuanYi" in name for name in fonts), fonts


def test_a_draft_renders_too_and_says_it_is_unsigned(api, world, archive):
    needs_the_font()
    dispatch_id = api.as_(archive.principal).post(DISPATCHES, {"enterprise": world.enterprise.id, "month": "2024-07"})
    pk = dispatch_id.data["id"]
    book = load_workbook(BytesIO(api.as_(archive.admin).get(f"{DISPATCHES}{pk}.xlsx").content))
    assert ("主要负责人签字", "未签字(草稿)") in [tuple(r[:2]) for r in book["概况"].iter_rows(values_only=True)]
    text = PdfReader(BytesIO(api.as_(archive.admin).get(f"{DISPATCHES}{pk}.pdf").content)).pages[0].extract_text()
    assert "未签字(草稿)" in text


def test_renderings_answer_errors_in_json(api, world, archive):
    assert_error(api.as_(world.officer).get(f"{DISPATCHES}999999.xlsx"), 404, code="not_found")
    assert_error(api.as_(world.officer).get(f"{DISPATCHES}999999.pdf"), 404, code="not_found")
    assert api.as_(None).get(f"{DISPATCHES}1.pdf").status_code == 401
