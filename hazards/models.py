from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklists.models import HazardGrade, Inspection, InspectionResult, Photo
from hazards.validators import validate_robot_url
from orgs.models import Enterprise, Person, Post


class HazardStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    RECTIFYING = "rectifying", _("整改中")
    PENDING_ACCEPTANCE = "pending_acceptance", _("待验收")
    # A supervised major hazard (挂牌督办) accepted by the enterprise waits for the regulator's check.
    PENDING_VERIFICATION = "pending_verification", _("待核查销号")
    CLOSED = "closed", _("已销号")


class HazardSource(models.TextChoices):
    INSPECTION = "inspection", _("检查发现")
    AD_HOC = "ad_hoc", _("随手拍")
    REGULATOR = "regulator", _("监管检查")
    LEDGER = "ledger", _("台账导入")
    PUBLIC = "public", _("群众举报")


class RectificationMode(models.TextChoices):
    ON_THE_SPOT = "on_the_spot", _("立即整改")
    BY_DEADLINE = "by_deadline", _("限期整改")
    HANDED_OVER = "handed_over", _("移交处理")


# ---------------------------------------------------------------------------------------------
# The judgment standards (重大事故隐患判定标准): a versioned catalogue, kept in the admin.


def industry_codes_match(codes: str, industry_code: str) -> bool:
    """Whether a GB/T 4754 code falls under one of the comma-separated code prefixes (empty: all)."""
    prefixes = [c.strip() for c in codes.split(",") if c.strip()]
    return not prefixes or any(industry_code.startswith(p) for p in prefixes)


class JudgmentStandard(models.Model):
    """One version of a published standard. A new version is a new row with the same code; the old one
    gets its end date, so a hazard found under it keeps citing what was in force that day."""

    code = models.CharField(_("编号"), max_length=40)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    title = models.CharField(_("名称"), max_length=200)
    issuing_order = models.CharField(_("发布文号"), max_length=100)
    sector = models.CharField(_("行业领域"), max_length=100)
    industry_codes = models.CharField(
        _("适用行业代码"), max_length=500, blank=True, help_text=_("GB/T 4754 代码前缀,以逗号分隔;留空表示不限。")
    )
    effective_from = models.DateField(_("施行日期"))
    effective_to = models.DateField(_("废止日期"), null=True, blank=True, help_text=_("当日起不再适用。"))
    source = models.TextField(_("来源"), blank=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="judgment_standard_version_once")]
        verbose_name = _("判定标准")
        verbose_name_plural = _("判定标准")

    def __str__(self):
        return f"{self.title}({self.issuing_order})"

    def in_force_on(self, day) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


class JudgmentClause(models.Model):
    """A clause of a standard: one situation that is a major hazard (重大事故隐患情形)."""

    standard = models.ForeignKey(
        JudgmentStandard, on_delete=models.PROTECT, related_name="clauses", verbose_name=_("判定标准")
    )
    number = models.CharField(_("条款号"), max_length=40)
    ordinal = models.PositiveSmallIntegerField(_("顺序"))
    text = models.TextField(_("条款内容"))
    industry_codes = models.CharField(
        _("适用行业代码"),
        max_length=500,
        blank=True,
        help_text=_("GB/T 4754 代码前缀,以逗号分隔;留空表示适用于标准的全部适用行业。"),
    )

    class Meta:
        ordering = ["standard", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["standard", "number"], name="judgment_clause_number_once")]
        verbose_name = _("判定条款")
        verbose_name_plural = _("判定条款")

    def __str__(self):
        return self.citation

    @property
    def citation(self) -> str:
        return f"{self.standard.issuing_order} {self.number}"

    def applies_to(self, industry_code: str) -> bool:
        return industry_codes_match(self.standard.industry_codes, industry_code) and industry_codes_match(
            self.industry_codes, industry_code
        )


