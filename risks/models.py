"""The risk register of the dual-prevention mechanism (双重预防, seed items 4, 8, 25, 27): risk points,
the hazards identified there (危险源), their assessments (LEC or LS, graded by the enterprise's bands)
and the control measures (管控措施) that checklist items verify.

Chain: risk point -> hazard source -> controls -> checklists.ChecklistItem.control -> inspections ->
hazards.Hazard. The grade of a point is the grade of its latest assessment under the current bands;
every grade it ever had is a RiskGrade row.
"""

import secrets
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from orgs.models import Department, Enterprise, Person, Post, RiskLevel

# Worst first: the order of the four colours wherever a "highest grade" is taken.
LEVEL_ORDER = (RiskLevel.RED, RiskLevel.ORANGE, RiskLevel.YELLOW, RiskLevel.BLUE)


def level_rank(level: str | None) -> int:
    """0 for red ... 3 for blue, 4 for no grade: min() of ranks is the highest grade."""
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER)


class RiskPointKind(models.TextChoices):
    EQUIPMENT = "equipment", _("设备设施")
    AREA = "area", _("场所区域")
    OPERATION = "operation", _("作业活动")


class AccidentType(models.TextChoices):
    # GB 6441-1986 企业职工伤亡事故分类, its twenty categories in the standard's order.
    STRUCK_BY_OBJECT = "struck_by_object", _("物体打击")
    VEHICLE = "vehicle", _("车辆伤害")
    MACHINERY = "machinery", _("机械伤害")
    LIFTING = "lifting", _("起重伤害")
    ELECTROCUTION = "electrocution", _("触电")
    DROWNING = "drowning", _("淹溺")
    SCALD_BURN = "scald_burn", _("灼烫")
    FIRE = "fire", _("火灾")
    FALL_FROM_HEIGHT = "fall_from_height", _("高处坠落")
    COLLAPSE = "collapse", _("坍塌")
    ROOF_FALL = "roof_fall", _("冒顶片帮")
    WATER_INRUSH = "water_inrush", _("透水")
    BLASTING = "blasting", _("放炮")
    EXPLOSIVE = "explosive", _("火药爆炸")
    GAS_EXPLOSION = "gas_explosion", _("瓦斯爆炸")
    BOILER_EXPLOSION = "boiler_explosion", _("锅炉爆炸")
    VESSEL_EXPLOSION = "vessel_explosion", _("容器爆炸")
    OTHER_EXPLOSION = "other_explosion", _("其它爆炸")
    POISONING = "poisoning", _("中毒和窒息")
    OTHER = "other", _("其它伤害")


class Method(models.TextChoices):
    LEC = "LEC", _("作业条件危险性评价法(LEC)")
    LS = "LS", _("风险矩阵法(LS)")


# The usual LEC factor tables (作业条件危险性评价法): likelihood L, exposure E, consequence C.
LEC_LIKELIHOOD = tuple(Decimal(v) for v in ("10", "6", "3", "1", "0.5", "0.2", "0.1"))
LEC_EXPOSURE = tuple(Decimal(v) for v in ("10", "6", "3", "2", "1", "0.5"))
LEC_CONSEQUENCE = tuple(Decimal(v) for v in ("100", "40", "15", "7", "3", "1"))
LS_SCALE = tuple(Decimal(v) for v in range(1, 6))


class ControlType(models.TextChoices):
    ENGINEERING = "engineering", _("工程技术")
    MANAGEMENT = "management", _("管理")
    TRAINING = "training", _("培训教育")
    PPE = "ppe", _("个体防护")
    EMERGENCY = "emergency", _("应急处置")


class ControlLevel(models.TextChoices):
    # 分级管控: who answers for the control, from the top. A red (重大) risk is the company's.
    COMPANY = "company", _("公司")
    DEPARTMENT = "department", _("车间/部门")
    TEAM = "team", _("班组")
    POST = "post", _("岗位")


class CheckTier(models.TextChoices):
    # The same values as checklists.models.Tier (checklists sits above risks and reads these).
    DAILY = "daily", _("日管控")
    WEEKLY = "weekly", _("周排查")
    MONTHLY = "monthly", _("月调度")
    QUARTERLY = "quarterly", _("季度检查")


