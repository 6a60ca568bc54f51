from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from orgs.validators import (
    FENCE_RADIUS_MAX_M,
    FENCE_RADIUS_MIN_M,
    USERNAME_MAX_LENGTH,
    fence_problems,
    validate_credit_code,
    validate_timezone,
    validate_username,
)


class RiskLevel(models.TextChoices):
    # 重大/较大/一般/低 risk, shown as red/orange/yellow/blue on cards and signs.
    RED = "red", _("重大风险(红)")
    ORANGE = "orange", _("较大风险(橙)")
    YELLOW = "yellow", _("一般风险(黄)")
    BLUE = "blue", _("低风险(蓝)")


class Role(models.TextChoices):
    WORKER = "worker", _("作业人员")
    SAFETY_OFFICER = "safety_officer", _("安全员")
    SAFETY_DIRECTOR = "safety_director", _("安全总监")
    PRINCIPAL = "principal", _("主要负责人")
    ADMIN = "admin", _("管理员")


# Who may set up the organisation (departments, posts, people) and who may write safety content
# (cards, checklist templates) or check any post of the enterprise.
ORG_ADMIN_ROLES = frozenset({Role.ADMIN, Role.PRINCIPAL})
SAFETY_MANAGER_ROLES = frozenset({Role.SAFETY_OFFICER, Role.SAFETY_DIRECTOR, Role.PRINCIPAL, Role.ADMIN})


class PersonManager(UserManager):
    def with_username(self, username: str):
        """The person whose username is `username` ignoring case (at most one: see the constraint).
        Compared as LOWER() on both sides, so PostgreSQL answers from the unique index."""
        return self.alias(username_lower=Lower("username")).filter(username_lower=Lower(Value(username)))

    def get_by_natural_key(self, username):
        # Login (ModelBackend, the admin, the API token) ignores case: "Worker" logs in as "worker".
        return self.with_username(username).get()


class Person(AbstractUser):
    """Everyone who logs in: workers, managers, regulators."""

    username_validator = validate_username
    username = models.CharField(
        _("用户名"),
        max_length=USERNAME_MAX_LENGTH,
        unique=True,
        help_text=_("英文字母、数字和 @/./+/-/_,不区分大小写。"),
        validators=[validate_username],
        error_messages={"unique": _("用户名已存在。")},
    )
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    objects = PersonManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="person_username_unique_ci",
                violation_error_code="unique",
                violation_error_message=_("用户名已存在。"),
            )
        ]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self):
        return self.name or self.username


class Region(models.Model):
    """Administrative area by GB/T 2260 code; development zones are child regions."""

    code = models.CharField(_("行政区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级区域")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self):
        return f"{self.name}({self.code})"


class Industry(models.Model):
    """Industry by GB/T 4754 code; high-risk ones get half-yearly drills and monthly led inspections."""

    code = models.CharField(_("行业代码"), max_length=10, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    high_risk = models.BooleanField(_("高危行业"), default=False)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级行业")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行业")
        verbose_name_plural = _("行业")

    def __str__(self):
        return f"{self.name}({self.code})"