class Hazard(models.Model):
    """One hazard of the register (隐患清单), closed item by item (逐条整改销号)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="hazards", verbose_name=_("企业"))
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.PROTECT, related_name="hazards", verbose_name=_("岗位")
    )
    location = models.CharField(_("位置"), max_length=200, blank=True)
    grade = models.CharField(_("隐患等级"), max_length=10, choices=HazardGrade.choices)
    description = models.TextField(_("隐患描述"))
    source = models.CharField(_("来源"), max_length=12, choices=HazardSource.choices)
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="hazards", verbose_name=_("检查记录")
    )
    # One hazard per failed item: the database refuses a second one for the same result.
    inspection_result = models.OneToOneField(
        InspectionResult,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazard",
        verbose_name=_("检查结果"),
    )
    found_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="hazards_found", verbose_name=_("发现人")
    )
    found_at = models.DateTimeField(_("发现时间"))
    responsible = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazards_responsible",
        verbose_name=_("整改责任人"),
    )
    deadline = models.DateTimeField(_("整改期限"), null=True, blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    rectification_mode = models.CharField(_("整改方式"), max_length=12, choices=RectificationMode.choices, blank=True)
    # A major hazard cites the clause of the judgment standard it meets (判定依据, e.g. MEM Order No. 10).
    # Free text for rows written before the catalogue; new rows also carry the clause's citation here.
    basis = models.CharField(_("判定依据"), max_length=300, blank=True)
    basis_clause = models.ForeignKey(
        JudgmentClause,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazards",
        verbose_name=_("判定条款"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=HazardStatus.choices, default=HazardStatus.OPEN)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    # How far the overdue escalation has gone: 0 none, 1 responsible, 2 safety officers, 3 principal.
    escalation_level = models.PositiveSmallIntegerField(_("逾期升级级别"), default=0)
    photos = models.ManyToManyField(Photo, blank=True, related_name="hazards", verbose_name=_("照片"))

    class Meta:
        ordering = ["-found_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "status"]), models.Index(fields=["status", "deadline"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status=HazardStatus.CLOSED) & Q(closed_at__isnull=False))
                | (~Q(status=HazardStatus.CLOSED) & Q(closed_at__isnull=True)),
                name="hazard_closed_at_iff_closed",
            )
        ]
        verbose_name = _("隐患")
        verbose_name_plural = _("隐患")

    def __str__(self):
        return f"{self.get_grade_display()}: {self.description[:30]}"

    @property
    def is_overdue(self) -> bool:
        return self.status != HazardStatus.CLOSED and self.deadline is not None and timezone.now() > self.deadline


class HazardAction(models.TextChoices):
    REPORT = "report", _("上报")
    ASSIGN = "assign", _("指派")
    SUBMIT = "submit", _("提交验收")
    ACCEPT = "accept", _("验收销号")
    REJECT = "reject", _("验收不通过")
    ESCALATE = "escalate", _("逾期升级")
    PLAN = "plan", _("制定整改方案")
    PLAN_APPROVE = "plan_approve", _("批准整改方案")
    SUPERVISE = "supervise", _("挂牌督办")
    PROGRESS = "progress", _("报告督办进展")
    VERIFY = "verify", _("核查销号")
    VERIFY_FAIL = "verify_fail", _("核查不通过")
    CLASSIFY = "classify", _("判定等级和判定依据")


class HazardEvent(models.Model):
    """Every move of a hazard, with who, when, why and the photos shown."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="events", verbose_name=_("隐患"))
    action = models.CharField(_("动作"), max_length=20, choices=HazardAction.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=HazardStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=HazardStatus.choices)
    actor = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人"))
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)
    photos = models.ManyToManyField(Photo, blank=True, related_name="hazard_events", verbose_name=_("照片"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("隐患流转记录")
        verbose_name_plural = _("隐患流转记录")

    def __str__(self):
        return f"{self.get_action_display()} · {self.actor or _('系统')}"


class RectificationPlan(models.Model):
    """The plan of a major hazard (五落实: 措施、责任、资金、时限、预案), one row per version. Only the
    newest version counts; changing an approved plan writes a new version that needs approval again."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="plans", verbose_name=_("隐患"))
    version = models.PositiveSmallIntegerField(verbose_name=_("版本号"))
    measures = models.TextField(_("治理措施"), blank=True)
    responsible = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任人")
    )
    funds_amount = models.DecimalField(_("治理资金(元)"), max_digits=14, decimal_places=2, null=True, blank=True)
    funds_source = models.CharField(_("资金来源"), max_length=200, blank=True)
    deadline = models.DateField(_("治理时限"), null=True, blank=True)
    interim_measures = models.TextField(_("治理期间的安全防范措施"), blank=True)
    emergency_plan = models.TextField(_("应急预案"), blank=True)
    written_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("编写人"))
    written_at = models.DateTimeField(verbose_name=_("编写时间"))
    approved_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("批准人")
    )
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("批准时间"))

    # The parts the principal approves, in the order a missing one is named.
    PARTS = (
        "measures",
        "responsible",
        "funds_amount",
        "funds_source",
        "deadline",
        "interim_measures",
        "emergency_plan",
    )

    class Meta:
        ordering = ["hazard", "-version"]
        constraints = [models.UniqueConstraint(fields=["hazard", "version"], name="rectification_plan_version_once")]
        verbose_name = _("重大隐患治理方案")
        verbose_name_plural = _("重大隐患治理方案")

    def __str__(self):
        return f"{self.hazard} · 治理方案 v{self.version}"

    def missing_parts(self) -> list[str]:
        return [part for part in self.PARTS if getattr(self, part) in (None, "")]


class Supervision(models.Model):
    """挂牌督办: a regulator in scope puts a major hazard under supervision until it checks the
    enterprise's acceptance (核查销号). One per hazard."""

    hazard = models.OneToOneField(Hazard, on_delete=models.CASCADE, related_name="supervision", verbose_name=_("隐患"))
    regulator = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("监管人员"))
    deadline = models.DateField(_("督办期限"))
    note = models.TextField(_("督办要求"), blank=True)
    created_at = models.DateTimeField(verbose_name=_("挂牌时间"))
    verified_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("核销人")
    )
    verified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("核销时间"))

    class Meta:
        verbose_name = _("挂牌督办")
        verbose_name_plural = _("挂牌督办")

    def __str__(self):
        return f"{self.hazard} · 挂牌督办至 {self.deadline}"


class PublicReportStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    CONVERTED = "converted", _("已转为隐患")
    DISMISSED = "dismissed", _("不予受理")


class PublicReport(models.Model):
    """有奖举报 (seed item 62): what anyone who scanned a post's code reported, logged in or not. It waits in
    the safety managers' triage queue until it becomes a hazard or is dismissed with a reason. The phone
    number (for the reward) is shown to the principal only."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="public_reports", verbose_name=_("企业")
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="public_reports", verbose_name=_("岗位"))
    description = models.TextField(_("举报内容"))
    photo = models.FileField(_("照片"), upload_to="public-reports/%Y/%m/", blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    created_at = models.DateTimeField(verbose_name=_("创建时间"))
    status = models.CharField(
        max_length=10, choices=PublicReportStatus.choices, default=PublicReportStatus.PENDING, verbose_name=_("状态")
    )
    hazard = models.OneToOneField(
        Hazard, null=True, blank=True, on_delete=models.SET_NULL, related_name="public_report", verbose_name=_("隐患")
    )
    handled_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("处理人")
    )
    handled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("处理时间"))
    reason = models.TextField(_("不予受理的理由"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "status"])]
        verbose_name = _("群众举报")
        verbose_name_plural = _("群众举报")

    def __str__(self):
        return f"群众举报 #{self.pk} · {self.post}"


class Notification(models.Model):
    """A message in a person's in-app inbox. `key` makes sending idempotent: a task that runs twice
    finds the row it made the first time."""

    recipient = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    enterprise = models.ForeignKey(
        Enterprise, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("企业")
    )
    hazard = models.ForeignKey(
        Hazard, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("隐患")
    )
    kind = models.CharField(_("类型"), max_length=40)
    key = models.CharField(_("幂等键"), max_length=200)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_key")]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self):
        return self.title


class WebhookKind(models.TextChoices):
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")


class WebhookEndpoint(models.Model):
    """A group robot of an enterprise (企业微信 or 钉钉) that receives its safety messages."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("企业")
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=WebhookKind.choices)
    # Only the official robot hosts (WEBHOOK_ALLOWED_ORIGINS); checked again before each delivery.
    url = models.URLField(_("地址"), max_length=500, validators=[validate_robot_url])
    secret = models.CharField(_("加签密钥"), max_length=200, blank=True)  # 钉钉 "加签"
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")

    def __str__(self):
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")


class WebhookDelivery(models.Model):
    """One message to one robot, sent by Celery with retries; each try is a WebhookAttempt."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("群机器人")
    )
    key = models.CharField(_("幂等键"), max_length=200)
    payload = models.JSONField(_("消息内容"))
    status = models.CharField(_("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次发送时间"))
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["endpoint", "key"], name="webhook_delivery_once_per_key")]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = _("群机器人消息")
        verbose_name_plural = _("群机器人消息")

    def __str__(self):
        return f"{self.endpoint} · {self.get_status_display()}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("消息")
    )
    at = models.DateTimeField(_("时间"))
    ok = models.BooleanField(_("成功"))
    status_code = models.PositiveSmallIntegerField(_("状态码"), null=True)
    error = models.TextField(_("错误"), blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时(毫秒)"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("发送尝试")
        verbose_name_plural = _("发送尝试")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} · {self.status_code or self.error[:30]}"
