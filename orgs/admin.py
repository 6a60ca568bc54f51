from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from orgs import services
from orgs.models import (
    Certificate,
    CertificateKind,
    Department,
    Enterprise,
    EnterpriseTimezoneChange,
    Industry,
    Membership,
    Person,
    Post,
    PostQrToken,
    Region,
    RegulatorScope,
)


@admin.register(Person)
class PersonAdmin(UserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("name", "phone", "email")}),
        (
            _("权限"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "name", "phone", "password1", "password2")}),)
    list_display = ("username", "name", "phone", "is_staff", "is_active")
    search_fields = ("username", "name", "phone")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "high_risk", "parent")
    list_filter = ("high_risk",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0


class PostInline(admin.TabularInline):
    model = Post
    fields = ("name", "department", "risk_level", "location")
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only the departments of the enterprise being edited (a post's department is in its enterprise).
        if db_field.name == "department":
            enterprise_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Department.objects.filter(enterprise_id=enterprise_id or None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("person", "role")
    raw_id_fields = ("person",)
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "region", "industry", "created_at")
    list_filter = ("industry__high_risk", "region")
    list_select_related = ("region", "industry")
    search_fields = ("name", "credit_code")
    raw_id_fields = ("region", "industry")
    inlines = [DepartmentInline, PostInline, MembershipInline]

    def save_model(self, request, obj, form, change):
        # The time zone decides every period: a change here is recorded as one through the API is.
        if change and "timezone" in form.changed_data:
            services.enterprise_timezone_record(enterprise=obj, new=obj.timezone, by=request.user)
        super().save_model(request, obj, form, change)


@admin.register(EnterpriseTimezoneChange)
class EnterpriseTimezoneChangeAdmin(ReadOnlyAdmin):
    """Read-only: written by orgs.services.enterprise_update (platform staff only)."""

    list_display = ("enterprise", "old", "new", "changed_by", "changed_at")
    list_select_related = ("enterprise", "changed_by")
    search_fields = ("enterprise__name",)
    readonly_fields = ("enterprise", "old", "new", "changed_by", "changed_at")


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("name", "enterprise", "department", "risk_level", "location")
    list_filter = ("risk_level",)
    list_select_related = ("enterprise", "department")
    search_fields = ("name", "enterprise__name")
    raw_id_fields = ("enterprise", "department")
    filter_horizontal = ("holders", "required_certificate_kinds")


@admin.register(RegulatorScope)
class RegulatorScopeAdmin(admin.ModelAdmin):
    list_display = ("person", "region", "industry")
    list_select_related = ("person", "region", "industry")
    raw_id_fields = ("person", "region", "industry")


@admin.register(PostQrToken)
class PostQrTokenAdmin(ReadOnlyAdmin):
    """Read-only: tokens are issued and revoked by the QR service (a revoked token answers 410)."""

    list_display = ("token", "post", "created_at", "revoked_at")
    list_select_related = ("post",)
    search_fields = ("token", "post__name")
    readonly_fields = ("post", "token", "created_at", "revoked_at")


@admin.register(CertificateKind)
class CertificateKindAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("person", "kind", "number", "issued_on", "expires_on", "enterprise")
    list_filter = ("kind",)
    list_select_related = ("person", "kind", "enterprise")
    search_fields = ("number", "person__name", "person__username")
    raw_id_fields = ("enterprise", "person")
    date_hierarchy = "expires_on"
