"""The judgment standards from a workbook (issue 16): the admin imports a new standard or a new version
of one. Sheet 标准 lists the standards, sheet 条款 their clauses; every row is checked first and every
problem comes back by sheet, row and column (the onboarding reader); then all is written, or nothing.
A row with the code and version of a stored standard updates it; clauses are matched on their number."""

from django.db import transaction
from django.utils.translation import gettext as _

from checklists.onboarding import Problems, workbook_read
from hazards.ledger import parse_day
from hazards.models import JudgmentClause, JudgmentStandard

S_STANDARDS, S_CLAUSES = "标准", "条款"
COLUMNS = {
    S_STANDARDS: ["编号", "版本", "名称", "发布文号", "行业领域", "适用行业代码", "施行日期", "废止日期", "来源"],
    S_CLAUSES: ["标准编号", "版本", "序号", "条款号", "条款内容", "适用行业代码"],
}
OPTIONAL = {S_STANDARDS: {"适用行业代码", "废止日期", "来源"}, S_CLAUSES: {"适用行业代码"}}
REQUIRED = {
    S_STANDARDS: ["编号", "版本", "名称", "发布文号", "行业领域", "施行日期"],
    S_CLAUSES: ["标准编号", "版本", "序号", "条款号", "条款内容"],
}


def _positive(row, column: str, problems: Problems) -> int | None:
    try:
        value = int(row.get(column))
    except ValueError:
        value = 0
    if value < 1:
        problems.add(row.sheet, row.number, column, _("「%(label)s」应为正整数。") % {"label": column})
        return None
    return value


def judgment_standards_import(upload) -> tuple[int, int]:
    """Import the workbook whole; returns (standards, clauses) written."""
    sheets = workbook_read(upload, COLUMNS, OPTIONAL)
    problems = Problems(COLUMNS)
    standards, clauses = {}, []
    for sheet in (S_STANDARDS, S_CLAUSES):
        for row in sheets.get(sheet, []):
            for column in REQUIRED[sheet]:
                if not row.get(column):
                    problems.add(sheet, row.number, column, _("「%(label)s」为必填项。") % {"label": column})
    for row in sheets.get(S_STANDARDS, []):
        key = (row.get("编号"), _positive(row, "版本", problems))
        start = parse_day(row, "施行日期", problems)
        end = parse_day(row, "废止日期", problems)
        if start and end and end <= start:
            problems.add(row.sheet, row.number, "废止日期", _("废止日期应晚于施行日期。"))
        if key in standards:
            problems.add(row.sheet, row.number, "编号", _("同一编号和版本出现了两次。"))
        standards[key] = {
            "title": row.get("名称"),
            "issuing_order": row.get("发布文号"),
            "sector": row.get("行业领域"),
            "industry_codes": row.get("适用行业代码"),
            "effective_from": start,
            "effective_to": end,
            "source": row.get("来源"),
        }
    stored = {(s.code, s.version) for s in JudgmentStandard.objects.all()}
    seen = set()
    for row in sheets.get(S_CLAUSES, []):
        key = (row.get("标准编号"), _positive(row, "版本", problems))
        if key not in standards and key not in stored:
            problems.add(row.sheet, row.number, "标准编号", _("没有该编号和版本的标准。"))
        if (key, row.get("条款号")) in seen:
            problems.add(row.sheet, row.number, "条款号", _("同一标准的条款号出现了两次。"))
        seen.add((key, row.get("条款号")))
        clauses.append(
            (key, row.get("条款号"), _positive(row, "序号", problems), row.get("条款内容"), row.get("适用行业代码"))
        )
    problems.raise_if_any()
    with transaction.atomic():
        by_key = {}
        for (code, version), fields in standards.items():
            by_key[(code, version)], _created = JudgmentStandard.objects.update_or_create(
                code=code, version=version, defaults=fields
            )
        for key, number, ordinal, text, codes in clauses:
            standard = by_key.get(key) or JudgmentStandard.objects.get(code=key[0], version=key[1])
            JudgmentClause.objects.update_or_create(
                standard=standard, number=number, defaults={"ordinal": ordinal, "text": text, "industry_codes": codes}
            )
    return len(standards), len(clauses)
