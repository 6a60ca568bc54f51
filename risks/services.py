"""Writes to the risk register, with their rules: who writes (safety managers), the factor tables of
LEC and LS, the grade from the enterprise's bands, re-grading when the bands change (the history kept
as RiskGrade rows), and 分级管控 (a red risk is controlled at company level)."""

from decimal import Decimal, InvalidOperation
from io import BytesIO
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from core.errors import ApplicationError, Conflict
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, Person, RiskLevel
from orgs.selectors import role_required
from risks.models import (
    BAND_FIELDS,
    LEC_CONSEQUENCE,
    LEC_EXPOSURE,
    LEC_LIKELIHOOD,
    LS_SCALE,
    AccidentType,
    Assessment,
    Control,
    ControlLevel,
    HazardSource,
    Method,
    RiskBands,
    RiskGrade,
    RiskPoint,
    SitePlan,
)
from risks.selectors import risk_bands_of

# ---------------------------------------------------------------------------------------------
# Assessments and grades


def _table_text(table) -> str:
    return "、".join(f"{v.normalize():f}" for v in table)


def _factor(data: dict, field: str, table, symbol: str) -> Decimal:
    value = data.get(field)
    if value is None:
        raise ApplicationError(_("%(symbol)s 值必填。") % {"symbol": symbol}, field=field, code="required")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or number not in table:
        raise ApplicationError(
            _("%(symbol)s 取值必须是 %(values)s 之一。") % {"symbol": symbol, "values": _table_text(table)},
            field=field,
            code="not_in_table",
        )
    return number


def assessment_score(method: str, data: dict) -> tuple[dict, Decimal]:
    """The factors (each checked against its table: 400 naming the first one outside) and the score:
    LEC D = L × E × C, LS R = L × S."""
    if method == Method.LEC:
        factors = {
            "likelihood": _factor(data, "likelihood", LEC_LIKELIHOOD, "L"),
            "exposure": _factor(data, "exposure", LEC_EXPOSURE, "E"),
            "consequence": _factor(data, "consequence", LEC_CONSEQUENCE, "C"),
        }
        return factors, factors["likelihood"] * factors["exposure"] * factors["consequence"]
    if method == Method.LS:
        factors = {
            "likelihood": _factor(data, "likelihood", LS_SCALE, "L"),
            "severity": _factor(data, "severity", LS_SCALE, "S"),
        }
        return factors, factors["likelihood"] * factors["severity"]
    raise ApplicationError(_("评价方法必须是 LEC 或 LS。"), field="method")


def _grade(point: RiskPoint, assessment: Assessment, level: str, reason: str, bands: RiskBands, by, at) -> RiskGrade:
    return RiskGrade(
        risk_point=point,
        assessment=assessment,
        level=level,
        previous_level=point.level or "",
        reason=reason,
        bands=bands.as_dict(),
        graded_by=by,
        graded_at=at,
    )


@transaction.atomic
def assessment_create(*, by: Person, risk_point: RiskPoint, data: dict) -> Assessment:
    """A new assessment of the point (version + 1), graded by the enterprise's bands; the point takes
    its grade and the change is kept as a RiskGrade row."""
    role_required(by, risk_point.enterprise_id, SAFETY_MANAGER_ROLES)
    method = data.get("method")
    factors, score = assessment_score(method, data)
    # The row lock orders two assessments of one point, so they cannot both take the same version.
    point = RiskPoint.objects.select_for_update().get(pk=risk_point.pk)
    bands = risk_bands_of(point.enterprise_id)
    level = bands.level_of(method, score)
    latest = point.assessments.order_by("-version").values_list("version", flat=True).first() or 0
    now = timezone.now()
    today = timezone.localdate(now, timezone=ZoneInfo(point.enterprise.timezone))
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                risk_point=point,
                version=latest + 1,
                method=method,
                score=score,
                level=level,
                assessor_name=data.get("assessor_name") or by.name or by.username,
                assessed_on=data.get("assessed_on") or today,
                assessed_by=by,
                assessed_at=now,
                **factors,
            )
    except IntegrityError:  # SQLite has no row locks: a concurrent assessment took this version
        raise Conflict(_("该风险点正在被其他人评价,请刷新后重试。"), code="assessment_conflict") from None
    _grade(point, assessment, level, RiskGrade.Reason.ASSESSED, bands, by, now).save()
    point.level = level
    point.save(update_fields=["level"])
    risk_point.level = level
    return assessment


