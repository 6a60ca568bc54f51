from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orgs.models import Enterprise, Person, Post, PostQrToken


class Tier(models.TextChoices):
    DAILY = "daily", _("日管控")
    WEEKLY = "weekly", _("周排查")
    MONTHLY = "monthly", _("月调度")
    QUARTERLY = "quarterly", _("季度检查")


class ItemKind(models.TextChoices):
    CHECK = "check", _("检查(正常/异常/不适用)")
    NUMBER = "number", _("数值")
    TEXT = "text", _("文字")
    PHOTO = "photo", _("照片")


class HazardGrade(models.TextChoices):
    GENERAL = "general", _("一般隐患")
    MAJOR = "major", _("重大隐患")


class CheckValue(models.TextChoices):
    OK = "ok", _("正常")
    NOT_OK = "not_ok", _("异常")
    NA = "na", _("不适用")


class Outcome(models.TextChoices):
    OK = "ok", _("正常")
    FAILED = "failed", _("异常")
    NA = "na", _("不适用")


class ChecklistTemplate(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="checklist_templates", verbose_name=_("企业")
    )
    name = models.CharField(_("名称"), max_length=200)
    tier = models.CharField(_("层级"), max_length=10, choices=Tier.choices)
    posts = models.ManyToManyField(Post, blank=True, related_name="checklist_templates", verbose_name=_("岗位"))
    active = models.BooleanField(_("启用"), default=True)
    # A record completed in less than this per item answered is flagged too_fast (checklists.flags).
    min_seconds_per_item = models.PositiveIntegerField(_("每项最少用时(秒)"), default=2, db_default=2)
    # Set on the templates checklists.register builds from the controls a post owns (one per post and
    # tier): regenerating updates that template instead of adding another.
    register_post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("由风险管控生成")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("检查表")
        verbose_name_plural = _("检查表")

    def __str__(self):
        return f"{self.name}({self.get_tier_display()})"


