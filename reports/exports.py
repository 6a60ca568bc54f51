"""Renderings of a monthly dispatch and of a weekly report: an Excel workbook (xlsxwriter) and a
printable PDF (reportlab) each.

Both read only the stored snapshot (figures, minutes, decisions, signatures), so a signed dispatch or
report renders the same forever. Chinese needs care in both: xlsxwriter's autofit under-sizes CJK columns
(each East-Asian wide character is counted as two here), and reportlab needs a TrueType CJK font it
can embed (WenQuanYi Micro Hei; the built-in STSong-Light is not embedded, Noto CJK's CFF outlines fail).

Exports are inert (core.exports_safety): every text is a string cell, quoted when it starts like a
formula, and every text a user typed (enterprise, signer, summary, decisions, owners) is escaped in the
PDF's paragraphs. The table cells given as plain strings are drawn as text, not parsed as markup.
"""

from io import BytesIO
from zoneinfo import ZoneInfo

import xlsxwriter
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.exports import PDF_FONT, display_width, pdf_font
from core.exports_safety import XLSXWRITER_OPTIONS, pdf_text, sheet_text
from reports.models import MonthlyDispatch, WeeklyReport
from reports.selectors.rates import day_completion_rate

MAX_COLUMN_WIDTH = 60


def _dispatch_tier_labels() -> list[tuple[str, str]]:
    return [
        ("daily", _("日管控")),
        ("weekly", _("周排查")),
        ("monthly", _("月调度")),
        ("quarterly", _("季度检查")),
        ("total", _("合计")),
    ]


def _dispatch_percent(rate) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def _dispatch_signature(dispatch: MonthlyDispatch) -> str:
    if not dispatch.principal_signed_at:
        return _("未签字(草稿)")
    when = dispatch.principal_signed_at.astimezone(ZoneInfo(dispatch.enterprise.timezone)).strftime("%Y-%m-%d %H:%M")
    return f"{dispatch.principal_signed_by} {when}"


def _signed(person, at, timezone: str) -> str:
    """Who signed and when (the enterprise's local time), or that nobody has yet."""
    if not at:
        return _("未签字")
    return f"{person} {at.astimezone(ZoneInfo(timezone)).strftime('%Y-%m-%d %H:%M')}"


def figure_rows(snapshot: MonthlyDispatch | WeeklyReport) -> list[tuple[str, object]]:
    """The headline figures of a dispatch or a weekly report as (label, value) rows, shared by the
    renderings and the pages; the period's words follow the snapshot's kind (本月/本周)."""
    f = snapshot.figures
    weekly = f["period"].get("kind") == "weekly"
    closed_label = _("本周销号") if weekly else _("本月销号")
    open_label = _("周末未销号隐患") if weekly else _("月末未销号隐患")
    open_major_label = _("周末未销号重大隐患") if weekly else _("月末未销号重大隐患")
    hazards, cards, knowledge = f["hazards"], f["cards"], f["knowledge"]
    total = f["checks"]["total"]
    return [
        (_("应检次数"), total["expected"]),
        (_("按时完成"), total["done"]),
        (_("补录"), total["late"]),
        (_("缺失"), total["missed"]),
        (_("未扫码"), total["off_site"]),
        (_("检查完成率"), _dispatch_percent(total["completion_rate"])),
        (_("发现隐患"), hazards["found"]),
        (_("其中一般隐患"), hazards["found_general"]),
        (_("其中重大隐患"), hazards["found_major"]),
        (closed_label, hazards["closed"]),
        (_("整改率"), _dispatch_percent(hazards["rectification_rate"])),
        (open_label, hazards["open"]),
        (open_major_label, hazards["open_major"]),
        (_("逾期未整改"), hazards["overdue"]),
        (_("明白卡覆盖率"), f"{cards['with_card']}/{cards['posts']}({_dispatch_percent(cards['coverage_rate'])})"),
        (_("应知应会知晓率"), _dispatch_percent(knowledge["awareness_rate"])),
        (_("应急演练"), _dispatch_drills(f["drills"])),
    ]


dispatch_figure_rows = figure_rows


def _dispatch_drills(drills: dict) -> str:
    text = _("本期 %(done)s 次") % {"done": drills["done"]}
    status = drills.get("status")  # absent from snapshots taken before drills were tracked
    if status:
        labels = {"done": _("已完成"), "overdue": _("逾期未演练"), "planned": _("已计划"), "due": _("未计划")}
        text += _(";演练周期状态:%(status)s") % {"status": labels[status]}
    if drills.get("overdue"):
        text += _(";逾期计划 %(n)s 项") % {"n": drills["overdue"]}
    return text


def _dispatch_tier_header() -> list[str]:
    return [_("层级"), _("应检"), _("按时完成"), _("补录"), _("缺失"), _("未到期"), _("未扫码"), _("完成率")]


