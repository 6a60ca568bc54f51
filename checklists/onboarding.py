"""Onboarding from an Excel workbook: departments, posts, people, cards and checklist templates.

One workbook format for the blank template, the import and the export, so an export imports again
unchanged. Every row is checked before anything is written; all problems come back at once as
{sheet, row, column, message}. The import runs in one transaction (all or nothing) and is keyed on
natural keys (department name, post name within its department, username, template name), so
importing the same workbook again updates rather than duplicates. A dry run does the same work and
rolls it back.

It lives in checklists because it writes orgs, cards and checklist templates (the highest of them).
"""

import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from io import BytesIO

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill

from cards.models import Card, EmergencyStepKey
from cards.serializers import CardContentSerializer
from cards.services import card_create, card_update_draft
from checklists import onboarding_risks
from checklists.models import ChecklistItem, ChecklistTemplate, HazardGrade, ItemKind, Tier
from checklists.serializers import ChecklistItemSerializer
from checklists.services import template_save
from core.errors import ApplicationError, flatten_errors
from core.exports import display_width
from core.exports_safety import (
    MAX_CELL_CHARS,
    sheet_append,
    sheet_text_read,
    workbook_archive_check,
    workbook_errors,
)
from orgs.models import (
    ORG_ADMIN_ROLES,
    CertificateKind,
    Enterprise,
    Membership,
    Person,
    Post,
    RiskLevel,
    Role,
)
from orgs.selectors import role_required, with_belonging
from orgs.services import (
    department_create,
    membership_create,
    membership_update,
    person_update,
    post_create,
    post_fence_clear,
    post_fence_set,
    post_update,
)
from orgs.validators import USERNAME_MAX_LENGTH, fence_degrees, fence_problems, validate_username

MAX_ROWS = 5000  # per sheet: an enterprise's whole roster fits, a runaway sheet does not

S_DEPARTMENTS, S_POSTS, S_PEOPLE, S_CARDS, S_TEMPLATES = "部门", "岗位", "人员", "明白卡", "检查表"
COLUMNS = {
    S_DEPARTMENTS: ["部门名称"],
    S_POSTS: ["部门名称", "岗位名称", "风险等级", "位置", "持证要求", "纬度", "经度", "半径(米)"],
    S_PEOPLE: ["用户名", "姓名", "手机号", "角色", "岗位", "初始密码"],
    S_CARDS: [
        "部门名称",
        "岗位名称",
        "岗位职责",
        "主要风险",
        "管控措施",
        "应急处置",
        "应急电话",
        "持证要求",
        "劳动防护用品",
        "操作规程",
    ],
    S_TEMPLATES: [
        "检查表名称",
        "层级",
        "适用岗位",
        "序号",
        "检查内容",
        "类型",
        "必填",
        "异常须拍照",
        "异常隐患等级",
        "下限",
        "上限",
        "正常下限",
        "正常上限",
        "单位",
    ],
}
COLUMNS |= onboarding_risks.COLUMNS  # the risk register (issue 15)
# The risk register's sheets (issue 15): a workbook made before them imports as it did.
OPTIONAL_SHEETS = set(onboarding_risks.COLUMNS)
# The electronic fence of a post (issue 12): a workbook made before it has no such columns, and imports
# as it did, leaving the fences as they are.
FENCE_COLUMNS = {"latitude": "纬度", "longitude": "经度", "radius_m": "半径(米)"}
OPTIONAL_COLUMNS = {S_POSTS: set(FENCE_COLUMNS.values())}
EXAMPLES = {
    S_DEPARTMENTS: [["生产车间"]],
    S_POSTS: [["生产车间", "反应釜操作岗", "橙", "一号厂房", "危险化学品安全作业", None, None, None]],
    S_PEOPLE: [["zhangsan", "张三", "13800000000", "作业人员", "生产车间/反应釜操作岗", "Init-Pass-2024"]],
    S_CARDS: [
        [
            "生产车间",
            "反应釜操作岗",
            "严格执行反应釜操作规程\n每班开展岗位安全检查并记录",
            "火灾爆炸|橙|易燃物料泄漏遇点火源\n中毒窒息|黄|",
            "严禁烟火\n定期检测可燃气体浓度",
            "关|立即关闭进料阀和电源。\n避|沿疏散通道撤离到上风向。\n喊|大声呼喊,警示周边人员撤离。\n"
            "报|报告班组长和值班室,必要时拨打119。\n助|确保自身安全后协助救援。",
            "值班室|0711-3200000",
            "危险化学品安全作业证",
            "安全帽\n防静电工作服",
            "开机前检查设备和仪表",
        ]
    ],
    S_TEMPLATES: [
        ["反应釜日常检查", "日管控", "生产车间/反应釜操作岗", 1, "压力表读数正常", "检查", "是", "是", "一般"]
        + [None] * 5,
        ["反应釜日常检查", None, None, 2, "釜内压力", "数值", "是", "否", "重大", 0, 2, 0.1, 1.2, "MPa"],
    ],
}
EXAMPLES |= onboarding_risks.EXAMPLES
NOTES = [
    *onboarding_risks.NOTES,
    "每个工作表第一行是表头,请勿修改;从第二行起每行一条记录,示例行可直接改写或删除。",
    "一个单元格内的多条内容请换行(Alt+Enter)分隔;岗位、持证要求也可用“、”分隔。",
    "岗位写作“部门名称/岗位名称”;没有部门的岗位只写岗位名称。",
    "主要风险每行“名称|等级|描述”,等级为 红/橙/黄/蓝;应急处置每行“关|做法”(关、避、喊、报、助);"
    "应急电话每行“名称|电话”。",
    "检查表每行一个检查项;同一检查表的各行“检查表名称”相同,层级和适用岗位写在第一行即可。",
    "岗位的电子围栏:纬度、经度(WGS-84,如手机定位给出的坐标;国内地图应用显示的是偏移数百米的 GCJ-02 坐标,"
    "不能照抄)和半径(10–5000 米)三项同时填写或都不填;都不填即不设围栏。设有围栏的岗位,提交检查时记录手机位置。",
    "用户名只能包含英文字母、数字和 @/./+/-/_,不区分大小写。",
    "人员已存在(按用户名)时不会修改其密码;新人员必须填写初始密码。已属于其他企业的人员、监管人员和平台管理员不能导入。",
    "再次导入同一工作簿会更新已有记录(按部门名称、部门内岗位名称、用户名、检查表名称),不会重复创建。",
]