class Enterprise(models.Model):
    name = models.CharField(_("企业名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code])
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("行政区域"))
    industry = models.ForeignKey(Industry, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("行业"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    timezone = models.CharField(_("时区"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone])
    # Seed item 34: major hazards are reported to the actual controller as well as the principal.
    actual_controller_name = models.CharField(_("实际控制人"), max_length=50, blank=True)
    actual_controller_phone = models.CharField(_("实际控制人电话"), max_length=20, blank=True)
    actual_controller = models.ForeignKey(
        "Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("实际控制人账号")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")

    def __str__(self):
        return self.name

    @property
    def is_high_risk(self) -> bool:
        return self.industry.high_risk


class EnterpriseTimezoneChange(models.Model):
    """A change of an enterprise's time zone, which decides every period (day, week, month) of its
    figures: made by platform staff only (orgs.services.enterprise_update), and kept for good."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="timezone_changes", verbose_name=_("企业")
    )
    old = models.CharField(_("原时区"), max_length=64)
    new = models.CharField(_("新时区"), max_length=64)
    changed_by = models.ForeignKey(
        "Person", null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("修改人")
    )
    changed_at = models.DateTimeField(_("修改时间"), auto_now_add=True)

    class Meta:
        ordering = ["enterprise", "changed_at", "id"]
        verbose_name = _("时区变更")
        verbose_name_plural = _("时区变更")

    def __str__(self):
        return f"{self.enterprise}: {self.old} -> {self.new}"


class Department(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="departments", verbose_name=_("企业")
    )
    name = models.CharField(_("部门名称"), max_length=100)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "name"], name="department_unique_name")]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self):
        return self.name


class CertificateKind(models.Model):
    """A kind of certificate a post can require (持证上岗, seed item 16): the special-operation
    categories of 特种作业操作证 and the 特种设备作业人员证 items. A national catalogue, kept by the
    platform's administrators (a data migration seeds the common ones)."""

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("证书类型")
        verbose_name_plural = _("证书类型")

    def __str__(self):
        return self.name


class Post(models.Model):
    """A post (岗位): the unit that carries a responsibility card and a QR code."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="posts", verbose_name=_("企业"))
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts", verbose_name=_("部门")
    )
    name = models.CharField(_("岗位名称"), max_length=100)
    risk_level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.BLUE)
    location = models.CharField(_("位置"), max_length=200, blank=True)
    holders = models.ManyToManyField(Person, blank=True, related_name="posts_held", verbose_name=_("在岗人员"))
    # The rule behind 持证上岗: a holder without a valid certificate of each kind is flagged. The card's
    # `required_certificates` stays the text printed for the worker (it may say more, e.g. 低压).
    required_certificate_kinds = models.ManyToManyField(
        CertificateKind, blank=True, related_name="posts", verbose_name=_("须持证书")
    )
    # The electronic fence (电子围栏): a circle in WGS-84, as phones' browsers report positions. All three
    # or none (constraint); set by safety managers (orgs.services.post_fence_set). A record of a fenced
    # post stores the phone's position and is flagged outside the fence or without a position
    # (checklists.geofence); a post without a fence stores no position at all.
    fence_latitude = models.DecimalField(_("围栏中心纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    fence_longitude = models.DecimalField(_("围栏中心经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    fence_radius_m = models.PositiveIntegerField(_("围栏半径(米)"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "department", "name"], name="post_unique_name"),
            models.CheckConstraint(
                condition=Q(fence_latitude__isnull=True, fence_longitude__isnull=True, fence_radius_m__isnull=True)
                | Q(  # NULL compares as unknown, which a CHECK lets pass: each is said not null
                    fence_latitude__isnull=False,
                    fence_longitude__isnull=False,
                    fence_radius_m__isnull=False,
                    fence_latitude__gte=-90,
                    fence_latitude__lte=90,
                    fence_longitude__gte=-180,
                    fence_longitude__lte=180,
                    fence_radius_m__gte=FENCE_RADIUS_MIN_M,
                    fence_radius_m__lte=FENCE_RADIUS_MAX_M,
                ),
                name="post_fence_whole_and_in_range",
            ),
        ]
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")

    def __str__(self):
        return self.name

    @property
    def has_fence(self) -> bool:
        return self.fence_radius_m is not None

    def clean(self):
        # The admin's form: half a fence or one out of range is said at its field (not a 500 from the
        # constraint). The API and the workbook check the same rule (orgs.validators.fence_problems).
        super().clean()
        problems = fence_problems(
            latitude=self.fence_latitude, longitude=self.fence_longitude, radius_m=self.fence_radius_m
        )
        if problems:
            names = {"latitude": "fence_latitude", "longitude": "fence_longitude", "radius_m": "fence_radius_m"}
            raise ValidationError({names[field]: message for field, message in problems.items()})


class Membership(models.Model):
    """A person's role in one enterprise; tenancy is derived from these rows."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("人员"))
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("企业")
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["person", "enterprise"], name="membership_unique")]
        verbose_name = _("成员")
        verbose_name_plural = _("成员")

    def __str__(self):
        return f"{self.person} @ {self.enterprise}: {self.role}"


class RegulatorScope(models.Model):
    """A regulator reads every enterprise in the region (and its children), optionally one industry."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="regulator_scopes", verbose_name=_("人员")
    )
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("行政区域"))
    industry = models.ForeignKey(
        Industry, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("行业")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "region", "industry"], name="regulator_scope_unique"),
            models.UniqueConstraint(
                fields=["person", "region"], condition=Q(industry__isnull=True), name="regulator_scope_unique_all"
            ),
        ]
        verbose_name = _("监管范围")
        verbose_name_plural = _("监管范围")

    def __str__(self):
        return f"{self.person}: {self.region} / {self.industry or '*'}"


class PostQrToken(models.Model):
    """The random token printed in a post's QR code. Lives here, next to Post, because checklists
    (below qr in the dependency order) must check it to mark an inspection as on site."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="qr_tokens", verbose_name=_("岗位"))
    token = models.CharField(max_length=32, unique=True, verbose_name=_("二维码令牌"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("作废时间"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post"], condition=Q(revoked_at__isnull=True), name="qr_token_one_active_per_post"
            )
        ]
        verbose_name = _("二维码令牌")
        verbose_name_plural = _("二维码令牌")

    def __str__(self):
        return self.token

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Certificate(models.Model):
    """A person's certificate (操作证), kept by the enterprise that recorded it. It is valid on a day
    from issued_on to expires_on inclusive; a valid certificate counts for every post the person holds."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("企业")
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("人员"))
    kind = models.ForeignKey(
        CertificateKind, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("证书种类")
    )
    number = models.CharField(_("证书编号"), max_length=50)
    issued_on = models.DateField(_("发证日期"))
    expires_on = models.DateField(_("有效期至"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        ordering = ["expires_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "kind", "number"], name="certificate_unique_number"),
            models.CheckConstraint(condition=Q(expires_on__gte=models.F("issued_on")), name="certificate_dates"),
        ]
        indexes = [models.Index(fields=["person", "kind", "expires_on"], name="certificate_valid")]
        verbose_name = _("证书")
        verbose_name_plural = _("证书")

    def __str__(self):
        return f"{self.person} {self.kind} {self.number}"

    def is_valid_on(self, day) -> bool:
        return self.issued_on <= day <= self.expires_on
