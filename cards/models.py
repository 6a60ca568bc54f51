from zoneinfo import ZoneInfo

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Enterprise, Person, Post


class EmergencyStepKey(models.TextChoices):
    # Seed item 49: 关 shut off, 避 get clear, 喊 warn others, 报 report, 助 help rescue.
    CLOSE = "close", _("关")
    EVADE = "evade", _("避")
    SHOUT = "shout", _("喊")
    REPORT = "report", _("报")
    HELP = "help", _("助")


# Seed item 49: every post's card carries the five emergency steps 关、避、喊、报、助, in this order,
# written for the post. These are the defaults a new card starts from.
DEFAULT_EMERGENCY_STEPS = [
    {"key": "close", "title": "关", "action": "立即关闭设备、阀门或电源,切断危险源。"},
    {"key": "evade", "title": "避", "action": "迅速撤离到安全区域,避开危险。"},
    {"key": "shout", "title": "喊", "action": "大声呼喊,警示周边人员撤离。"},
    {"key": "report", "title": "报", "action": "立即向班组长、值班室报告,必要时拨打119/120。"},
    {"key": "help", "title": "助", "action": "在确保自身安全的前提下协助救援。"},
]

# The fields a card is made of; a published version is a frozen copy of exactly these.
CARD_CONTENT_FIELDS = (
    "duties",
    "hazards",
    "controls",
    "emergency_steps",
    "emergency_contacts",
    "required_certificates",
    "ppe",
    "operating_rules",
)


def default_emergency_steps():
    return [dict(step) for step in DEFAULT_EMERGENCY_STEPS]


class Card(models.Model):
    """The editable draft of a post's responsibility card (明白卡). Publishing freezes a version."""

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="card", verbose_name=_("岗位"))
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="cards", verbose_name=_("企业"))
    duties = models.JSONField(_("岗位职责"), default=list, blank=True)
    hazards = models.JSONField(_("主要风险"), default=list, blank=True)  # [{name, risk_level, description}]
    controls = models.JSONField(_("管控措施"), default=list, blank=True)
    emergency_steps = models.JSONField(_("应急处置"), default=default_emergency_steps, blank=True)
    emergency_contacts = models.JSONField(_("应急电话"), default=list, blank=True)  # [{name, phone}]
    required_certificates = models.JSONField(_("持证要求"), default=list, blank=True)
    ppe = models.JSONField(_("劳动防护用品"), default=list, blank=True)
    operating_rules = models.JSONField(_("操作规程"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("更新时间"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("明白卡")
        verbose_name_plural = _("明白卡")

    def __str__(self):
        return f"{self.post} 明白卡"

    def content(self) -> dict:
        return {field: getattr(self, field) for field in CARD_CONTENT_FIELDS}


class CardVersion(models.Model):
    """A published card: never changed after it is written (a new version supersedes it)."""

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="versions", verbose_name=_("明白卡"))
    version = models.PositiveIntegerField(verbose_name=_("版本号"))
    content = models.JSONField(verbose_name=_("内容"))
    published_at = models.DateTimeField(verbose_name=_("发布时间"))
    published_by = models.ForeignKey(
        Person, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("发布人")
    )

    class Meta:
        ordering = ["card", "-version"]
        constraints = [models.UniqueConstraint(fields=["card", "version"], name="card_version_unique")]
        verbose_name = _("明白卡版本")
        verbose_name_plural = _("明白卡版本")

    def __str__(self):
        return f"{self.card} v{self.version}"

    def save(self, *args, **kwargs):
        # Invariant, not a business rule: a published version is immutable.
        if not self._state.adding:
            raise ValueError("a published card version cannot be changed")
        super().save(*args, **kwargs)


class CardAcknowledgement(models.Model):
    """A worker's confirmation that they have read one version of a post's card."""

    version = models.ForeignKey(
        CardVersion, on_delete=models.PROTECT, related_name="acknowledgements", verbose_name=_("明白卡版本")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="card_acknowledgements", verbose_name=_("人员")
    )
    acknowledged_at = models.DateTimeField(verbose_name=_("确认时间"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "person"], name="card_ack_unique")]
        verbose_name = _("明白卡确认")
        verbose_name_plural = _("明白卡确认")

    def __str__(self):
        return f"{self.person} · {self.version}"


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    TRUE_FALSE = "true_false", _("判断")


TRUE_FALSE_OPTIONS = ("对", "错")


class KnowledgeQuestion(models.Model):
    """A 应知应会 question on a post's card. `options` is a list of strings; `answer` the list of the
    indexes of the right options (true/false: options ["对", "错"])."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="questions", verbose_name=_("明白卡"))
    kind = models.CharField(_("题型"), max_length=12, choices=QuestionKind.choices)
    text = models.CharField(_("题目"), max_length=500)
    options = models.JSONField(_("选项"), default=list)
    answer = models.JSONField(_("答案"), default=list)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("应知应会题目")
        verbose_name_plural = _("应知应会题目")

    def __str__(self):
        return self.text[:40]


class SpotCheck(models.Model):
    """A knowledge spot-check (应知应会抽查) of one worker. The awareness rate of an enterprise is
    sum(correct_count) / sum(question_count) over its finished spot-checks (seed target: >= 80%)."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="spot_checks", verbose_name=_("企业")
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="spot_checks", verbose_name=_("人员"))
    started_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("发起人"))
    started_at = models.DateTimeField(verbose_name=_("开始时间"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("完成时间"))
    question_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("题数"))
    correct_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("答对题数"))

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "finished_at"], name="spot_check_finished")]
        verbose_name = _("应知应会抽查")
        verbose_name_plural = _("应知应会抽查")

    def __str__(self):
        return f"{self.person} · {self.started_at:%Y-%m-%d} · {self.correct_count}/{self.question_count}"


