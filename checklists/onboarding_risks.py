"""The risk register's sheets of the onboarding workbook (双重预防): 风险点 (with their hazard sources),
风险评价 and 管控措施. Checked and written by checklists.onboarding with the other sheets, in the same
transaction; a workbook made before them has none of the three and imports as it did.

Keys: a point by its name in the enterprise; a hazard source by its name at the point; a control by
its measure at the source. Assessments are records: a row adds one only when it differs from the
point's latest (the export writes the latest), so an export imports again unchanged."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.errors import ApplicationError
from risks.models import (
    AccidentType,
    Assessment,
    CheckTier,
    Control,
    ControlLevel,
    ControlType,
    HazardSource,
    Method,
    RiskPoint,
    RiskPointKind,
)
from risks.selectors import risk_bands_of
from risks.services import assessment_create, assessment_score, control_level_check

S_POINTS, S_ASSESSMENTS, S_CONTROLS = "风险点", "风险评价", "管控措施"
COLUMNS = {
    S_POINTS: [
        "风险点名称",
        "类型",
        "部门名称",
        "位置",
        "接触岗位",
        "危险源",
        "应急处置措施",
        "责任人",
        "责任人电话",
        "平面图横坐标",
        "平面图纵坐标",
    ],
    S_ASSESSMENTS: ["风险点名称", "评价方法", "L", "E", "C", "S", "评价人", "评价日期"],
    S_CONTROLS: ["风险点名称", "危险源", "管控措施", "措施类型", "管控层级", "责任岗位", "排查周期"],
}
EXAMPLES = {
    S_POINTS: [
        [
            "1# 反应釜",
            "设备设施",
            "生产车间",
            "一号厂房",
            "生产车间/反应釜操作岗",
            "反应失控超温超压|火灾、容器爆炸\n有毒物料泄漏|中毒和窒息",
            "立即关闭进料阀和加热蒸汽\n沿上风向撤离并报告值班室",
            "李四",
            "13900000000",
            0.3,
            0.4,
        ]
    ],
    S_ASSESSMENTS: [["1# 反应釜", "LEC", 3, 6, 15, None, "李四", "2024-07-01"]],
    S_CONTROLS: [
        [
            "1# 反应釜",
            "反应失控超温超压",
            "温度压力联锁投用,严禁摘除",
            "工程技术",
            "车间/部门",
            "生产车间/反应釜操作岗",
            "日管控",
        ],
        ["1# 反应釜", "有毒物料泄漏", "有毒气体报警仪每周测试", "工程技术", "班组", "生产车间/反应釜操作岗", "周排查"],
    ],
}
NOTES = [
    "风险点:类型为 设备设施/场所区域/作业活动;危险源每行“名称|事故类型、事故类型”(GB 6441 的 20 类,如 火灾、"
    "中毒和窒息、高处坠落);平面图坐标为 0–1 之间的小数(从左上角起,占宽、高的比例),两项同时填写或都不填。",
    "风险评价:LEC 填 L、E、C(L ∈ 10/6/3/1/0.5/0.2/0.1,E ∈ 10/6/3/2/1/0.5,C ∈ 100/40/15/7/3/1);LS 填 L、S(1–5)。"
    "评价记录不可修改:与该风险点最新的评价不同的行新增一次评价。",
    "管控措施:措施类型为 工程技术/管理/培训教育/个体防护/应急处置;"
    "管控层级为 公司/车间/部门/班组/岗位,重大风险须由公司级管控;排查周期为 日管控/周排查/月调度/季度检查。",
]

KIND_INPUT = {**{str(k.label): k.value for k in RiskPointKind}, **{k.value: k.value for k in RiskPointKind}}
KIND_LABELS = {k.value: str(k.label) for k in RiskPointKind}
ACCIDENT_INPUT = {**{str(a.label): a.value for a in AccidentType}, **{a.value: a.value for a in AccidentType}}
TYPE_INPUT = {**{str(t.label): t.value for t in ControlType}, **{t.value: t.value for t in ControlType}}
LEVEL_INPUT = {
    **{str(c.label): c.value for c in ControlLevel},
    **{c.value: c.value for c in ControlLevel},
    "车间": "department",
    "部门": "department",
}
TIER_INPUT = {**{str(t.label): t.value for t in CheckTier}, **{t.value: t.value for t in CheckTier}}
METHOD_INPUT = {"LEC": Method.LEC, "LS": Method.LS, "作业条件危险性评价法": Method.LEC, "风险矩阵法": Method.LS}
FACTOR_COLUMNS = {"likelihood": "L", "exposure": "E", "consequence": "C", "severity": "S"}


def _choice(row, column, choices, problems, *, default=None):
    # The workbook's one rule for a choice cell (checklists.onboarding imports this module first).
    from checklists.onboarding import _choice as choice

    return choice(row, column, choices, problems, default=default)


def _text(row, column, problems, limit, *, required=False) -> str:
    value = row.get(column)
    if required and not value:
        problems.add(row.sheet, row.number, column, _("「%(label)s」为必填项。") % {"label": column})
    if len(value) > limit:
        problems.add(row.sheet, row.number, column, _("不能超过 %(n)d 个字。") % {"n": limit})
    return value[:limit]


def _fraction(row, column, problems):
    value = row.get(column)
    if not value:
        return None
    try:
        number = Decimal(value).quantize(Decimal("0.0001"))
    except InvalidOperation:
        problems.add(row.sheet, row.number, column, _("请填写数字。"))
        return None
    if not 0 <= number <= 1:
        problems.add(row.sheet, row.number, column, _("请填写 0 到 1 之间的小数。"))
        return None
    return number


def _sources(row, problems) -> list[tuple[str, list[str]]]:
    found = []
    for line in [line.strip() for line in row.get("危险源").splitlines() if line.strip()]:
        name, _sep, types = line.partition("|")
        labels = [t.strip() for t in types.replace(",", "、").replace(",", "、").split("、") if t.strip()]
        unknown = [label for label in labels if label not in ACCIDENT_INPUT]
        if unknown:
            message = _("“%(value)s”不是 GB 6441 的事故类别。") % {"value": "、".join(unknown)}
            problems.add(row.sheet, row.number, "危险源", message)
        if len(name.strip()) > 200 or not name.strip():
            problems.add(row.sheet, row.number, "危险源", _("危险源名称为必填项,且不能超过 200 个字。"))
            continue
        found.append((name.strip(), list(dict.fromkeys(ACCIDENT_INPUT[t] for t in labels if t in ACCIDENT_INPUT))))
    return found


def check_points(sheets, existing, problems, plan, post_refs) -> None:
    plan.risk_points, seen = {}, {}
    for row in sheets.get(S_POINTS, []):
        name = _text(row, "风险点名称", problems, 100, required=True)
        if name in seen:
            problems.add(row.sheet, row.number, "风险点名称", _("与第 %(row)d 行重复。") % {"row": seen[name]})
            continue
        department = row.get("部门名称")
        if department and department not in existing["departments"]:
            problems.add(row.sheet, row.number, "部门名称", _("部门「%(name)s」不存在。") % {"name": department})
        x, y = _fraction(row, "平面图横坐标", problems), _fraction(row, "平面图纵坐标", problems)
        if (x is None) != (y is None):
            problems.add(row.sheet, row.number, "平面图纵坐标", _("平面图坐标须同时填写横坐标和纵坐标。"))
        data = {
            "kind": _choice(row, "类型", KIND_INPUT, problems),
            "department": department,
            "location": _text(row, "位置", problems, 200),
            "posts": post_refs(row, "接触岗位"),
            "sources": _sources(row, problems),
            "emergency_steps": [line.strip() for line in row.get("应急处置措施").splitlines() if line.strip()],
            "owner_name": _text(row, "责任人", problems, 50),
            "owner_phone": _text(row, "责任人电话", problems, 20),
            "plan_x": x,
            "plan_y": y,
        }
        if name:
            seen[name] = row.number
            plan.risk_points[name] = data


def _day(row, problems):
    value = row.values.get("评价日期")
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        problems.add(row.sheet, row.number, "评价日期", _("日期格式应为 YYYY-MM-DD。"))
        return None


def check_assessments(sheets, enterprise, problems, plan) -> None:
    known = set(plan.risk_points) | set(RiskPoint.objects.filter(enterprise=enterprise).values_list("name", flat=True))
    bands = risk_bands_of(enterprise.pk)
    plan.assessments, plan.risk_levels = {}, {}
    for row in sheets.get(S_ASSESSMENTS, []):
        name = row.get("风险点名称")
        if name not in known:
            problems.add(row.sheet, row.number, "风险点名称", _("风险点不存在:%(name)s。") % {"name": name})
            continue
        method = _choice(row, "评价方法", METHOD_INPUT, problems)
        if method is None:
            continue
        data = {f: row.get(column) or None for f, column in FACTOR_COLUMNS.items()}
        try:
            factors, score = assessment_score(method, data)
        except ApplicationError as error:
            problems.add(row.sheet, row.number, FACTOR_COLUMNS.get(error.field, "评价方法"), error.message)
            continue
        # One row per point: the latest assessment is what the register grades by.
        plan.assessments[name] = {
            "method": method,
            **factors,
            "assessor_name": _text(row, "评价人", problems, 50),
            "assessed_on": _day(row, problems),
        }
        plan.risk_levels[name] = bands.level_of(method, score)


def check_controls(sheets, enterprise, problems, plan, post_ref) -> None:
    stored_sources = {
        (p, s)
        for p, s in HazardSource.objects.filter(risk_point__enterprise=enterprise).values_list(
            "risk_point__name", "name"
        )
    }
    sources = stored_sources | {(p, s) for p, d in plan.risk_points.items() for s, _types in d["sources"]}
    levels = dict(RiskPoint.objects.filter(enterprise=enterprise).values_list("name", "level")) | plan.risk_levels
    plan.controls, seen = {}, {}
    for row in sheets.get(S_CONTROLS, []):
        point, source = row.get("风险点名称"), row.get("危险源")
        if (point, source) not in sources:
            problems.add(row.sheet, row.number, "危险源", _("危险源不存在:%(name)s。") % {"name": f"{point}/{source}"})
            continue
        measure = _text(row, "管控措施", problems, 300, required=True)
        key = (point, source, measure)
        if key in seen:
            problems.add(row.sheet, row.number, "管控措施", _("与第 %(row)d 行重复。") % {"row": seen[key]})
            continue
        level = _choice(row, "管控层级", LEVEL_INPUT, problems)
        if level is not None:
            try:
                control_level_check(point_level=levels.get(point), level=level)
            except ApplicationError as error:
                problems.add(row.sheet, row.number, "管控层级", error.message)
        owners = post_ref(row, "责任岗位")
        if len(owners) > 1:
            problems.add(row.sheet, row.number, "责任岗位", _("只能填写一个岗位。"))
        seen[key] = row.number
        plan.controls[key] = {
            "type": _choice(row, "措施类型", TYPE_INPUT, problems),
            "level": level,
            "owner_post": owners[0] if owners else None,
            "tier": _choice(row, "排查周期", TIER_INPUT, problems, default=CheckTier.DAILY.value),
        }


def _same_assessment(latest: Assessment, data: dict) -> bool:
    stored = {f: getattr(latest, f) for f in FACTOR_COLUMNS if getattr(latest, f) is not None}
    given = {f: data[f] for f in FACTOR_COLUMNS if data.get(f) is not None}
    return (
        latest.method == data["method"]
        and stored == given
        and data["assessor_name"] in ("", latest.assessor_name)
        and data["assessed_on"] in (None, latest.assessed_on)
    )


def write(*, by, enterprise, plan, posts, departments, report) -> None:
    """Points and their sources, then assessments (so that controls meet the grades), then controls."""
    points = {p.name: p for p in RiskPoint.objects.filter(enterprise=enterprise).prefetch_related("posts", "sources")}
    for name, data in plan.risk_points.items():
        point = points.get(name)
        values = {
            "kind": data["kind"],
            "department": departments.get(data["department"]) if data["department"] else None,
            **{f: data[f] for f in ("location", "emergency_steps", "owner_name", "owner_phone", "plan_x", "plan_y")},
        }
        wanted_posts = {posts[key].pk for key in data["posts"]}
        if point is None:
            point = points[name] = RiskPoint.objects.create(enterprise=enterprise, name=name, **values)
            report.created["risk_points"] += 1
            changed = False
        else:
            changed = any(getattr(point, f) != v for f, v in values.items()) or wanted_posts != {
                p.pk for p in point.posts.all()
            }
            for f, v in values.items():
                setattr(point, f, v)
            point.save()
        point.posts.set(wanted_posts)
        stored = {s.name: s for s in point.sources.all()} if point.pk else {}
        for order, (source_name, types) in enumerate(data["sources"], start=1):
            source = stored.get(source_name)
            if source is None:
                HazardSource.objects.create(risk_point=point, name=source_name, accident_types=types, order=order)
                changed = True
            elif (source.accident_types, source.order) != (types, order):
                source.accident_types, source.order = types, order
                source.save(update_fields=["accident_types", "order"])
                changed = True
        if changed:
            report.updated["risk_points"] += 1

    for name, data in plan.assessments.items():
        point = points[name]
        latest = Assessment.objects.filter(risk_point=point).order_by("-version").first()
        if latest is not None and _same_assessment(latest, data):
            continue
        assessment_create(by=by, risk_point=point, data={k: v for k, v in data.items() if v not in (None, "")})
        report.created["assessments"] += 1

    sources = {
        (s.risk_point.name, s.name): s
        for s in HazardSource.objects.filter(risk_point__enterprise=enterprise).select_related("risk_point")
    }
    controls = {
        (c.source.risk_point.name, c.source.name, c.measure): c
        for c in Control.objects.filter(enterprise=enterprise).select_related("source__risk_point")
    }
    for key, data in plan.controls.items():
        values = {**data, "owner_post": posts[data["owner_post"]] if data["owner_post"] else None}
        control = controls.get(key)
        if control is None:
            source = sources[key[:2]]
            Control.objects.create(enterprise=enterprise, source=source, measure=key[2], **values)
            report.created["controls"] += 1
        elif any(getattr(control, f) != v for f, v in values.items()) or not control.active:
            for f, v in values.items():
                setattr(control, f, v)
            control.active = True
            control.save()
            report.updated["controls"] += 1


def _number(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def export_rows(enterprise, post_label) -> dict[str, list[list]]:
    points = list(
        RiskPoint.objects.filter(enterprise=enterprise)
        .select_related("department")
        .prefetch_related("posts__department", "sources")
        .order_by("id")
    )
    rows = {S_POINTS: [], S_ASSESSMENTS: [], S_CONTROLS: []}
    labels = dict(AccidentType.choices)
    for point in points:
        sources = "\n".join(
            f"{s.name}|" + "、".join(str(labels.get(t, t)) for t in s.accident_types) for s in point.sources.all()
        )
        rows[S_POINTS].append(
            [
                point.name,
                KIND_LABELS[point.kind],
                point.department.name if point.department else None,
                point.location or None,
                "\n".join(post_label(p) for p in point.posts.all()) or None,
                sources or None,
                "\n".join(point.emergency_steps) or None,
                point.owner_name or None,
                point.owner_phone or None,
                _number(point.plan_x),
                _number(point.plan_y),
            ]
        )
    latest = {}
    for a in Assessment.objects.filter(risk_point__enterprise=enterprise).order_by("risk_point_id", "version"):
        latest[a.risk_point_id] = a
    for point in points:
        a = latest.get(point.pk)
        if a is not None:
            factors = [_number(getattr(a, f)) for f in FACTOR_COLUMNS]
            rows[S_ASSESSMENTS].append([point.name, a.method, *factors, a.assessor_name, a.assessed_on.isoformat()])
    controls = Control.objects.filter(enterprise=enterprise, active=True).select_related(
        "source__risk_point", "owner_post__department"
    )
    for c in controls.order_by("source__risk_point_id", "source__order", "source_id", "id"):
        rows[S_CONTROLS].append(
            [
                c.source.risk_point.name,
                c.source.name,
                c.measure,
                str(ControlType(c.type).label),
                str(ControlLevel(c.level).label),
                post_label(c.owner_post) if c.owner_post else None,
                str(CheckTier(c.tier).label),
            ]
        )
    return rows
