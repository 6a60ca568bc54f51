from django import forms
from django.contrib import admin, messages
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from hazards.catalogue import judgment_standards_import
from hazards.models import (
    Hazard,
    HazardEvent,
    JudgmentClause,
    JudgmentStandard,
    Notification,
    PublicReport,
    RectificationPlan,
    Supervision,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written only by the services (the workflow, the inbox, the delivery tasks): the admin may look."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class HazardEventInline(ReadOnlyInline):
    model = HazardEvent
    fields = ["at", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields


@admin.register(Hazard)
class HazardAdmin(ReadOnlyAdmin):
    """Every change of a hazard is a move of the workflow with its event: the register is read here."""

    list_display = ["id", "__str__", "enterprise", "post", "status", "source", "responsible", "deadline", "found_at"]
    list_filter = ["status", "grade", "enterprise"]
    list_select_related = ["enterprise", "post", "responsible"]
    search_fields = ["description", "location"]
    date_hierarchy = "found_at"
    raw_id_fields = ["inspection", "inspection_result"]
    inlines = [HazardEventInline]


class JudgmentClauseInline(admin.TabularInline):
    model = JudgmentClause
    extra = 0
    fields = ["ordinal", "number", "text", "industry_codes"]


@admin.register(JudgmentStandard)
class JudgmentStandardAdmin(admin.ModelAdmin):
    """The catalogue of judgment standards (判定标准). A new version of a standard is a new row with the
    same code: set the old version's 废止日期 so hazards found before keep citing what was in force."""

    list_display = ["title", "code", "version", "issuing_order", "sector", "effective_from", "effective_to"]
    list_filter = ["sector"]
    search_fields = ["title", "code", "issuing_order"]
    inlines = [JudgmentClauseInline]
    change_list_template = "hazards/admin/standards_changelist.html"

    def get_urls(self):
        extra = [path("import/", self.admin_site.admin_view(self.import_view), name="hazards_judgmentstandard_import")]
        return extra + super().get_urls()

    def import_view(self, request):
        """Upload a workbook (sheets 标准 and 条款): all rows or none, every problem listed."""
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            return redirect("admin:index")
        form = StandardsImportForm(request.POST or None, request.FILES or None)
        problems = []
        if request.method == "POST" and form.is_valid():
            try:
                standards, clauses = judgment_standards_import(form.cleaned_data["file"])
            except ApplicationError as error:
                problems = error.errors or [{"field": error.field, "message": error.message}]
            else:
                messages.success(request, _("已导入 %(s)d 个标准、%(c)d 条条款。") % {"s": standards, "c": clauses})
                return redirect("admin:hazards_judgmentstandard_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "problems": problems,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "hazards/admin/standards_import.html", context)


class StandardsImportForm(forms.Form):
    file = forms.FileField(label="工作簿(.xlsx)", help_text="工作表「标准」和「条款」")


@admin.register(JudgmentClause)
class JudgmentClauseAdmin(admin.ModelAdmin):
    list_display = ["__str__", "standard", "ordinal", "industry_codes"]
    list_filter = ["standard"]
    list_select_related = ["standard"]
    search_fields = ["number", "text"]


@admin.register(RectificationPlan)
class RectificationPlanAdmin(ReadOnlyAdmin):
    """Written and approved through the API only (versioned): the admin may look."""

    list_display = ["hazard", "version", "responsible", "deadline", "approved_at"]
    list_select_related = ["hazard", "responsible"]


@admin.register(Supervision)
class SupervisionAdmin(ReadOnlyAdmin):
    list_display = ["hazard", "regulator", "deadline", "created_at", "verified_at"]
    list_select_related = ["hazard", "regulator"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "recipient", "kind", "title", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    search_fields = ["title", "recipient__username", "recipient__name"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "enterprise", "kind", "active"]
    list_filter = ["kind", "active", "enterprise"]
    list_select_related = ["enterprise"]
    search_fields = ["name"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # group robots are https only


class WebhookAttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = ["at", "ok", "status_code", "duration_ms", "error"]
    readonly_fields = fields


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "endpoint", "key", "status", "attempts", "next_attempt_at", "delivered_at"]
    list_filter = ["status"]
    list_select_related = ["endpoint"]
    inlines = [WebhookAttemptInline]


@admin.register(PublicReport)
class PublicReportAdmin(ReadOnlyAdmin):
    """有奖举报: triaged through the API by the enterprise's safety managers."""

    list_display = ["id", "enterprise", "post", "status", "created_at", "handled_at"]
    list_filter = ["status"]
    list_select_related = ["enterprise", "post"]