RISK_LABELS = {"red": "红", "orange": "橙", "yellow": "黄", "blue": "蓝"}
RISK_INPUT = {
    **{label: code for code, label in RISK_LABELS.items()},
    **{code: code for code in RISK_LABELS},
    "重大": "red",
    "较大": "orange",
    "一般": "yellow",
    "低": "blue",
    **{str(choice.label): choice.value for choice in RiskLevel},
}
ROLE_INPUT = {**{str(r.label): r.value for r in Role}, **{r.value: r.value for r in Role}}
TIER_INPUT = {**{str(t.label): t.value for t in Tier}, **{t.value: t.value for t in Tier}}
KIND_LABELS = {"check": "检查", "number": "数值", "text": "文字", "photo": "照片"}
KIND_INPUT = {**{label: code for code, label in KIND_LABELS.items()}, **{k.value: k.value for k in ItemKind}}
GRADE_LABELS = {"general": "一般", "major": "重大"}
GRADE_INPUT = {**{label: code for code, label in GRADE_LABELS.items()}, **{g.value: g.value for g in HazardGrade}}
YES, NO = "是", "否"
BOOL_INPUT = {YES: True, NO: False, "Y": True, "N": False, "TRUE": True, "FALSE": False, "1": True, "0": False}
STEP_INPUT = {str(step.label): step.value for step in EmergencyStepKey}
SPLIT = re.compile(r"[\n、;;]+")


@dataclass
class Report:
    dry_run: bool
    created: dict = field(default_factory=lambda: defaultdict(int))
    updated: dict = field(default_factory=lambda: defaultdict(int))


@dataclass
class Row:
    sheet: str
    number: int  # the row number Excel shows
    values: dict  # header -> cleaned cell value (str, number or None)

    def get(self, column: str) -> str:
        value = self.values.get(column)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()