class SpotCheckAnswer(models.Model):
    spot_check = models.ForeignKey(SpotCheck, on_delete=models.CASCADE, related_name="answers", verbose_name=_("抽查"))
    question = models.ForeignKey(KnowledgeQuestion, on_delete=models.PROTECT, related_name="+", verbose_name=_("题目"))
    answer = models.JSONField(null=True, blank=True, verbose_name=_("回答"))  # null until the worker answers
    correct = models.BooleanField(null=True, verbose_name=_("是否答对"))

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["spot_check", "question"], name="spot_check_answer_unique")]
        verbose_name = _("抽查答题")
        verbose_name_plural = _("抽查答题")

    def __str__(self):
        return f"{self.spot_check_id} · {self.question_id}"


class Drill(models.Model):
    """An emergency drill (应急演练) of the five-step method: planned, then done. Enterprises drill at
    least yearly, high-risk ones half-yearly (seed targets)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="drills", verbose_name=_("企业"))
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="drills", verbose_name=_("岗位")
    )
    title = models.CharField(_("演练名称"), max_length=200)
    planned_on = models.DateField(_("计划日期"))
    done_on = models.DateField(_("实施日期"), null=True, blank=True)
    participants = models.PositiveIntegerField(_("参演人数"), default=0)
    summary = models.TextField(_("演练小结"), blank=True)
    # The local day it was recorded as done, and whether that was after its date (补录): a late drill is
    # counted apart, and counts for the obligation only from the day it was recorded (cards.selectors).
    recorded_on = models.DateField(_("记录日期"), null=True, blank=True)
    late = models.BooleanField(_("补录"), default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        ordering = ["-planned_on", "-id"]
        indexes = [models.Index(fields=["enterprise", "done_on"], name="drill_done")]
        verbose_name = _("应急演练")
        verbose_name_plural = _("应急演练")

    def __str__(self):
        return self.title

    def is_overdue(self, on=None) -> bool:
        """Planned, not done, and its date has passed (in the enterprise's calendar)."""
        if self.done_on is not None:
            return False
        on = on or timezone.localdate(timezone=ZoneInfo(self.enterprise.timezone))
        return self.planned_on < on