def _latest_assessments(enterprise_id: int) -> list[RiskPoint]:
    latest = Assessment.objects.filter(risk_point=OuterRef("pk")).order_by("-version")
    return list(
        RiskPoint.objects.filter(enterprise_id=enterprise_id)
        .annotate(latest_id=Subquery(latest.values("pk")[:1]))
        .filter(latest_id__isnull=False)
        .select_for_update()
    )


@transaction.atomic
def risk_bands_set(*, by: Person, enterprise: Enterprise, data: dict) -> tuple[RiskBands, int]:
    """Set the enterprise's bands (fields left out keep their value) and re-grade every assessed point
    by its latest assessment. Returns the bands and how many points changed grade; each change is a
    RiskGrade row, so what the grade was stays readable. A constant number of queries."""
    role_required(by, enterprise.pk, SAFETY_MANAGER_ROLES)
    bands = RiskBands.objects.select_for_update().filter(enterprise=enterprise).first() or RiskBands(
        enterprise=enterprise
    )
    for field in BAND_FIELDS:
        if field in data:
            setattr(bands, field, data[field])
    for method in ("lec", "ls"):
        red, orange, yellow = (getattr(bands, f"{method}_{name}") for name in ("red", "orange", "yellow"))
        if not red > orange > yellow > (1 if method == "ls" else 0):
            raise ApplicationError(
                _("分级标准必须满足:重大 > 较大 > 一般 > %(floor)s。") % {"floor": 1 if method == "ls" else 0},
                field=f"{method}_orange" if red <= orange else f"{method}_yellow",
            )
    bands.updated_by = by
    bands.save()
    points = _latest_assessments(enterprise.pk)
    assessments = Assessment.objects.in_bulk([p.latest_id for p in points])
    now, grades, changed = timezone.now(), [], []
    for point in points:
        assessment = assessments[point.latest_id]
        level = bands.level_of(assessment.method, assessment.score)
        if level != point.level:
            grades.append(_grade(point, assessment, level, RiskGrade.Reason.BANDS_CHANGED, bands, by, now))
            point.level = level
            changed.append(point)
    RiskGrade.objects.bulk_create(grades)
    RiskPoint.objects.bulk_update(changed, ["level"])
    return bands, len(changed)


# ---------------------------------------------------------------------------------------------
# Points, hazard sources, controls

POINT_FIELDS = (
    "kind",
    "name",
    "department",
    "location",
    "plan_x",
    "plan_y",
    "emergency_steps",
    "owner_name",
    "owner_phone",
    "active",
)


def _same_enterprise(objects, enterprise_id: int, field: str) -> None:
    foreign = [o for o in objects if o is not None and o.enterprise_id != enterprise_id]
    if foreign:
        raise ApplicationError(_("不属于该企业。"), field=field)


@transaction.atomic
def risk_point_save(*, by: Person, risk_point: RiskPoint | None, data: dict) -> RiskPoint:
    enterprise = data.get("enterprise") or risk_point.enterprise
    role_required(by, enterprise.pk, SAFETY_MANAGER_ROLES)
    if risk_point is not None and enterprise.pk != risk_point.enterprise_id:
        raise ApplicationError(_("不能更改所属企业。"), field="enterprise")
    _same_enterprise([data.get("department")], enterprise.pk, "department")
    _same_enterprise(data.get("posts") or [], enterprise.pk, "posts")
    point = risk_point or RiskPoint(enterprise=enterprise)
    for field in POINT_FIELDS:
        if field in data:
            setattr(point, field, data[field])
    if (point.plan_x is None) != (point.plan_y is None):
        raise ApplicationError(
            _("平面图坐标须同时填写横坐标和纵坐标。"), field="plan_y" if point.plan_y is None else "plan_x"
        )
    try:
        with transaction.atomic():
            point.save()
    except IntegrityError:
        raise ApplicationError(_("该企业已有同名风险点。"), field="name", code="unique") from None
    if "posts" in data:
        point.posts.set(data["posts"])
    return point


