"""The hazard ledger (隐患台账) in and out (issue 16, item 4).

In: a workbook of hazards found before the system was installed, with their found and closed dates,
grades, places, people and clauses. Every row is checked first and every problem comes back at once by
sheet, row and column (the onboarding import's reader and error shape); then all rows are written in one
transaction, or none. The export has the same columns, so an exported ledger imports again.

Out: the ledger of an enterprise or of a region for a period, as xlsx and as pdf. User text is inert in
both (core.exports_safety).
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from io import BytesIO
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from checklists.models import HazardGrade
from checklists.onboarding import Problems, Row, workbook_read
from core.errors import ApplicationError
from core.exports import PDF_FONT, pdf_font
from core.exports_safety import pdf_text, sheet_append
from hazards.models import Hazard, HazardAction, HazardEvent, HazardSource, HazardStatus, JudgmentClause
from hazards.services import hazard_basis_check
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, Person
from orgs.selectors import role_required

SHEET = "隐患台账"
COLUMNS = [
    "序号",
    "隐患名称",
    "隐患等级",
    "位置",
    "判定依据",
    "发现日期",
    "发现人",
    "整改措施",
    "整改责任人",
    "整改资金",
    "整改期限",
    "整改完成日期",
    "验收人",
    "状态",
]
# Written by the export, read back by nothing: the number, the funds (the plan's) and the status (derived).
OPTIONAL = {SHEET: {"序号", "位置", "整改资金", "状态", "整改措施", "整改期限", "验收人"}}
GRADE_INPUT = {
    "一般": HazardGrade.GENERAL,
    "重大": HazardGrade.MAJOR,
    **{str(g.label): g.value for g in HazardGrade},  # as the export writes them
    **{g.value: g.value for g in HazardGrade},
}


@dataclass
class LedgerRow:
    row: Row
    data: dict


def parse_day(row: Row, column: str, problems: Problems, *, required: bool = False) -> date | None:
    value = row.values.get(column)
    if value in (None, ""):
        if required:
            problems.add(row.sheet, row.number, column, _("「%(label)s」为必填项。") % {"label": column})
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError:
        problems.add(row.sheet, row.number, column, _("日期格式应为 YYYY-MM-DD。"))
        return None


def _member(row: Row, column: str, people: dict, problems: Problems, *, required: bool = False) -> Person | None:
    value = row.get(column)
    if not value:
        if required:
            problems.add(row.sheet, row.number, column, _("「%(label)s」为必填项。") % {"label": column})
        return None
    found = people.get(value.lower())
    if found is None:
        problems.add(row.sheet, row.number, column, _("本企业没有用户名或姓名为「%(who)s」的人员。") % {"who": value})
    elif found == "ambiguous":
        problems.add(row.sheet, row.number, column, _("本企业有多名人员叫「%(who)s」,请写用户名。") % {"who": value})
        return None
    return found


def _people(enterprise: Enterprise) -> dict:
    people: dict = {}
    for person in Person.objects.filter(memberships__enterprise=enterprise):
        people[person.username.lower()] = person
        if person.name:
            key = person.name.lower()
            people[key] = "ambiguous" if key in people and people[key] != person else person
    return people


def _clauses() -> dict[str, JudgmentClause]:
    return {c.citation: c for c in JudgmentClause.objects.select_related("standard")}


def ledger_check(sheets: dict[str, list[Row]], enterprise: Enterprise) -> list[LedgerRow]:
    problems, rows = Problems({SHEET: COLUMNS}), []
    people, clauses, today = _people(enterprise), _clauses(), timezone.localdate()
    for row in sheets.get(SHEET, []):
        description = row.get("隐患名称")
        if not description:
            problems.add(row.sheet, row.number, "隐患名称", _("「%(label)s」为必填项。") % {"label": "隐患名称"})
        grade = GRADE_INPUT.get(row.get("隐患等级"))
        if grade is None:
            problems.add(row.sheet, row.number, "隐患等级", _("隐患等级应为「一般」或「重大」。"))
        found_on = parse_day(row, "发现日期", problems, required=True)
        if found_on and found_on > today:
            problems.add(row.sheet, row.number, "发现日期", _("发现日期不能晚于今天。"))
        closed_on = parse_day(row, "整改完成日期", problems)
        if closed_on and found_on and closed_on < found_on:
            problems.add(row.sheet, row.number, "整改完成日期", _("整改完成日期不能早于发现日期。"))
        deadline = parse_day(row, "整改期限", problems)
        found_by = _member(row, "发现人", people, problems, required=True)
        responsible = _member(row, "整改责任人", people, problems, required=bool(closed_on))
        accepted_by = _member(row, "验收人", people, problems)
        if accepted_by is not None and accepted_by == responsible:
            # Four eyes (DESIGN.md, trust rules), also for the hazards of the past.
            problems.add(row.sheet, row.number, "验收人", _("验收人不能是整改责任人。"))
        clause = None
        citation = " ".join(row.get("判定依据").split())
        if citation:
            clause = clauses.get(citation)
            if clause is None:
                problems.add(row.sheet, row.number, "判定依据", _("判定标准目录中没有「%(c)s」。") % {"c": citation})
        if grade and found_on and (clause is not None or not citation):
            try:
                hazard_basis_check(enterprise=enterprise, grade=grade, clause=clause, found_on=found_on)
            except ApplicationError as error:
                problems.add(row.sheet, row.number, "判定依据", error.message)
        rows.append(
            LedgerRow(
                row,
                {
                    "description": description,
                    "grade": grade,
                    "location": row.get("位置"),
                    "clause": clause,
                    "found_on": found_on,
                    "found_by": found_by,
                    "measures": row.get("整改措施"),
                    "responsible": responsible,
                    "deadline": deadline,
                    "closed_on": closed_on,
                    "accepted_by": accepted_by,
                },
            )
        )
    if not rows:
        problems.add(SHEET, None, None, _("工作表「%(sheet)s」没有数据行。") % {"sheet": SHEET})
    problems.raise_if_any()
    return rows


def _at(day: date, tz: ZoneInfo, clock: time = time(0, 0)) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz)


@transaction.atomic
def ledger_import(*, by: Person, enterprise: Enterprise, upload) -> list[Hazard]:
    """Import the workbook whole, or nothing (a 400 listing every problem)."""
    role_required(by, enterprise.pk, SAFETY_MANAGER_ROLES)
    rows = ledger_check(workbook_read(upload, {SHEET: COLUMNS}, OPTIONAL), enterprise)
    tz = ZoneInfo(enterprise.timezone)
    hazards = []
    for item in rows:
        d = item.data
        closed = d["closed_on"] is not None
        status = (
            HazardStatus.CLOSED
            if closed
            else HazardStatus.RECTIFYING
            if d["responsible"] and d["deadline"]
            else HazardStatus.OPEN
        )
        hazard = Hazard.objects.create(
            enterprise=enterprise,
            location=d["location"],
            grade=d["grade"],
            description=d["description"],
            source=HazardSource.LEDGER,
            found_by=d["found_by"],
            found_at=_at(d["found_on"], tz),
            responsible=d["responsible"],
            deadline=_at(d["deadline"], tz, time(23, 59, 59)) if d["deadline"] else None,
            measures=d["measures"],
            basis=d["clause"].citation if d["clause"] else "",
            basis_clause=d["clause"],
            status=status,
            closed_at=_at(d["closed_on"], tz, time(23, 59, 59)) if closed else None,
        )
        note = _("台账导入(第 %(row)d 行)") % {"row": item.row.number}
        events = [
            HazardEvent(
                hazard=hazard,
                action=HazardAction.REPORT,
                to_status=HazardStatus.OPEN,
                actor=d["found_by"],
                at=hazard.found_at,
                note=note,
            )
        ]
        if closed:
            events.append(
                HazardEvent(
                    hazard=hazard,
                    action=HazardAction.ACCEPT,
                    from_status=HazardStatus.PENDING_ACCEPTANCE,
                    to_status=HazardStatus.CLOSED,
                    actor=d["accepted_by"],
                    at=hazard.closed_at,
                    note=note,
                )
            )
        HazardEvent.objects.bulk_create(events)
        hazards.append(hazard)
    return hazards


# ---------------------------------------------------------------------------------------------
# Out


def ledger_rows(hazards) -> list[list]:
    """The export's rows for hazards read with hazards.selectors.ledger_queryset (no query per row)."""
    rows = []
    for number, hazard in enumerate(hazards, start=1):
        tz = ZoneInfo(hazard.enterprise.timezone)
        plans = list(hazard.plans.all())
        accepts = [e for e in hazard.events.all() if e.action in (HazardAction.ACCEPT, HazardAction.VERIFY)]
        acceptor = accepts[-1].actor if accepts and accepts[-1].actor else None
        rows.append(
            [
                number,
                hazard.description,
                str(HazardGrade(hazard.grade).label),
                hazard.location,
                hazard.basis,
                hazard.found_at.astimezone(tz).date().isoformat(),
                str(hazard.found_by),
                hazard.measures,
                str(hazard.responsible) if hazard.responsible else "",
                float(plans[0].funds_amount) if plans and plans[0].funds_amount is not None else None,
                hazard.deadline.astimezone(tz).date().isoformat() if hazard.deadline else "",
                hazard.closed_at.astimezone(tz).date().isoformat() if hazard.closed_at else "",
                str(acceptor) if acceptor else "",
                str(HazardStatus(hazard.status).label),
            ]
        )
    return rows


def ledger_xlsx(hazards, *, title: str) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = SHEET
    sheet_append(ws, COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for values in ledger_rows(hazards):
        sheet_append(ws, values)
    ws.freeze_panes = "A2"
    book.properties.title = title
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def ledger_pdf(hazards, *, title: str) -> bytes:
    pdf_font()
    cell = ParagraphStyle("cell", fontName=PDF_FONT, fontSize=7, leading=9, wordWrap="CJK")
    heading = ParagraphStyle("title", fontName=PDF_FONT, fontSize=14, leading=20, alignment=1, wordWrap="CJK")
    columns = [c for c in COLUMNS if c != "位置"]
    rows = [[Paragraph(pdf_text(c), cell) for c in columns]]
    for values in ledger_rows(hazards):
        del values[3]  # 位置: the columns, the page is wide enough for them only
        rows.append([Paragraph(pdf_text("" if v is None else v), cell) for v in values])
    widths = [8, 40, 12, 34, 18, 16, 34, 16, 16, 18, 18, 16, 16]
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm, title=title)
    doc.build([Paragraph(pdf_text(title), heading), Spacer(1, 4 * mm), table])
    return out.getvalue()