class RiskBands(models.Model):
    """An enterprise's grade bands: the lowest score of red, orange and yellow for each method (below
    yellow is blue). No row means the defaults. Changing them re-grades every point (risks.services)."""

    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.CASCADE, related_name="risk_bands", verbose_name=_("企业")
    )
    lec_red = models.DecimalField(_("LEC 重大风险下限"), max_digits=8, decimal_places=2, default=Decimal(320))
    lec_orange = models.DecimalField(_("LEC 较大风险下限"), max_digits=8, decimal_places=2, default=Decimal(160))
    lec_yellow = models.DecimalField(_("LEC 一般风险下限"), max_digits=8, decimal_places=2, default=Decimal(70))
    ls_red = models.PositiveSmallIntegerField(_("LS 重大风险下限"), default=20)
    ls_orange = models.PositiveSmallIntegerField(_("LS 较大风险下限"), default=15)
    ls_yellow = models.PositiveSmallIntegerField(_("LS 一般风险下限"), default=9)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("修改人")
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(lec_red__gt=F("lec_orange"), lec_orange__gt=F("lec_yellow"), lec_yellow__gt=0),
                name="risk_bands_lec_ordered",
            ),
            models.CheckConstraint(
                condition=Q(ls_red__gt=F("ls_orange"), ls_orange__gt=F("ls_yellow"), ls_yellow__gt=1),
                name="risk_bands_ls_ordered",
            ),
        ]
        verbose_name = _("风险分级标准")
        verbose_name_plural = _("风险分级标准")

    def __str__(self):
        return f"{self.enterprise} 风险分级标准"

    def level_of(self, method: str, score) -> str:
        if method == Method.LEC:
            red, orange, yellow = self.lec_red, self.lec_orange, self.lec_yellow
        else:
            red, orange, yellow = self.ls_red, self.ls_orange, self.ls_yellow
        score = Decimal(score)
        if score >= red:
            return RiskLevel.RED
        if score >= orange:
            return RiskLevel.ORANGE
        if score >= yellow:
            return RiskLevel.YELLOW
        return RiskLevel.BLUE

    def as_dict(self) -> dict:
        return {f: str(getattr(self, f)) for f in BAND_FIELDS}


BAND_FIELDS = ("lec_red", "lec_orange", "lec_yellow", "ls_red", "ls_orange", "ls_yellow")


