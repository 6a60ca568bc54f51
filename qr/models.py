from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.models import Enterprise, Person


class CardSheetStatus(models.TextChoices):
    PENDING = "pending", _("生成中")
    DONE = "done", _("已生成")
    FAILED = "failed", _("生成失败")


class CardSheet(models.Model):
    """The printable cards of a large enterprise, rendered by Celery into media storage.

    `digest` hashes what the sheet shows (posts, card versions, QR tokens), so asking again for the same
    cards finds the same sheet (the unique constraint settles a race) and a change makes a new one.
    """

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+", verbose_name=_("企业"))
    digest = models.CharField(max_length=64, verbose_name=_("内容摘要"))
    post_count = models.PositiveIntegerField(verbose_name=_("岗位数"))
    status = models.CharField(
        max_length=10, choices=CardSheetStatus.choices, default=CardSheetStatus.PENDING, verbose_name=_("生成状态")
    )
    file = models.FileField(upload_to="card-sheets/%Y/%m/", blank=True, verbose_name=_("PDF 文件"))
    error = models.TextField(blank=True, verbose_name=_("错误信息"))
    requested_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("申请人")
    )
    created_at = models.DateTimeField(verbose_name=_("创建时间"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("完成时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "digest"], name="card_sheet_once_per_content")]
        verbose_name = _("明白卡打印文件")
        verbose_name_plural = _("明白卡打印文件")

    def __str__(self):
        return f"{self.enterprise_id}: {self.digest[:12]} ({self.status})"
