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
    CLOSED = "closed", _("已销号")


class HazardSource(models.TextChoices):
    INSPECTION = "inspection", _("检查发现")
    AD_HOC = "ad_hoc", _("随手拍")
    REGULATOR = "regulator", _("监管检查")


class RectificationMode(models.TextChoices):
    ON_THE_SPOT = "on_the_spot", _("立即整改")
    BY_DEADLINE = "by_deadline", _("限期整改")
    HANDED_OVER = "handed_over", _("移交处理")


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
    basis = models.CharField(_("判定依据"), max_length=300, blank=True)
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


class HazardEvent(models.Model):
    """Every move of a hazard, with who, when, why and the photos shown."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="events", verbose_name=_("隐患"))
    action = models.CharField(_("动作"), max_length=10, choices=HazardAction.choices)
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

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="webhooks")
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