class SitePlan(models.Model):
    """The enterprise's site plan (厂区平面图): the picture under the four-colour map."""

    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.CASCADE, related_name="site_plan", verbose_name=_("企业")
    )
    image = models.ImageField(_("平面图"), upload_to="site-plans/%Y/%m/")
    width = models.PositiveIntegerField(verbose_name=_("宽度(像素)"))
    height = models.PositiveIntegerField(verbose_name=_("高度(像素)"))
    uploaded_by = models.ForeignKey(
        Person, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(auto_now=True, verbose_name=_("上传时间"))

    class Meta:
        verbose_name = _("厂区平面图")
        verbose_name_plural = _("厂区平面图")

    def __str__(self):
        return f"{self.enterprise} 平面图"


def new_point_token() -> str:
    return secrets.token_urlsafe(12)


class RiskPoint(models.Model):
    """A risk point (风险点): a piece of equipment, an area or an operation where hazards are found."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="risk_points", verbose_name=_("企业")
    )
    kind = models.CharField(_("类型"), max_length=12, choices=RiskPointKind.choices)
    name = models.CharField(_("风险点名称"), max_length=100)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="risk_points", verbose_name=_("部门")
    )
    location = models.CharField(_("位置"), max_length=200, blank=True)
    # Position on the site plan as fractions of its width and height (0..1 from the top left), so that
    # replacing the picture by a larger scan keeps every point in place.
    plan_x = models.DecimalField(_("平面图横坐标"), max_digits=5, decimal_places=4, null=True, blank=True)
    plan_y = models.DecimalField(_("平面图纵坐标"), max_digits=5, decimal_places=4, null=True, blank=True)
    posts = models.ManyToManyField(Post, blank=True, related_name="risk_points", verbose_name=_("接触岗位"))
    emergency_steps = models.JSONField(_("应急处置措施"), default=list, blank=True)  # [str], on the notice card
    owner_name = models.CharField(_("责任人"), max_length=50, blank=True)
    owner_phone = models.CharField(_("责任人电话"), max_length=20, blank=True)
    # The random part of the QR code on the point's notice card (风险告知卡), which opens the public page
    # of the point: random, so that the pages of all points cannot be listed by counting ids.
    token = models.CharField(
        max_length=32, unique=True, default=new_point_token, editable=False, verbose_name=_("二维码令牌")
    )
    # The grade of the latest assessment under the current bands; null until assessed. Written only by
    # risks.services (assessment_create, risk_bands_set), with a RiskGrade row each time it changes.
    level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices, null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="risk_point_unique_name"),
            models.CheckConstraint(
                condition=Q(plan_x__isnull=True, plan_y__isnull=True)
                | Q(plan_x__gte=0, plan_x__lte=1, plan_y__gte=0, plan_y__lte=1),
                name="risk_point_on_plan",
            ),
        ]
        verbose_name = _("风险点")
        verbose_name_plural = _("风险点")

    def __str__(self):
        return self.name


class HazardSource(models.Model):
    """A hazard identified at a risk point (危险源 / 危险有害因素), with the accidents it may cause."""

    risk_point = models.ForeignKey(
        RiskPoint, on_delete=models.CASCADE, related_name="sources", verbose_name=_("风险点")
    )
    name = models.CharField(_("危险源"), max_length=200)
    accident_types = models.JSONField(_("可能导致的事故类型"), default=list, blank=True)  # [AccidentType]
    order = models.PositiveIntegerField(_("序号"), default=0)

    class Meta:
        ordering = ["risk_point", "order", "id"]
        verbose_name = _("危险源")
        verbose_name_plural = _("危险源")

    def __str__(self):
        return self.name

    def accident_type_labels(self) -> list[str]:
        labels = dict(AccidentType.choices)
        return [str(labels.get(code, code)) for code in self.accident_types]


class Assessment(models.Model):
    """One assessment of a risk point, never changed: a new one supersedes it (version + 1).

    `level` is the grade it got under the bands of the day; a later change of the bands re-grades the
    point (a RiskGrade row) and leaves this record as it was."""

    risk_point = models.ForeignKey(
        RiskPoint, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("风险点")
    )
    version = models.PositiveIntegerField(_("版本"))
    method = models.CharField(_("评价方法"), max_length=3, choices=Method.choices)
    likelihood = models.DecimalField(_("可能性 L"), max_digits=5, decimal_places=2)
    exposure = models.DecimalField(_("暴露频繁程度 E"), max_digits=5, decimal_places=2, null=True, blank=True)
    consequence = models.DecimalField(_("后果 C"), max_digits=5, decimal_places=2, null=True, blank=True)
    severity = models.DecimalField(_("严重程度 S"), max_digits=5, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(_("风险值"), max_digits=10, decimal_places=2)
    level = models.CharField(_("评价时等级"), max_length=10, choices=RiskLevel.choices)
    assessor_name = models.CharField(_("评价人"), max_length=50)
    assessed_on = models.DateField(_("评价日期"))
    assessed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人"))
    assessed_at = models.DateTimeField(_("录入时间"))

    class Meta:
        ordering = ["risk_point", "-version"]
        constraints = [models.UniqueConstraint(fields=["risk_point", "version"], name="assessment_version_unique")]
        verbose_name = _("风险评价")
        verbose_name_plural = _("风险评价")

    def __str__(self):
        return f"{self.risk_point} v{self.version} {self.method} {self.score}"

    def save(self, *args, **kwargs):
        # Invariant, not a business rule: an assessment is a record.
        if not self._state.adding:
            raise ValueError("an assessment cannot be changed")
        super().save(*args, **kwargs)


class RiskGrade(models.Model):
    """The history of a point's grade: one row each time it changes, by a new assessment or new bands."""

    class Reason(models.TextChoices):
        ASSESSED = "assessed", _("重新评价")
        BANDS_CHANGED = "bands_changed", _("分级标准调整")

    risk_point = models.ForeignKey(RiskPoint, on_delete=models.CASCADE, related_name="grades", verbose_name=_("风险点"))
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="grades", verbose_name=_("评估"))
    level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices)
    previous_level = models.CharField(_("原等级"), max_length=10, choices=RiskLevel.choices, blank=True)
    reason = models.CharField(_("原因"), max_length=20, choices=Reason.choices)
    bands = models.JSONField(_("分级标准"))  # the bands applied, as RiskBands.as_dict()
    graded_by = models.ForeignKey(
        Person, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("定级人")
    )
    graded_at = models.DateTimeField(_("定级时间"))

    class Meta:
        ordering = ["risk_point", "graded_at", "id"]
        verbose_name = _("风险定级记录")
        verbose_name_plural = _("风险定级记录")

    def __str__(self):
        return f"{self.risk_point} · {self.get_previous_level_display() or '—'} → {self.get_level_display()}"


class Control(models.Model):
    """A control measure (管控措施) of one hazard source: what is done, at which level, by which post,
    checked how often. Checklist items cite it (checklists.ChecklistItem.control)."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="risk_controls", verbose_name=_("企业")
    )
    source = models.ForeignKey(
        HazardSource, on_delete=models.CASCADE, related_name="controls", verbose_name=_("危险源")
    )
    measure = models.CharField(_("管控措施"), max_length=300)
    type = models.CharField(_("措施类型"), max_length=12, choices=ControlType.choices)
    level = models.CharField(_("管控层级"), max_length=12, choices=ControlLevel.choices)
    owner_post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="risk_controls", verbose_name=_("责任岗位")
    )
    tier = models.CharField(_("排查周期"), max_length=10, choices=CheckTier.choices, default=CheckTier.DAILY)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        ordering = ["source", "id"]
        indexes = [models.Index(fields=["enterprise", "active"], name="control_enterprise_active")]
        verbose_name = _("管控措施")
        verbose_name_plural = _("管控措施")

    def __str__(self):
        return self.measure
