"""Daily reviews, weekly reports, monthly dispatches: signed snapshots of the archive.

Each is one row per enterprise and period (a database constraint, so two generators racing cannot make
two), with the figures computed once from the archive and stored as they were (`log` / `figures`).
Signing freezes a row; reports.services refuses every later change with a 409.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.models import Enterprise, Person


class CheckStatus(models.TextChoices):
    """A check's status in a day log (checklists.selectors.DueStatus, labelled)."""

    DONE = "done", _("已完成")
    LATE = "late", _("补录")
    MISSED = "missed", _("缺失")
    DUE = "due", _("待完成")


class SnapshotKind(models.TextChoices):
    WEEKLY = "weekly", _("周")
    MONTHLY = "monthly", _("月")


class WeeklyReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    DIRECTOR_SIGNED = "director_signed", _("安全总监已签字")
    SIGNED = "signed", _("已签字")


class DispatchStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SIGNED = "signed", _("已签字")


class DailyReview(models.Model):
    """A safety officer's signature on one local day's log (日管控 review). Only signed days are stored:
    until then the log is computed live; the signature freezes it in `log`."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="daily_reviews", verbose_name=_("企业")
    )
    date = models.DateField(_("日期"))  # the enterprise's local day
    note = models.TextField(_("审核意见"), blank=True)
    log = models.JSONField(verbose_name=_("台账"))  # reports.selectors.day_log as it was when signed
    signed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("签字人"))
    signed_at = models.DateTimeField(verbose_name=_("签字时间"))

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "date"], name="daily_review_once_per_day")]
        verbose_name = _("日管控审核")
        verbose_name_plural = _("日管控审核")

    def __str__(self):
        return f"{self.enterprise} {self.date}"


class WeeklyReport(models.Model):
    """周排查治理报告: the ISO week's figures, the minutes written by the safety staff, and the
    sign-off of the safety director, then the principal (which freezes it)."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="weekly_reports", verbose_name=_("企业")
    )
    week = models.CharField(_("周"), max_length=8)  # ISO week key from checklists.periods, e.g. 2024-W27
    period_start = models.DateField(_("起始日"))
    period_end = models.DateField(_("截止日"))  # the last day, inclusive
    figures = models.JSONField(verbose_name=_("统计数据"))  # reports.selectors.period_figures when generated
    generated_at = models.DateTimeField(verbose_name=_("生成时间"))
    generated_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("生成人")
    )
    summary = models.TextField(_("本周排查治理情况"), blank=True)
    risk_analysis = models.TextField(_("风险研判"), blank=True)
    next_week_plan = models.TextField(_("下周工作安排"), blank=True)
    director_signed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("安全总监签字人")
    )
    director_signed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("安全总监签字时间"))
    director_note = models.TextField(blank=True, verbose_name=_("安全总监意见"))
    principal_signed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("主要负责人签字人")
    )
    principal_signed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("主要负责人签字时间"))
    principal_note = models.TextField(blank=True, verbose_name=_("主要负责人意见"))

    class Meta:
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "week"], name="weekly_report_once_per_week"),
            # The principal signs after the director, never alone.
            models.CheckConstraint(
                condition=models.Q(principal_signed_at__isnull=True) | models.Q(director_signed_at__isnull=False),
                name="weekly_report_director_signs_first",
            ),
        ]
        verbose_name = _("周排查治理报告")
        verbose_name_plural = _("周排查治理报告")

    def __str__(self):
        return f"{self.enterprise} {self.week}"

    @property
    def status(self) -> str:
        if self.principal_signed_at:
            return WeeklyReportStatus.SIGNED
        return WeeklyReportStatus.DIRECTOR_SIGNED if self.director_signed_at else WeeklyReportStatus.DRAFT


class MonthlyDispatch(models.Model):
    """月调度: the month's figures, the principal's summary and next month's key work as decisions
    (task, owner, due date), signed by the principal (which freezes it)."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="monthly_dispatches", verbose_name=_("企业")
    )
    month = models.CharField(_("月份"), max_length=7)  # e.g. 2024-07
    period_start = models.DateField(_("起始日"))
    period_end = models.DateField(_("截止日"))
    figures = models.JSONField(verbose_name=_("统计数据"))
    generated_at = models.DateTimeField(verbose_name=_("生成时间"))
    generated_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("生成人")
    )
    summary = models.TextField(_("本月工作总结"), blank=True)
    principal_signed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("主要负责人签字人")
    )
    principal_signed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("主要负责人签字时间"))
    principal_note = models.TextField(blank=True, verbose_name=_("主要负责人意见"))

    class Meta:
        ordering = ["-period_start", "-id"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "month"], name="monthly_dispatch_once_per_month")]
        verbose_name = _("月调度")
        verbose_name_plural = _("月调度")

    def __str__(self):
        return f"{self.enterprise} {self.month}"

    @property
    def status(self) -> str:
        return DispatchStatus.SIGNED if self.principal_signed_at else DispatchStatus.DRAFT


class DispatchDecision(models.Model):
    """One item of next month's key work decided at the dispatch meeting."""

    dispatch = models.ForeignKey(
        MonthlyDispatch, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("月调度")
    )
    order = models.PositiveSmallIntegerField(verbose_name=_("序号"))
    task = models.CharField(_("工作任务"), max_length=500)
    owner = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="dispatch_tasks", verbose_name=_("责任人"))
    due_date = models.DateField(_("完成时限"))

    class Meta:
        ordering = ["dispatch", "order"]
        constraints = [models.UniqueConstraint(fields=["dispatch", "order"], name="dispatch_decision_order_unique")]
        verbose_name = _("调度事项")
        verbose_name_plural = _("调度事项")

    def __str__(self):
        return self.task
