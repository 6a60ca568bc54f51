"""The regulator statistics as an Excel workbook (xlsxwriter), one row per line of the statistics and
the total last. Column widths count East-Asian wide characters as two: xlsxwriter's autofit
under-sizes Chinese columns (STACK-NOTES). Names are string cells, quoted when they start like a formula
(core.exports_safety: exports are inert)."""

import io

import xlsxwriter
from django.utils.translation import gettext as _

from core.exports import display_width
from core.exports_safety import XLSXWRITER_OPTIONS, sheet_text
from reports.selectors import TIERS, GroupBy, Stats, StatsFigures


def _columns(group_by: str) -> list[tuple[str, str, object]]:
    """(header, format, value of a row's figures) in sheet order."""
    tier_names = {"daily": _("日管控"), "weekly": _("周排查"), "monthly": _("月调度"), "quarterly": _("季度检查")}
    columns = [
        (_("企业数"), "int", lambda f: f.enterprises),
        (_("岗位数"), "int", lambda f: f.posts),
        (_("有明白卡岗位"), "int", lambda f: f.posts_with_card),
        (_("明白卡覆盖率"), "pct", lambda f: f.card_coverage),
    ]
    for tier in TIERS:
        name = tier_names[tier]
        columns += [
            (_("%(tier)s应检") % {"tier": name}, "int", lambda f, t=tier: f.checks[t].due),
            (_("%(tier)s按时完成") % {"tier": name}, "int", lambda f, t=tier: f.checks[t].done),
            (_("%(tier)s补录") % {"tier": name}, "int", lambda f, t=tier: f.checks[t].late),
            (_("%(tier)s完成率") % {"tier": name}, "pct", lambda f, t=tier: f.checks[t].rate),
        ]
    columns += [
        (_("检查完成率"), "pct", lambda f: f.check_completion),
        (_("按时完成率"), "pct", lambda f: f.check_on_time),
        (_("发现隐患"), "int", lambda f: f.hazards_found),
        (_("已销号"), "int", lambda f: f.hazards_closed),
        (_("逾期未改"), "int", lambda f: f.hazards_overdue),
        (_("整改率"), "pct", lambda f: f.rectification_rate),
        (_("重大隐患未销号"), "int", lambda f: f.major_hazards_open),
        (_("应知应会抽查人次"), "int", lambda f: f.spot_checks),
        (_("抽查题数"), "int", lambda f: f.questions),
        (_("答对题数"), "int", lambda f: f.correct_answers),
        (_("应知应会知晓率"), "pct", lambda f: f.awareness_rate),
        (_("本月演练"), "int", lambda f: f.drills_month),
        (_("本月演练补录"), "int", lambda f: f.drills_month_late),
        (_("本年演练"), "int", lambda f: f.drills_year),
        (_("演练按期企业数"), "int", lambda f: f.drills_up_to_date),
        (_("持证上岗应持证"), "int", lambda f: f.certificates_required),
        (_("未持有效证书"), "int", lambda f: f.certificates_missing),
        (_("持证上岗率"), "pct", lambda f: f.certified_rate),
        (_("检查记录数"), "int", lambda f: f.records_received),
        (_("现场核验记录"), "int", lambda f: f.records_on_site),
        (_("现场核验率"), "pct", lambda f: f.on_site_rate),
        (_("标记可疑记录"), "int", lambda f: f.records_flagged),
        (_("标记率"), "pct", lambda f: f.flagged_rate),
    ]
    return columns


def stats_xlsx(stats: Stats) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, **XLSXWRITER_OPTIONS})
    sheet = book.add_worksheet(_("统计") + " " + stats.month)
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1})
    formats = {"int": book.add_format({"num_format": "0"}), "pct": book.add_format({"num_format": "0.0%"})}
    total_formats = {k: book.add_format({"num_format": v, "bold": True}) for k, v in (("int", "0"), ("pct", "0.0%"))}
    text_bold = book.add_format({"bold": True})

    leading = [_("名称"), _("代码")]
    if stats.group_by == GroupBy.ENTERPRISE:
        leading += [_("行政区划代码"), _("行业代码")]
    columns = _columns(stats.group_by)
    sheet.write_string(0, 0, _("安全生产治本攻坚三年行动 统计 %(month)s") % {"month": stats.month}, text_bold)
    headers = leading + [header for header, _fmt, _value in columns]
    widths = [display_width(h) for h in headers]
    header_row = 2
    for col, header in enumerate(headers):
        sheet.write_string(header_row, col, header, bold)

    def write_figures(row: int, figures: StatsFigures, formats) -> None:
        for offset, (_header, fmt, value) in enumerate(columns):
            number = value(figures)
            col = len(leading) + offset
            if number is None:
                sheet.write_blank(row, col, None, formats[fmt])
            else:
                sheet.write_number(row, col, number, formats[fmt])
            text = "-" if number is None else (f"{number:.1%}" if fmt == "pct" else str(number))
            widths[col] = max(widths[col], display_width(text))

    row = header_row + 1
    for line in stats.rows:
        texts = [line.name, line.code]
        if stats.group_by == GroupBy.ENTERPRISE:
            texts += [line.region, line.industry]
        for col, text in enumerate(texts):
            sheet.write_string(row, col, sheet_text(text))
            widths[col] = max(widths[col], display_width(text))
        write_figures(row, line.figures, formats)
        row += 1
    sheet.write_string(row, 0, _("合计"), text_bold)
    write_figures(row, stats.total, total_formats)

    for col, width in enumerate(widths):
        sheet.set_column(col, col, width + 2)  # +2: a little air either side
    sheet.freeze_panes(header_row + 1, 1)
    book.close()
    return out.getvalue()