def _accident_types(value) -> list[str]:
    codes = list(value or [])
    known = set(AccidentType.values)
    for index, code in enumerate(codes):
        if code not in known:
            raise ApplicationError(
                _("“%(code)s” 不是 GB 6441 的事故类别。") % {"code": code}, field=f"accident_types[{index}]"
            )
    return list(dict.fromkeys(codes))


@transaction.atomic
def hazard_source_save(*, by: Person, source: HazardSource | None, data: dict) -> HazardSource:
    point = data.get("risk_point") or source.risk_point
    role_required(by, point.enterprise_id, SAFETY_MANAGER_ROLES)
    if source is not None and point.pk != source.risk_point_id:
        raise ApplicationError(_("危险源不能移到其他风险点。"), field="risk_point")
    source = source or HazardSource(risk_point=point)
    if "accident_types" in data:
        source.accident_types = _accident_types(data["accident_types"])
    for field in ("name", "order"):
        if field in data:
            setattr(source, field, data[field])
    source.save()
    return source


def control_level_check(*, point_level: str | None, level: str) -> None:
    """分级管控: a red (重大) risk is the company's to control; a lower level is a 400 naming `level`."""
    if point_level == RiskLevel.RED and level != ControlLevel.COMPANY:
        raise ApplicationError(_("重大风险必须由公司级管控。"), field="level", code="control_level")


CONTROL_FIELDS = ("measure", "type", "level", "owner_post", "tier", "active")


@transaction.atomic
def control_save(*, by: Person, control: Control | None, data: dict) -> Control:
    source = data.get("source") or control.source
    enterprise_id = source.risk_point.enterprise_id
    role_required(by, enterprise_id, SAFETY_MANAGER_ROLES)
    if control is not None and source.pk != control.source_id:
        raise ApplicationError(_("管控措施不能移到其他危险源。"), field="source")
    _same_enterprise([data.get("owner_post")], enterprise_id, "owner_post")
    control = control or Control(source=source, enterprise_id=enterprise_id)
    for field in CONTROL_FIELDS:
        if field in data:
            setattr(control, field, data[field])
    control_level_check(point_level=source.risk_point.level, level=control.level)
    control.save()
    return control


# ---------------------------------------------------------------------------------------------
# Site plan

SITE_PLAN_FORMATS = {"PNG": "png", "JPEG": "jpg"}
SITE_PLAN_MAX_PIXELS = 40_000_000


@transaction.atomic
def site_plan_upload(*, by: Person, enterprise: Enterprise, upload) -> SitePlan:
    """Store the site plan picture (PNG or JPEG) under the four-colour map, replacing the old one."""
    role_required(by, enterprise.pk, SAFETY_MANAGER_ROLES)
    data = upload.read()
    try:
        with Image.open(BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
            if width * height > SITE_PLAN_MAX_PIXELS:
                raise ApplicationError(_("平面图像素过多。"), field="image")
            image.verify()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ApplicationError(_("请上传 PNG 或 JPEG 格式的平面图。"), field="image") from None
    if kind not in SITE_PLAN_FORMATS:
        raise ApplicationError(_("请上传 PNG 或 JPEG 格式的平面图。"), field="image")
    plan = SitePlan.objects.select_for_update().filter(enterprise=enterprise).first() or SitePlan(enterprise=enterprise)
    plan.width, plan.height, plan.uploaded_by = width, height, by
    plan.image.save(f"plan-{enterprise.pk}.{SITE_PLAN_FORMATS[kind]}", ContentFile(data), save=False)
    plan.save()
    return plan