class TemplateAssignment(models.Model):
    """Which template applied to which post, with which tier, and when (effective-dated history): the
    expected checks of any period come from the rows in force then (checklists.history), so retiring
    a template, re-tiering it or changing its posts today changes no closed period's figures. Written
    only by checklists.history.template_history_sync (on every save of a template and change of its
    posts); a row is never changed except to close it (valid_to)."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("企业")
    )
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("检查表")
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+", verbose_name=_("岗位"))
    tier = models.CharField(max_length=10, choices=Tier.choices, verbose_name=_("层级"))
    valid_from = models.DateTimeField(verbose_name=_("生效日期"))
    valid_to = models.DateTimeField(null=True, blank=True, verbose_name=_("失效日期"))  # exclusive; null while in force

    class Meta:
        ordering = ["template", "post", "valid_from", "id"]
        indexes = [models.Index(fields=["enterprise", "valid_from"], name="assignment_by_enterprise")]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "post"], condition=Q(valid_to__isnull=True), name="assignment_one_open_per_pair"
            )
        ]
        verbose_name = _("检查表适用记录")
        verbose_name_plural = _("检查表适用记录")

    def __str__(self):
        return f"{self.template} · {self.post} · {self.valid_from:%Y-%m-%d}"


class ChecklistItem(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="items", verbose_name=_("检查表")
    )
    order = models.PositiveIntegerField(_("序号"), default=0)
    label = models.CharField(_("检查内容"), max_length=300)
    kind = models.CharField(_("类型"), max_length=10, choices=ItemKind.choices, default=ItemKind.CHECK)
    required = models.BooleanField(_("必填"), default=True)
    photo_on_fail = models.BooleanField(_("异常时须拍照"), default=False)
    hazard_grade_on_fail = models.CharField(
        _("异常时隐患等级"), max_length=10, choices=HazardGrade.choices, blank=True, default=HazardGrade.GENERAL
    )
    min_value = models.DecimalField(_("下限"), max_digits=14, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("上限"), max_digits=14, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    # min/max bound what can be entered at all (a typo is refused); a reading outside the normal
    # range is recorded as a failed item and opens a hazard (e.g. gas above the 25 %LEL alarm).
    normal_min = models.DecimalField(_("正常下限"), max_digits=14, decimal_places=4, null=True, blank=True)
    normal_max = models.DecimalField(_("正常上限"), max_digits=14, decimal_places=4, null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    # The control measure of the risk register this item proves is in place (双重预防): an active
    # control that no active item verifies is reported as unchecked (risks.selectors).
    control = models.ForeignKey(
        "risks.Control",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="verifying_items",
        verbose_name=_("验证的管控措施"),
    )

    class Meta:
        ordering = ["template", "order", "id"]
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=models.F("max_value")),
                name="item_min_not_above_max",
            )
        ]

    def __str__(self):
        return self.label


class Photo(models.Model):
    """A photo uploaded ahead of the inspection or hazard that cites it, idempotent on client_uuid."""

    client_uuid = models.UUIDField(_("客户端编号"), unique=True)
    uploaded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="photos", verbose_name=_("上传人"))
    image = models.ImageField(_("原图"), upload_to="photos/%Y/%m/")
    thumbnail = models.ImageField(_("缩略图"), upload_to="photos/thumbs/%Y/%m/")
    # Hash of the bytes as uploaded: the same picture sent again (another day, or as "after"
    # evidence of a hazard) is found by it.
    sha256 = models.CharField(_("SHA-256 摘要"), max_length=64, db_index=True)
    # Perceptual hashes of the picture (checklists.photo_reuse.fingerprints), signed 64-bit: a copy
    # re-encoded, resized, cropped or made brighter is found by them. None / [] for a flat picture, or a
    # photo stored before they were computed that could not be read.
    phash = models.BigIntegerField(_("感知哈希"), null=True, blank=True)
    region_hashes = models.JSONField(_("分区哈希"), default=list, blank=True)
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    size_bytes = models.PositiveIntegerField(_("字节数"))
    taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)  # from EXIF, the phone's claim
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("照片")
        verbose_name_plural = _("照片")

    def __str__(self):
        return _("照片 #%(id)s") % {"id": self.pk}


class PhotoUse(models.Model):
    """A photo as used by a stored record, once per hash of it (its bytes, the whole picture, each
    region): the index checklists.photo_reuse looks in for a photo used before. Derived from the
    records (written with each one), not part of the archive."""

    class Kind(models.IntegerChoices):
        EXACT = 0, _("SHA-256 摘要")  # value: the first 64 bits of the SHA-256
        WHOLE = 1, _("整图感知哈希(pHash)")
        REGION = 2, _("局部差异哈希(dHash)")

    # Only the band indexes below, each led by the enterprise: the lookup reads nothing else, and the
    # rows are never looked up by record, post or photo (records and photos are never deleted).
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("企业")
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("岗位"))
    inspection = models.ForeignKey(
        "Inspection", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("检查记录")
    )
    photo = models.ForeignKey(
        Photo, on_delete=models.CASCADE, related_name="uses", db_index=False, verbose_name=_("照片")
    )
    day = models.DateField(
        verbose_name=_("记录日期")
    )  # the record's local day (capture time, the enterprise's time zone)
    used_at = models.DateTimeField(verbose_name=_("使用时间"))  # the record's capture time (started_at)
    kind = models.PositiveSmallIntegerField(choices=Kind.choices, verbose_name=_("哈希类型"))
    value = models.BigIntegerField(verbose_name=_("哈希值"))
    band0 = models.IntegerField(verbose_name=_("哈希分段 0"))  # value's bits 0-15, 16-31, 32-47, 48-63 (0..65535)
    band1 = models.IntegerField(verbose_name=_("哈希分段 1"))
    band2 = models.IntegerField(verbose_name=_("哈希分段 2"))
    band3 = models.IntegerField(verbose_name=_("哈希分段 3"))

    class Meta:
        indexes = [models.Index(fields=["enterprise", f"band{i}"], name=f"photo_use_band{i}") for i in range(4)]
        verbose_name = _("照片使用记录")
        verbose_name_plural = _("照片使用记录")

    def __str__(self):
        return f"#{self.photo_id} · {self.day}"


class ArchiveHead(models.Model):
    """The end of an enterprise's hash chain; locked while a record is appended. It also keeps the
    checks done per month and tier, counted as records are appended (checklists.tallies)."""

    enterprise = models.OneToOneField(
        Enterprise, primary_key=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("企业")
    )
    last_sequence = models.PositiveBigIntegerField(default=0, verbose_name=_("最后存档序号"))
    last_hash = models.CharField(max_length=64, default="", verbose_name=_("最后记录摘要"))
    slot_tallies = models.JSONField(
        default=dict, blank=True, verbose_name=_("检查时段统计")
    )  # {"2024-07": {"daily": [done, late], ...}}

    class Meta:
        verbose_name = _("档案链末端")
        verbose_name_plural = _("档案链末端")

    def __str__(self):
        return f"{self.enterprise_id} · #{self.last_sequence}"


class ScanEvent(models.Model):
    """A person opened a post's QR code while logged in (POST /api/v1/scan/{token}/): the evidence that
    makes a record on site (DESIGN.md: "On site means scanned"). Written once, never changed."""

    # Only the composite index below: the scan lookup of inspection_submit reads (person, post, time),
    # and every index is one more write per scan. Posts and people with records cannot be deleted.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="scan_events", db_index=False, verbose_name=_("人员")
    )
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="scan_events", db_index=False, verbose_name=_("岗位")
    )
    token = models.ForeignKey(
        PostQrToken, on_delete=models.CASCADE, related_name="scan_events", db_index=False, verbose_name=_("二维码令牌")
    )
    scanned_at = models.DateTimeField(verbose_name=_("扫码时间"))  # the server's clock
    user_agent = models.CharField(max_length=200, blank=True, verbose_name=_("浏览器标识"))
    ip = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("IP 地址"))

    class Meta:
        ordering = ["-scanned_at", "-id"]
        indexes = [models.Index(fields=["person", "post", "scanned_at"], name="scan_event_person_post_time")]
        verbose_name = _("扫码记录")
        verbose_name_plural = _("扫码记录")

    def __str__(self):
        return f"{self.person_id}@{self.post_id} {self.scanned_at:%Y-%m-%d %H:%M}"


class Inspection(models.Model):
    """One record of the self-inspection archive (自查自纠档案). Immutable once written; a
    correction is a new record pointing at the one it corrects."""

    # No single-column indexes on enterprise and post: the composite indexes below lead with them, and
    # every index is one more write at the morning peak.
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="inspections", db_index=False, verbose_name=_("企业")
    )
    post = models.ForeignKey(
        Post, on_delete=models.PROTECT, related_name="inspections", db_index=False, verbose_name=_("岗位")
    )
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("检查表")
    )
    tier = models.CharField(max_length=10, choices=Tier.choices, verbose_name=_("层级"))
    period = models.CharField(max_length=10, verbose_name=_("检查周期"))  # key from checklists.periods, in local time
    client_uuid = models.UUIDField(unique=True, verbose_name=_("客户端编号"))
    started_at = models.DateTimeField(verbose_name=_("开始时间"))  # the phone's clock
    received_at = models.DateTimeField(verbose_name=_("接收时间"))  # the server's clock
    submitted_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("提交人")
    )
    scan_token = models.ForeignKey(
        PostQrToken, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("扫码令牌")
    )
    # The scan the record cites (or, for a record with a token only, the scan of that person with that
    # token found within the window); on_site only when it is of the same person and post, shortly before.
    scan_event = models.ForeignKey(
        ScanEvent,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        db_index=False,
        verbose_name=_("扫码记录"),
    )
    finished_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("完成时间")
    )  # the phone's clock, when the form was sent
    on_site = models.BooleanField(verbose_name=_("现场扫码"))
    late = models.BooleanField(verbose_name=_("补录"))
    ok_count = models.PositiveIntegerField(verbose_name=_("合格项数"))
    failed_count = models.PositiveIntegerField(verbose_name=_("不合格项数"))
    na_count = models.PositiveIntegerField(verbose_name=_("不适用项数"))
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("更正的记录"),
    )
    request_hash = models.CharField(
        max_length=64, verbose_name=_("请求摘要")
    )  # of the submitted content, for idempotent replays
    sequence = models.PositiveBigIntegerField(verbose_name=_("存档序号"))  # position in the enterprise's chain, from 1
    prev_hash = models.CharField(max_length=64, verbose_name=_("前一条记录摘要"))
    hash = models.CharField(max_length=64, verbose_name=_("记录摘要"))
    # The record that counts for its slot (post, template, period): the first one stored, whatever
    # follows (a second copy, a correction, a late duplicate). Set by inspection_submit under the
    # enterprise's chain lock; derived, not covered by the archive hash. Statistics count these rows
    # instead of grouping every record by slot (README, Performance).
    first_of_slot = models.BooleanField(default=False, verbose_name=_("时段首条记录"))
    # Whether its slot was expected when it was stored (checklists.expected): a record for a period before
    # the template applied to the post counts among the records, not the checks. Derived, not hashed.
    in_plan = models.BooleanField(default=True, db_default=True, verbose_name=_("计划内"))
    # What makes the record suspicious (checklists.flags): [{code, label, detail}], [] when clean. Covered
    # by the archive hash when not empty; `flagged` is bool(flags), for the day log and the statistics.
    flags = models.JSONField(default=list, blank=True, db_default=[], verbose_name=_("可疑标记"))
    flagged = models.BooleanField(default=False, db_default=False, verbose_name=_("已标记可疑"))
    # The phone's position (WGS-84) when the record was made, kept only for a post with an electronic
    # fence (checklists.geofence; the phone page says so: consent). Null without a fence or a position.
    position_latitude = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True, verbose_name=_("纬度")
    )
    position_longitude = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True, verbose_name=_("经度")
    )
    position_accuracy_m = models.DecimalField(
        max_digits=8, decimal_places=1, null=True, blank=True, verbose_name=_("定位精度(米)")
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "sequence"], name="inspection_chain_position_unique"),
            models.UniqueConstraint(
                fields=["post", "template", "period"],
                condition=Q(first_of_slot=True),
                name="inspection_one_first_per_slot",
            ),
        ]
        indexes = [
            models.Index(fields=["post", "template", "period"]),
            models.Index(fields=["enterprise", "received_at"]),
            # Flagged records of a day (the day log's 待核查): a partial index, no write for clean records.
            models.Index(
                fields=["enterprise", "received_at"], condition=Q(flagged=True), name="inspection_flagged_by_day"
            ),
        ]
        verbose_name = _("检查记录")
        verbose_name_plural = _("检查记录")

    def __str__(self):
        return f"{self.post} {self.period} #{self.sequence}"

    def save(self, *args, **kwargs):
        # Invariant: archive records are written once; tampering behind the ORM is caught by
        # verify_archive.
        if not self._state.adding:
            raise ValueError("archive records are immutable")
        super().save(*args, **kwargs)


class InspectionResult(models.Model):
    # Indexed by result_one_per_item (inspection, item), which leads with it.
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="results", db_index=False, verbose_name=_("检查记录")
    )
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查项"))
    item_label = models.CharField(_("检查项名称"), max_length=300)  # as the worker saw it, for the archive
    kind = models.CharField(_("类型"), max_length=10, choices=ItemKind.choices)
    value = models.JSONField(_("结果"), null=True)
    outcome = models.CharField(_("判定"), max_length=10, choices=Outcome.choices, blank=True)
    note = models.CharField(_("备注"), max_length=1000, blank=True)
    photos = models.ManyToManyField(Photo, blank=True, related_name="inspection_results", verbose_name=_("照片"))

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="result_one_per_item")]
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")

    def __str__(self):
        return f"{self.item_label}:{self.get_outcome_display() or self.value}"


class FlagReview(models.Model):
    """A safety manager looked at a flagged record (with a note): an event beside the record, which
    itself never changes. A record may be looked at more than once."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("检查记录")
    )
    by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("核查人"))
    note = models.CharField(_("核查意见"), max_length=1000)
    created_at = models.DateTimeField(verbose_name=_("创建时间"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("标记核查")
        verbose_name_plural = _("标记核查")

    def __str__(self):
        return f"{self.inspection_id}: {self.by_id} {self.created_at:%Y-%m-%d %H:%M}"