class Problems:
    """Every problem of the workbook, each with its sheet, row (as Excel numbers it) and column.
    `columns`: the sheets and their columns (default: the onboarding workbook's; hazards' ledger has its own)."""

    def __init__(self, columns: dict[str, list[str]] | None = None):
        self.items: list[dict] = []
        self.columns = COLUMNS if columns is None else columns

    def add(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        cell = None
        if row is not None and column in self.columns.get(sheet, []):
            cell = f"{_letter(self.columns[sheet].index(column))}{row}"
        self.items.append(
            {
                "sheet": sheet,
                "row": row,
                "column": column,
                "field": f"{sheet}!{cell}" if cell else sheet,
                "code": "invalid",
                "message": str(message),
            }
        )

    def raise_if_any(self) -> None:
        if self.items:
            first = self.items[0]
            where = f"{first['field']}: " if first["field"] else ""
            raise ApplicationError(
                _("工作簿有 %(n)d 处错误。") % {"n": len(self.items)} + f" {where}{first['message']}",
                field=first["field"],
                code="invalid_workbook",
                errors=self.items,
            )


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _items(text: str) -> list[str]:
    return [part.strip() for part in SPLIT.split(text or "") if part.strip()]


# ---------------------------------------------------------------------------------------------
# Reading


def workbook_read(upload, columns: dict[str, list[str]] | None = None, optional=None) -> dict[str, list[Row]]:
    """The rows of each sheet. A file that is not an .xlsx workbook, or too big, is a 400. `columns` and
    `optional` describe another workbook than the onboarding one (hazards.ledger)."""
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".xlsx"):
        raise ApplicationError(_("请上传 Excel 工作簿(.xlsx)。"), field="file", code="not_xlsx")
    if upload.size > settings.ONBOARDING_MAX_BYTES:
        raise ApplicationError(
            _("文件过大:不能超过 %(mb)d MB。") % {"mb": settings.ONBOARDING_MAX_BYTES // (1024 * 1024)},
            field="file",
            code="too_large",
        )
    data = upload.read()
    # Bounded before any parser sees it: a 1 MB zip can inflate to a gigabyte; no DTD in any XML part.
    workbook_archive_check(
        data,
        max_bytes=settings.ONBOARDING_MAX_UNCOMPRESSED_BYTES,
        max_ratio=settings.ONBOARDING_MAX_COMPRESSION_RATIO,
    )
    problems = Problems(columns)
    with workbook_errors():  # openpyxl reads the sheets lazily, in iter_rows: its failures are a 400 too
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = _sheets_read(book, problems, columns, optional)
        finally:
            book.close()
    problems.raise_if_any()
    return sheets


def _sheets_read(book, problems: Problems, all_columns=None, optional=None) -> dict[str, list[Row]]:
    sheets: dict[str, list[Row]] = {}
    all_columns = COLUMNS if all_columns is None else all_columns
    optional = OPTIONAL_COLUMNS if optional is None else optional
    for sheet, columns in all_columns.items():
        if sheet not in book.sheetnames and sheet in OPTIONAL_SHEETS:
            continue
        if sheet not in book.sheetnames:
            problems.add(sheet, None, None, _("缺少工作表「%(sheet)s」。") % {"sheet": sheet})
            continue
        rows = book[sheet].iter_rows(values_only=True, max_row=MAX_ROWS + 2)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        missing = [c for c in columns if c not in header and c not in optional.get(sheet, ())]
        for column in missing:
            problems.add(sheet, 1, column, _("缺少列「%(column)s」。") % {"column": column})
        if missing:
            continue
        positions = {column: header.index(column) for column in columns if column in header}
        found = []
        for number, values in enumerate(rows, start=2):
            if number > MAX_ROWS + 1:
                problems.add(sheet, number, None, _("每个工作表最多 %(n)d 行。") % {"n": MAX_ROWS})
                break
            cells = {c: (values[i] if i < len(values) else None) for c, i in positions.items()}
            too_long = [c for c, v in cells.items() if isinstance(v, str) and len(v) > MAX_CELL_CHARS]
            for column in too_long:
                message = _("单元格内容超过 %(n)d 个字符(Excel 单元格的上限)。") % {"n": MAX_CELL_CHARS}
                problems.add(sheet, number, column, message)
            if too_long:
                continue
            # sheet_text_read: the export quotes a text starting with = + - @ (core.exports_safety).
            cells = {c: (sheet_text_read(v.strip()) if isinstance(v, str) else v) for c, v in cells.items()}
            if all(v in (None, "") for v in cells.values()):
                continue
            found.append(Row(sheet, number, cells))
        sheets[sheet] = found
    return sheets


# ---------------------------------------------------------------------------------------------
# Checking: every row into plain data, every problem noted


@dataclass
class Plan:
    departments: dict = field(default_factory=dict)  # name -> row
    posts: dict = field(default_factory=dict)  # (department, name) -> {risk_level, location, kinds, fence, row}
    people: dict = field(default_factory=dict)  # username -> {name, phone, role, posts, password, row}
    cards: dict = field(default_factory=dict)  # post key -> content
    templates: dict = field(default_factory=dict)  # name -> {tier, posts, items}
    # The risk register (checklists.onboarding_risks): name -> point; name -> assessment; name -> level it
    # gets; (point, source, measure) -> control.
    risk_points: dict = field(default_factory=dict)
    assessments: dict = field(default_factory=dict)
    risk_levels: dict = field(default_factory=dict)
    controls: dict = field(default_factory=dict)


def _post_key(text: str) -> tuple[str, str]:
    department, _sep, name = text.rpartition("/")
    return department.strip(), name.strip()


def _required(row: Row, column: str, problems: Problems) -> str:
    value = row.get(column)
    if not value:
        problems.add(row.sheet, row.number, column, _("「%(label)s」为必填项。") % {"label": column})
    return value


def _choice(row: Row, column: str, choices: dict, problems: Problems, *, default=None):
    value = row.get(column)
    if not value:
        if default is None:
            problems.add(row.sheet, row.number, column, _("「%(label)s」为必填项。") % {"label": column})
        return default
    if value not in choices:
        allowed = "、".join(dict.fromkeys(k for k in choices if not k.isascii()))
        problems.add(
            row.sheet,
            row.number,
            column,
            _("“%(value)s”不是可选值(可选:%(allowed)s)。") % {"value": value, "allowed": allowed},
        )
        return default
    return choices[value]


def _check_departments(sheets, existing, problems: Problems, plan: Plan) -> None:
    seen = {}
    for row in sheets.get(S_DEPARTMENTS, []):
        name = _required(row, "部门名称", problems)
        if len(name) > 100:
            problems.add(row.sheet, row.number, "部门名称", _("不能超过 %(n)d 个字。") % {"n": 100})
        elif name in seen:
            problems.add(row.sheet, row.number, "部门名称", _("与第 %(row)d 行重复。") % {"row": seen[name]})
        elif name:
            seen[name] = plan.departments[name] = row.number
    existing["departments"] |= set(plan.departments)


def _check_posts(sheets, existing, kinds: dict[str, int], problems: Problems, plan: Plan) -> None:
    seen = {}
    for row in sheets.get(S_POSTS, []):
        department = row.get("部门名称")
        name = _required(row, "岗位名称", problems)
        if department and department not in existing["departments"]:
            problems.add(row.sheet, row.number, "部门名称", _("部门「%(name)s」不存在。") % {"name": department})
        if len(name) > 100:
            problems.add(row.sheet, row.number, "岗位名称", _("不能超过 %(n)d 个字。") % {"n": 100})
            continue
        risk = _choice(row, "风险等级", RISK_INPUT, problems, default=RiskLevel.BLUE.value)
        location = row.get("位置")
        if len(location) > 200:
            problems.add(row.sheet, row.number, "位置", _("不能超过 %(n)d 个字。") % {"n": 200})
        wanted = _items(row.get("持证要求"))
        unknown = [k for k in wanted if k not in kinds]
        if unknown:
            problems.add(
                row.sheet,
                row.number,
                "持证要求",
                _("未知的证书类型:%(names)s(可选:%(allowed)s)。")
                % {"names": "、".join(unknown), "allowed": "、".join(kinds)},
            )
        fence = _check_fence(row, problems)
        key = (department, name)
        if key in seen:
            problems.add(row.sheet, row.number, "岗位名称", _("与第 %(row)d 行重复。") % {"row": seen[key]})
            continue
        if name:
            seen[key] = row.number
            plan.posts[key] = {
                "risk_level": risk,
                "location": location,
                "kinds": [kinds[k] for k in wanted if k in kinds],
                "fence": fence,
                "row": row.number,
            }
    existing["posts"] |= set(plan.posts)


def _check_fence(row: Row, problems: Problems) -> dict | None:
    """The post's fence fields as stored ({fence_latitude, fence_longitude, fence_radius_m}, all None for
    no fence), or None when the sheet has no fence columns (the fence stays as it is)."""
    if not all(column in row.values for column in FENCE_COLUMNS.values()):
        return None
    before = len(problems.items)
    values = {name: _decimal(row, column, problems) for name, column in FENCE_COLUMNS.items()}
    if len(problems.items) == before:  # a cell that is not a number is said once
        for name, message in fence_problems(**values).items():
            problems.add(row.sheet, row.number, FENCE_COLUMNS[name], message)
    if len(problems.items) > before or values["radius_m"] is None:
        return {"fence_latitude": None, "fence_longitude": None, "fence_radius_m": None}
    return {
        "fence_latitude": fence_degrees(values["latitude"]),
        "fence_longitude": fence_degrees(values["longitude"]),
        "fence_radius_m": int(values["radius_m"]),
    }


def _check_post_refs(row: Row, column: str, existing, problems: Problems) -> list[tuple[str, str]]:
    keys = [_post_key(text) for text in _items(row.get(column))]
    unknown = ["/".join(filter(None, key)) for key in keys if key not in existing["posts"]]
    if unknown:
        problems.add(row.sheet, row.number, column, _("岗位不存在:%(names)s。") % {"names": "、".join(unknown)})
    return [key for key in keys if key in existing["posts"]]


def _username_problem(username: str) -> str | None:
    """The one username rule (orgs.validators), as the members API and the admin apply it."""
    if len(username) > USERNAME_MAX_LENGTH:
        return _("不能超过 %(n)d 个字。") % {"n": USERNAME_MAX_LENGTH}
    try:
        validate_username(username)
    except DjangoValidationError as exc:
        return " ".join(exc.messages)
    return None


def _check_people(sheets, existing, enterprise: Enterprise, problems: Problems, plan: Plan) -> None:
    """People are this enterprise's own (DESIGN.md, trust rules): a listed username is a new person, a
    member, or someone who belongs nowhere (attached as they are). A person who belongs elsewhere
    (another enterprise, a regulator scope, platform staff) is neither attached nor edited, and their
    username is answered exactly as an unknown one (the new person's fields are asked for), or, when
    those are given, as taken: nothing about them is revealed. Usernames compare ignoring case."""
    listed = {r.get("用户名").lower() for r in sheets.get(S_PEOPLE, []) if not _username_problem(r.get("用户名"))}
    lookup = Person.objects.alias(username_lower=Lower("username")).filter(username_lower__in=listed)
    known = {p.username.lower(): p for p in with_belonging(lookup, enterprise.pk)}
    seen = {}
    for row in sheets.get(S_PEOPLE, []):
        username = _required(row, "用户名", problems)
        if username and (problem := _username_problem(username)):
            problems.add(row.sheet, row.number, "用户名", problem)
            continue
        if username.lower() in seen:
            problems.add(row.sheet, row.number, "用户名", _("与第 %(row)d 行重复。") % {"row": seen[username.lower()]})
            continue
        role = _choice(row, "角色", ROLE_INPUT, problems, default=Role.WORKER.value)
        posts = _check_post_refs(row, "岗位", existing, problems)
        name, phone, password = row.get("姓名"), row.get("手机号"), row.get("初始密码")
        person = known.get(username.lower())
        taken = person is not None and person.belongs_elsewhere and not person.member_here
        if taken:
            person = None  # as good as unknown to this enterprise
        if person is None:
            if not name:
                problems.add(row.sheet, row.number, "姓名", _("新建人员需要填写姓名。"))
            if not password:
                problems.add(row.sheet, row.number, "初始密码", _("新建人员需要设置密码。"))
            else:
                try:
                    validate_password(password, user=Person(username=username, name=name, phone=phone))
                except DjangoValidationError as exc:
                    problems.add(row.sheet, row.number, "初始密码", " ".join(exc.messages))
                else:
                    if taken and name:
                        problems.add(row.sheet, row.number, "用户名", _("用户名已存在。"))
        elif person.belongs_elsewhere:
            # A member here who also belongs elsewhere (another enterprise, a regulator, platform staff):
            # kept as a member, never edited from here.
            if (name and name != person.name) or (phone and phone != person.phone):
                problems.add(row.sheet, row.number, "姓名", _("该用户名已属于其他企业的人员,不能修改其姓名或手机号。"))
        if len(name) > 50 or len(phone) > 20:
            problems.add(row.sheet, row.number, "姓名" if len(name) > 50 else "手机号", _("内容过长。"))
        if username:
            seen[username.lower()] = row.number
            plan.people[person.username if person else username] = {
                "name": name,
                "phone": phone,
                "role": role,
                "posts": posts,
                "password": password,
                "row": row.number,
            }


def _card_lists(row: Row, problems: Problems) -> dict:
    hazards = []
    for line in _lines(row.get("主要风险")):
        name, _sep, rest = line.partition("|")
        level, _sep, description = rest.partition("|")
        hazards.append(
            {
                "name": name.strip(),
                "risk_level": RISK_INPUT.get(level.strip(), level.strip()),
                "description": description.strip(),
            }
        )
    steps = []
    for line in _lines(row.get("应急处置")):
        title, _sep, action = line.partition("|")
        steps.append(
            {"key": STEP_INPUT.get(title.strip(), title.strip()), "title": title.strip(), "action": action.strip()}
        )
    contacts = []
    for line in _lines(row.get("应急电话")):
        name, _sep, phone = line.partition("|")
        contacts.append({"name": name.strip(), "phone": phone.strip()})
    return {
        "duties": _lines(row.get("岗位职责")),
        "hazards": hazards,
        "controls": _lines(row.get("管控措施")),
        "emergency_steps": steps,
        "emergency_contacts": contacts,
        "required_certificates": _lines(row.get("持证要求")),
        "ppe": _lines(row.get("劳动防护用品")),
        "operating_rules": _lines(row.get("操作规程")),
    }


CARD_COLUMNS = {
    "duties": "岗位职责",
    "hazards": "主要风险",
    "controls": "管控措施",
    "emergency_steps": "应急处置",
    "emergency_contacts": "应急电话",
    "required_certificates": "持证要求",
    "ppe": "劳动防护用品",
    "operating_rules": "操作规程",
}


def _check_cards(sheets, existing, problems: Problems, plan: Plan) -> None:
    seen = {}
    for row in sheets.get(S_CARDS, []):
        name = _required(row, "岗位名称", problems)
        key = (row.get("部门名称"), name)
        if name and key not in existing["posts"]:
            problems.add(
                row.sheet, row.number, "岗位名称", _("岗位不存在:%(names)s。") % {"names": "/".join(filter(None, key))}
            )
            continue
        if key in seen:
            problems.add(row.sheet, row.number, "岗位名称", _("与第 %(row)d 行重复。") % {"row": seen[key]})
            continue
        shape = CardContentSerializer(data=_card_lists(row, problems))
        if not shape.is_valid():
            for error in flatten_errors(shape.errors):
                column = CARD_COLUMNS.get(error["field"].split("[")[0].split(".")[0], "岗位名称")
                problems.add(row.sheet, row.number, column, f"{error['field']}: {error['message']}")
            continue
        if name:
            seen[key] = row.number
            plan.cards[key] = dict(shape.validated_data)


ITEM_COLUMNS = {
    "label": "检查内容",
    "kind": "类型",
    "required": "必填",
    "photo_on_fail": "异常须拍照",
    "hazard_grade_on_fail": "异常隐患等级",
    "min_value": "下限",
    "max_value": "上限",
    "normal_min": "正常下限",
    "normal_max": "正常上限",
    "unit": "单位",
}


def _decimal(row: Row, column: str, problems: Problems):
    value = row.get(column)
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        problems.add(row.sheet, row.number, column, _("请填写数字。"))
        return None


def _check_templates(sheets, existing, problems: Problems, plan: Plan) -> None:
    for row in sheets.get(S_TEMPLATES, []):
        name = _required(row, "检查表名称", problems)
        if not name:
            continue
        template = plan.templates.get(name)
        if template is None:
            tier = _choice(row, "层级", TIER_INPUT, problems, default=None)
            template = plan.templates[name] = {
                "tier": tier,
                "posts": _check_post_refs(row, "适用岗位", existing, problems),
                "items": [],
                "orders": {},
            }
        elif row.get("层级") and TIER_INPUT.get(row.get("层级")) != template["tier"]:
            problems.add(row.sheet, row.number, "层级", _("同一检查表的层级必须一致。"))
        elif row.get("适用岗位"):
            template["posts"] += [
                k for k in _check_post_refs(row, "适用岗位", existing, problems) if k not in template["posts"]
            ]
        order = row.get("序号")
        try:
            order = int(order) if order else len(template["items"]) + 1
        except ValueError:
            problems.add(row.sheet, row.number, "序号", _("请填写整数。"))
            continue
        if order in template["orders"]:
            problems.add(row.sheet, row.number, "序号", _("与第 %(row)d 行重复。") % {"row": template["orders"][order]})
            continue
        template["orders"][order] = row.number
        data = {
            "label": row.get("检查内容"),
            "kind": _choice(row, "类型", KIND_INPUT, problems, default=ItemKind.CHECK.value),
            "required": _choice(row, "必填", BOOL_INPUT, problems, default=True),
            "photo_on_fail": _choice(row, "异常须拍照", BOOL_INPUT, problems, default=False),
            "hazard_grade_on_fail": _choice(row, "异常隐患等级", GRADE_INPUT, problems, default=""),
            "unit": row.get("单位"),
            **{
                f: _decimal(row, ITEM_COLUMNS[f], problems)
                for f in ("min_value", "max_value", "normal_min", "normal_max")
            },
        }
        shape = ChecklistItemSerializer(data={k: v for k, v in data.items() if v is not None})
        if not shape.is_valid():
            for error in flatten_errors(shape.errors):
                column = ITEM_COLUMNS.get(error["field"] or "", "检查内容")
                problems.add(row.sheet, row.number, column, error["message"])
            continue
        template["items"].append((order, dict(shape.validated_data)))


def workbook_check(sheets: dict[str, list[Row]], enterprise: Enterprise) -> Plan:
    """Plain data for every sheet, or one 400 listing every problem (nothing is written here)."""
    problems, plan = Problems(), Plan()
    existing = {
        "departments": set(enterprise.departments.values_list("name", flat=True)),
        "posts": {(d or "", n) for d, n in enterprise.posts.values_list("department__name", "name")},
    }
    kinds = dict(CertificateKind.objects.values_list("name", "pk"))
    _check_departments(sheets, existing, problems, plan)
    _check_posts(sheets, existing, kinds, problems, plan)
    _check_people(sheets, existing, enterprise, problems, plan)
    _check_cards(sheets, existing, problems, plan)
    _check_templates(sheets, existing, problems, plan)
    post_refs = lambda row, column: _check_post_refs(row, column, existing, problems)  # noqa: E731
    onboarding_risks.check_points(sheets, existing, problems, plan, post_refs)
    onboarding_risks.check_assessments(sheets, enterprise, problems, plan)
    onboarding_risks.check_controls(sheets, enterprise, problems, plan, post_refs)
    problems.raise_if_any()
    return plan


# ---------------------------------------------------------------------------------------------
# Writing


class _DryRun(Exception):
    pass


# What the orgs services name the fields they refuse, as the columns of the sheets.
SERVICE_FIELDS = {
    S_DEPARTMENTS: {"name": "部门名称"},
    S_POSTS: {"name": "岗位名称", "department": "部门名称", **FENCE_COLUMNS},
    S_PEOPLE: {"username": "用户名", "name": "姓名", "phone": "手机号", "password": "初始密码", "role": "角色"},
}


@contextmanager
def _at(sheet: str, row: int | None, column: str | None = None):
    """A refusal of an orgs service while writing (a row written concurrently since the check, say) as
    a problem of the workbook, at its sheet, row and column: the whole import is rolled back."""
    try:
        yield
    except ApplicationError as error:
        if error.code == "invalid_workbook":
            raise
        problems = Problems()
        problems.add(sheet, row, SERVICE_FIELDS.get(sheet, {}).get(error.field, column), error.message)
        problems.raise_if_any()


def _write(*, by: Person, enterprise: Enterprise, plan: Plan, report: Report) -> None:
    """Write the plan through the services of each app, so that every write keeps their rules and locks."""
    departments = {d.name: d for d in enterprise.departments.all()}
    for name, row in plan.departments.items():
        if name not in departments:
            with _at(S_DEPARTMENTS, row, "部门名称"):
                departments[name] = department_create(by=by, data={"enterprise": enterprise, "name": name})
            report.created["departments"] += 1

    posts = {
        (p.department.name if p.department else "", p.name): p for p in enterprise.posts.select_related("department")
    }
    for key, data in plan.posts.items():
        with _at(S_POSTS, data["row"], "岗位名称"):
            _write_post(
                by=by, enterprise=enterprise, key=key, data=data, posts=posts, departments=departments, report=report
            )

    _write_people(by=by, enterprise=enterprise, plan=plan, posts=posts, report=report)

    cards = {c.post_id: c for c in Card.objects.filter(enterprise=enterprise)}
    for key, content in plan.cards.items():
        post = posts[key]
        card = cards.get(post.pk)
        if card is None:
            card_create(by=by, post=post, data=content)
            report.created["cards"] += 1
        elif any(getattr(card, f) != v for f, v in content.items()):
            card_update_draft(by=by, card=card, data=content)
            report.updated["cards"] += 1

    templates = {t.name: t for t in ChecklistTemplate.objects.filter(enterprise=enterprise)}
    for name, data in plan.templates.items():
        template = templates.get(name)
        # template_save numbers the items 1..n in the order given, so the n-th row (by 序号) of the sheet
        # updates the n-th active item: a re-import changes items in place instead of adding copies.
        by_order = {}
        if template is not None:
            active = template.items.filter(active=True).order_by("order", "id")
            by_order = {position: item for position, item in enumerate(active, start=1)}
        ordered = [item for _order, item in sorted(data["items"], key=lambda pair: pair[0])]
        items = [
            {**item, **({"id": by_order[n].pk} if n in by_order else {})} for n, item in enumerate(ordered, start=1)
        ]
        changed = template is None or _template_changed(template, data, items, posts, by_order)
        template_save(
            by=by,
            template=template,
            data={
                "enterprise": enterprise,
                "name": name,
                "tier": data["tier"],
                "posts": [posts[k] for k in data["posts"]],
                "items": items,
            },
        )
        if template is None:
            report.created["templates"] += 1
        elif changed:
            report.updated["templates"] += 1
    onboarding_risks.write(by=by, enterprise=enterprise, plan=plan, posts=posts, departments=departments, report=report)


def _write_post(*, by, enterprise, key, data, posts, departments, report: Report) -> None:
    post, changed = posts.get(key), False
    created = post is None
    fields = {"risk_level": data["risk_level"], "location": data["location"]}
    if post is None:
        post = posts[key] = post_create(
            by=by,
            data={
                "enterprise": enterprise,
                "department": departments.get(key[0]),
                "name": key[1],
                "required_certificate_kinds": data["kinds"],
                **fields,
            },
        )
        report.created["posts"] += 1
    elif any(getattr(post, f) != v for f, v in fields.items()) or set(
        post.required_certificate_kinds.values_list("pk", flat=True)
    ) != set(data["kinds"]):
        post_update(post=post, by=by, data={**fields, "required_certificate_kinds": data["kinds"]})
        changed = True
    fence = data["fence"]  # None: the sheet has no fence columns, the fence stays as it is
    if fence is not None and any(getattr(post, f) != v for f, v in fence.items()):
        if fence["fence_radius_m"] is None:
            post_fence_clear(post=post, by=by)
        else:
            latitude, longitude = fence["fence_latitude"], fence["fence_longitude"]
            post_fence_set(post=post, by=by, latitude=latitude, longitude=longitude, radius_m=fence["fence_radius_m"])
        changed = True
    if changed and not created:
        report.updated["posts"] += 1


def _template_changed(template, data, items, posts, by_order) -> bool:
    if template.tier != data["tier"] or not template.active:
        return True
    if set(template.posts.values_list("pk", flat=True)) != {posts[k].pk for k in data["posts"]}:
        return True
    if len(items) != len(by_order):
        return True
    for item in items:
        stored = ChecklistItem.objects.filter(pk=item.get("id")).first()
        if stored is None or any(getattr(stored, f) != v for f, v in item.items() if f != "id"):
            return True
    return False


def _write_people(*, by: Person, enterprise: Enterprise, plan: Plan, posts: dict, report: Report) -> None:
    """People through the orgs services: membership_create attaches or creates (locking the person),
    person_update edits only the enterprise's own people, membership_update keeps one org admin."""
    # Asked again here, not taken from the check: whoever belongs elsewhere by now is never edited.
    known = {
        p.username: p for p in with_belonging(Person.objects.filter(username__in=list(plan.people)), enterprise.pk)
    }
    memberships = {m.person_id: m for m in Membership.objects.filter(enterprise=enterprise)}
    password_hashes: dict[str, str] = {}  # one hash per initial password of the roster
    if report.dry_run:  # rolled back anyway: spare the slow hashes (an unusable password costs none)
        password_hashes = {data["password"]: make_password(None) for data in plan.people.values()}
    demotions = []  # after every promotion: the enterprise always keeps an org admin
    for username, data in plan.people.items():
        with _at(S_PEOPLE, data["row"], "用户名"):
            person = known.get(username)
            if person is None or not person.member_here:
                given = {f: data[f] for f in ("name", "phone", "password") if person is None and data[f]}
                membership = membership_create(
                    by=by,
                    data={"enterprise": enterprise, "role": data["role"], "username": username, **given},
                    password_hashes=password_hashes,
                )
                memberships[membership.person_id], person = membership, membership.person
                report.created["memberships"] += 1
                if known.get(username) is None:
                    report.created["people"] += 1
            else:
                wanted = {f: data[f] for f in ("name", "phone") if data[f] and data[f] != getattr(person, f)}
                if wanted and not person.belongs_elsewhere:
                    person_update(by=by, enterprise=enterprise, person=person, data=wanted)
                    report.updated["people"] += 1
                membership = memberships[person.pk]
                if membership.role != data["role"]:
                    if membership.role in ORG_ADMIN_ROLES and data["role"] not in ORG_ADMIN_ROLES:
                        demotions.append((membership, data))
                    else:
                        membership_update(membership=membership, by=by, data={"role": data["role"]})
                    report.updated["memberships"] += 1
        data["person"] = person
    for membership, data in demotions:
        with _at(S_PEOPLE, data["row"], "角色"):
            membership_update(membership=membership, by=by, data={"role": data["role"]})
    if not any(m.role in ORG_ADMIN_ROLES for m in memberships.values()):
        raise ApplicationError(_("企业至少需要一名管理员或主要负责人。"), field=f"{S_PEOPLE}", code="conflict")
    _write_holders(by=by, plan=plan, posts=posts)


def _write_holders(*, by: Person, plan: Plan, posts: dict) -> None:
    """The sheet says which posts each listed person holds in this enterprise; others keep theirs."""
    listed = {data["person"].pk for data in plan.people.values()}
    holders = defaultdict(set)
    rows = Post.holders.through.objects.filter(post__in=[p.pk for p in posts.values()])
    for post_id, person_id in rows.values_list("post_id", "person_id"):
        holders[post_id].add(person_id)
    wanted = {post.pk: holders[post.pk] - listed for post in posts.values()}
    for data in plan.people.values():
        for key in data["posts"]:
            wanted[posts[key].pk].add(data["person"].pk)
    for post in posts.values():
        if wanted[post.pk] != holders[post.pk]:
            with _at(S_PEOPLE, None, "岗位"):
                post_update(post=post, by=by, data={"holders": sorted(wanted[post.pk])})


def onboarding_import(*, by: Person, enterprise: Enterprise, upload, dry_run: bool) -> Report:
    """Check the workbook and write it whole, or (dry run) check it and write nothing."""
    role_required(by, enterprise.pk, ORG_ADMIN_ROLES)
    plan = workbook_check(workbook_read(upload), enterprise)
    report = Report(dry_run=dry_run)
    try:
        with transaction.atomic():
            _write(by=by, enterprise=enterprise, plan=plan, report=report)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


# ---------------------------------------------------------------------------------------------
# Writing workbooks: the blank template and the export


def _book(rows_by_sheet: dict[str, list[list]], *, notes: bool) -> bytes:
    book = Workbook()
    book.remove(book.active)
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for sheet, columns in COLUMNS.items():
        ws = book.create_sheet(sheet)
        sheet_append(ws, columns)
        for cell in ws[1]:
            cell.font, cell.fill = header_font, header_fill
        widths = [display_width(c) for c in columns]
        for values in rows_by_sheet.get(sheet, []):
            sheet_append(ws, values)
            for index, value in enumerate(values):
                if value is not None:
                    widths[index] = max(widths[index], display_width(value))
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, width in enumerate(widths):
            ws.column_dimensions[_letter(index)].width = min(max(width + 2, 8), 60)
        ws.freeze_panes = "A2"
    if notes:
        ws = book.create_sheet("说明")
        sheet_append(ws, ["填写说明"])
        ws["A1"].font = header_font
        for line in NOTES:
            sheet_append(ws, [line])
        sheet_append(ws, [])
        sheet_append(ws, ["风险等级:" + "、".join(RISK_LABELS.values())])
        sheet_append(ws, ["角色:" + "、".join(str(r.label) for r in Role)])
        sheet_append(ws, ["层级:" + "、".join(str(t.label) for t in Tier)])
        sheet_append(ws, ["检查项类型:" + "、".join(KIND_LABELS.values())])
        sheet_append(ws, ["证书类型:" + "、".join(CertificateKind.objects.values_list("name", flat=True))])
        ws.column_dimensions["A"].width = 120
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def onboarding_template() -> bytes:
    """The blank workbook: Chinese headers, one example row per sheet and a sheet of notes."""
    return _book(EXAMPLES, notes=True)


def _post_label(post: Post) -> str:
    return f"{post.department.name}/{post.name}" if post.department else post.name


def _number(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def onboarding_export(*, enterprise: Enterprise) -> bytes:
    """The enterprise in the import format: importing it again changes nothing."""
    posts = list(
        enterprise.posts.select_related("department").prefetch_related("required_certificate_kinds", "holders")
    )
    label = {p.pk: _post_label(p) for p in posts}
    rows = {S_DEPARTMENTS: [[d.name] for d in enterprise.departments.all()]}
    rows[S_POSTS] = [
        [
            p.department.name if p.department else None,
            p.name,
            RISK_LABELS[p.risk_level],
            p.location or None,
            "\n".join(k.name for k in p.required_certificate_kinds.all()) or None,
            _number(p.fence_latitude),
            _number(p.fence_longitude),
            p.fence_radius_m,
        ]
        for p in posts
    ]
    held = defaultdict(list)
    for p in posts:
        for person in p.holders.all():
            held[person.pk].append(label[p.pk])
    rows[S_PEOPLE] = [
        [
            m.person.username,
            m.person.name or None,
            m.person.phone or None,
            str(Role(m.role).label),
            "\n".join(held[m.person_id]) or None,
            None,
        ]
        for m in Membership.objects.filter(enterprise=enterprise).select_related("person").order_by("id")
    ]
    rows[S_CARDS] = []
    for card in Card.objects.filter(enterprise=enterprise).select_related("post__department").order_by("id"):
        post = card.post
        rows[S_CARDS].append(
            [
                post.department.name if post.department else None,
                post.name,
                "\n".join(card.duties) or None,
                "\n".join(
                    f"{h['name']}|{RISK_LABELS[h['risk_level']]}|{h.get('description', '')}" for h in card.hazards
                )
                or None,
                "\n".join(card.controls) or None,
                "\n".join(f"{s['title']}|{s['action']}" for s in card.emergency_steps) or None,
                "\n".join(f"{c['name']}|{c['phone']}" for c in card.emergency_contacts) or None,
                "\n".join(card.required_certificates) or None,
                "\n".join(card.ppe) or None,
                "\n".join(card.operating_rules) or None,
            ]
        )
    rows[S_TEMPLATES] = []
    templates = ChecklistTemplate.objects.filter(enterprise=enterprise, active=True).prefetch_related(
        "posts__department", "items"
    )
    for template in templates.order_by("id"):
        items = [i for i in template.items.all() if i.active]
        for index, item in enumerate(items):
            first = index == 0
            rows[S_TEMPLATES].append(
                [
                    template.name,
                    str(Tier(template.tier).label) if first else None,
                    "\n".join(_post_label(p) for p in template.posts.all()) or None if first else None,
                    item.order,
                    item.label,
                    KIND_LABELS[item.kind],
                    YES if item.required else NO,
                    YES if item.photo_on_fail else NO,
                    GRADE_LABELS.get(item.hazard_grade_on_fail),
                    _number(item.min_value),
                    _number(item.max_value),
                    _number(item.normal_min),
                    _number(item.normal_max),
                    item.unit or None,
                ]
            )
    rows |= onboarding_risks.export_rows(enterprise, _post_label)
    return _book(rows, notes=False)