def _dispatch_tier_rows(dispatch: MonthlyDispatch | WeeklyReport) -> list[list]:
    checks = dispatch.figures["checks"]
    return [
        [label, *(checks[key][n] for n in ("expected", "done", "late", "missed", "open", "off_site"))]
        + [_dispatch_percent(checks[key]["completion_rate"])]
        for key, label in _dispatch_tier_labels()
    ]


def _dispatch_decision_header() -> list[str]:
    return [_("序号"), _("工作任务"), _("责任人"), _("完成时限")]


def _dispatch_decision_rows(dispatch: MonthlyDispatch) -> list[list]:
    return [[d.order, d.task, str(d.owner), d.due_date.isoformat()] for d in dispatch.decisions.all()]


def _dispatch_title(dispatch: MonthlyDispatch) -> str:
    return _("%(name)s %(month)s 月调度纪要") % {"name": dispatch.enterprise.name, "month": dispatch.month}


# ---------------------------------------------------------------------------------------------
# Excel


class _DispatchSheet:
    """A worksheet that remembers the widest cell of each column, to size the columns at the end."""

    def __init__(self, book, name: str):
        self.sheet = book.add_worksheet(name)
        self.widths: dict[int, int] = {}
        self.row = 0

    def write_row(self, values, fmt=None, *, measure=True) -> None:
        for col, value in enumerate(values):
            self.write_cell(col, value, fmt)
            if measure:
                self.widths[col] = max(self.widths.get(col, 0), display_width(value))
        self.row += 1

    def write_cell(self, col: int, value, fmt=None) -> None:
        """Numbers as numbers; everything else a string cell, never a formula (write() would guess)."""
        if value is None:
            self.sheet.write_blank(self.row, col, None, fmt)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            self.sheet.write_number(self.row, col, value, fmt)
        else:
            self.sheet.write_string(self.row, col, sheet_text(str(value)), fmt)

    def write_text(self, label: str, text, label_fmt, text_fmt) -> None:
        """A bold label, then the text in one cell merged across eight columns, as tall as its lines."""
        self.write_row([label], label_fmt)
        self.sheet.merge_range(self.row, 0, self.row, 7, "", text_fmt)
        self.write_cell(0, text, text_fmt)
        # Roughly one line per 100 narrow characters across the merged columns.
        lines = str(text).splitlines()
        self.sheet.set_row(self.row, 15 * max(1, sum(display_width(line) // 100 + 1 for line in lines)))
        self.row += 1

    def skip(self) -> None:
        self.row += 1

    def fit(self) -> None:
        for col, width in self.widths.items():
            self.sheet.set_column(col, col, min(width + 2, MAX_COLUMN_WIDTH))


def _report_book() -> tuple[BytesIO, xlsxwriter.Workbook, tuple]:
    """The workbook of the dispatch and the weekly report, in memory, and its formats (bold, title,
    header, wrap)."""
    out = BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, **XLSXWRITER_OPTIONS})
    formats = (
        book.add_format({"bold": True}),
        book.add_format({"bold": True, "font_size": 14}),
        book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        book.add_format({"text_wrap": True, "valign": "top"}),
    )
    return out, book, formats


def _days_sheet(book, days: list[dict], header) -> None:
    """The sheet 每日 of a report: each day's expected checks, records, misses, rate and hazards found."""
    sheet = _DispatchSheet(book, _("每日"))
    sheet.write_row([_("日期"), _("日管控应检"), _("已记录"), _("缺失"), _("完成率"), _("发现隐患")], header)
    for day in days:
        rate = _dispatch_percent(day_completion_rate(day))
        sheet.write_row([day["date"], day["expected"], day["recorded"], day["missed"], rate, day["hazards_found"]])
    sheet.fit()


def dispatch_xlsx(dispatch: MonthlyDispatch) -> bytes:
    out, book, (bold, title, header, wrap) = _report_book()
    f = dispatch.figures

    overview = _DispatchSheet(book, _("概况"))
    overview.write_row([_dispatch_title(dispatch)], title, measure=False)
    overview.write_row([_("企业"), dispatch.enterprise.name])
    overview.write_row([_("统计期"), f"{f['period']['start']} ~ {f['period']['end']}"])
    overview.write_row([_("主要负责人签字"), _dispatch_signature(dispatch)])
    overview.skip()
    overview.write_row([_("指标"), _("数值")], header)
    for label, value in dispatch_figure_rows(dispatch):
        overview.write_row([label, value])
    overview.skip()
    overview.write_row(_dispatch_tier_header(), header)
    for row in _dispatch_tier_rows(dispatch):
        overview.write_row(row)
    overview.skip()
    overview.write_text(_("本月工作总结"), dispatch.summary, bold, wrap)
    overview.fit()

    _days_sheet(book, f["days"], header)

    decisions = _DispatchSheet(book, _("下月重点工作"))
    decisions.write_row(_dispatch_decision_header(), header)
    for row in _dispatch_decision_rows(dispatch):
        decisions.write_row(row)
    decisions.fit()

    book.close()
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# PDF


def _dispatch_bar_chart(title: str, labels: list[str], values: list, *, value_max: float | None, color) -> Drawing:
    drawing = Drawing(170 * mm, 58 * mm)
    drawing.add(String(0, 54 * mm, title, fontName=PDF_FONT, fontSize=9))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 10 * mm, 8 * mm, 155 * mm, 42 * mm
    chart.data = [values or [0]]
    chart.bars[0].fillColor = color
    chart.valueAxis.valueMin = 0
    if value_max is not None:
        chart.valueAxis.valueMax = value_max
    else:
        chart.valueAxis.valueMax = max(1, max(values, default=0))
    chart.valueAxis.labels.fontName = PDF_FONT
    chart.valueAxis.labels.fontSize = 7
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontName = PDF_FONT
    chart.categoryAxis.labels.fontSize = 6
    drawing.add(chart)
    return drawing


def _dispatch_table(rows: list[list], widths=None, header=True) -> Table:
    style = [
        ("FONTNAME", (0, 0), (-1, -1), PDF_FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")))
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    table.setStyle(TableStyle(style))
    return table


def _report_document(out: BytesIO, title: str, author: str) -> tuple[SimpleDocTemplate, tuple]:
    """The A4 page of the dispatch and the weekly report, and its styles (title, heading, body), in the
    embedded CJK font."""
    font = pdf_font()
    styles = (
        ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1, wordWrap="CJK"),
        ParagraphStyle("heading", fontName=font, fontSize=11, leading=16, spaceBefore=8, wordWrap="CJK"),
        ParagraphStyle("body", fontName=font, fontSize=9, leading=14, wordWrap="CJK"),
    )
    margins = {"leftMargin": 18 * mm, "rightMargin": 18 * mm, "topMargin": 15 * mm, "bottomMargin": 15 * mm}
    return SimpleDocTemplate(out, pagesize=A4, title=title, author=author, **margins), styles


def dispatch_pdf(dispatch: MonthlyDispatch) -> bytes:
    out = BytesIO()
    doc, (title_style, heading, body) = _report_document(out, _dispatch_title(dispatch), dispatch.enterprise.name)
    f = dispatch.figures
    story = [
        Paragraph(pdf_text(_dispatch_title(dispatch)), title_style),
        Spacer(1, 4 * mm),
        Paragraph(pdf_text(_("统计期:%(start)s 至 %(end)s") % f["period"]), body),
        Paragraph(pdf_text(_("主要负责人签字:%(who)s") % {"who": _dispatch_signature(dispatch)}), body),
        Paragraph(_("一、主要指标"), heading),
        _dispatch_table(
            [[_("指标"), _("数值")], *[[label, str(value)] for label, value in dispatch_figure_rows(dispatch)]],
            widths=[60 * mm, 60 * mm],
        ),
        Paragraph(_("二、分层级检查完成情况"), heading),
        _dispatch_table([_dispatch_tier_header(), *[[str(v) for v in row] for row in _dispatch_tier_rows(dispatch)]]),
        Paragraph(_("三、每日完成情况与隐患"), heading),
    ]
    labels = [day["date"][-2:] for day in f["days"]]
    rates = [round(100 * (day_completion_rate(d) or 0), 1) for d in f["days"]]
    blue, red = colors.HexColor("#4472C4"), colors.HexColor("#C0504D")
    story.append(_dispatch_bar_chart(_("每日日管控完成率(%)"), labels, rates, value_max=100, color=blue))
    hazards = [d["hazards_found"] for d in f["days"]]
    story.append(_dispatch_bar_chart(_("每日发现隐患(项)"), labels, hazards, value_max=None, color=red))
    story.append(Paragraph(_("四、本月工作总结"), heading))
    for line in (dispatch.summary or _("(未填写)")).splitlines() or [""]:
        story.append(Paragraph(pdf_text(line), body))
    story.append(Paragraph(_("五、下月重点工作"), heading))
    decisions = _dispatch_decision_rows(dispatch)
    if decisions:
        rows = [[str(n), Paragraph(pdf_text(task), body), owner, due] for n, task, owner, due in decisions]
        story.append(_dispatch_table([_dispatch_decision_header(), *rows], widths=[12 * mm, 95 * mm, 30 * mm, 30 * mm]))
    else:
        story.append(Paragraph(_("(无)"), body))
    doc.build(story)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Weekly report (周排查治理报告): the same figures, the three minutes and two signatures


def _weekly_title(report: WeeklyReport) -> str:
    return _("%(name)s %(week)s 周排查治理报告") % {"name": report.enterprise.name, "week": report.week}


def weekly_file_name(report: WeeklyReport, extension: str) -> str:
    return f"weekly-{report.enterprise_id}-{report.week}.{extension}"


def weekly_signature_rows(report: WeeklyReport) -> list[tuple[str, str, str]]:
    """(role, who and when, note) for the director, then the principal."""
    tz = report.enterprise.timezone
    director = _signed(report.director_signed_by, report.director_signed_at, tz)
    principal = _signed(report.principal_signed_by, report.principal_signed_at, tz)
    return [
        (_("安全总监签字"), director, report.director_note),
        (_("主要负责人签字"), principal, report.principal_note),
    ]


def weekly_minutes(report: WeeklyReport) -> list[tuple[str, str]]:
    return [
        (_("本周排查治理情况"), report.summary),
        (_("风险研判"), report.risk_analysis),
        (_("下周工作安排"), report.next_week_plan),
    ]


def _weekly_status(report: WeeklyReport) -> str:
    return {"draft": _("草稿"), "director_signed": _("安全总监已签字"), "signed": _("已签字")}[report.status]


def weekly_xlsx(report: WeeklyReport) -> bytes:
    out, book, (bold, title, header, wrap) = _report_book()
    f = report.figures

    overview = _DispatchSheet(book, _("概况"))
    overview.write_row([_weekly_title(report)], title, measure=False)
    overview.write_row([_("企业"), report.enterprise.name])
    overview.write_row([_("统计期"), f"{f['period']['start']} ~ {f['period']['end']}"])
    overview.write_row([_("状态"), _weekly_status(report)])
    overview.skip()
    overview.write_row([_("签字"), _("签字人及时间"), _("签字意见")], header)
    for row in weekly_signature_rows(report):
        overview.write_row(row)
    overview.skip()
    overview.write_row([_("指标"), _("数值")], header)
    for label, value in figure_rows(report):
        overview.write_row([label, value])
    overview.skip()
    overview.write_row(_dispatch_tier_header(), header)
    for row in _dispatch_tier_rows(report):
        overview.write_row(row)
    for label, text in weekly_minutes(report):
        overview.skip()
        overview.write_text(label, text, bold, wrap)
    overview.fit()

    _days_sheet(book, f["days"], header)

    book.close()
    return out.getvalue()


def weekly_pdf(report: WeeklyReport) -> bytes:
    out = BytesIO()
    doc, (title_style, heading, body) = _report_document(out, _weekly_title(report), report.enterprise.name)
    f = report.figures
    signatures = [
        [role, Paragraph(pdf_text(who), body), Paragraph(pdf_text(note), body)]
        for role, who, note in weekly_signature_rows(report)
    ]
    story = [
        Paragraph(pdf_text(_weekly_title(report)), title_style),
        Spacer(1, 4 * mm),
        Paragraph(pdf_text(_("统计期:%(start)s 至 %(end)s") % f["period"]), body),
        Paragraph(pdf_text(_("状态:%(status)s") % {"status": _weekly_status(report)}), body),
        Paragraph(_("一、签字"), heading),
        _dispatch_table(
            [[_("签字"), _("签字人及时间"), _("签字意见")], *signatures], widths=[30 * mm, 55 * mm, 85 * mm]
        ),
        Paragraph(_("二、主要指标"), heading),
        _dispatch_table(
            [[_("指标"), _("数值")], *[[label, str(value)] for label, value in figure_rows(report)]],
            widths=[60 * mm, 60 * mm],
        ),
        Paragraph(_("三、分层级检查完成情况"), heading),
        _dispatch_table([_dispatch_tier_header(), *[[str(v) for v in row] for row in _dispatch_tier_rows(report)]]),
        Paragraph(_("四、每日完成情况与隐患"), heading),
    ]
    labels = [day["date"][5:] for day in f["days"]]
    rates = [round(100 * (day_completion_rate(d) or 0), 1) for d in f["days"]]
    blue, red = colors.HexColor("#4472C4"), colors.HexColor("#C0504D")
    story.append(_dispatch_bar_chart(_("每日日管控完成率(%)"), labels, rates, value_max=100, color=blue))
    hazards = [d["hazards_found"] for d in f["days"]]
    story.append(_dispatch_bar_chart(_("每日发现隐患(项)"), labels, hazards, value_max=None, color=red))
    headings = (_("五、本周排查治理情况"), _("六、风险研判"), _("七、下周工作安排"))
    for title, (_label, text) in zip(headings, weekly_minutes(report), strict=True):
        story.append(Paragraph(title, heading))
        for line in (text or _("(未填写)")).splitlines() or [""]:
            story.append(Paragraph(pdf_text(line), body))
    doc.build(story)
    return out.getvalue()
