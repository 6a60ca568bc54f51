from django import forms
from django.contrib import admin

from core.admin import ReadOnlyAdmin
from core.errors import ApplicationError
from risks.models import Assessment, Control, HazardSource, RiskBands, RiskGrade, RiskPoint, SitePlan
from risks.services import control_level_check


class HazardSourceInline(admin.TabularInline):
    model = HazardSource
    extra = 0
    fields = ["order", "name", "accident_types"]


@admin.register(RiskPoint)
class RiskPointAdmin(admin.ModelAdmin):
    list_display = ["name", "enterprise", "kind", "department", "level", "active"]
    list_filter = ["kind", "level", "active"]
    search_fields = ["name", "location", "enterprise__name"]
    raw_id_fields = ["enterprise", "department"]
    filter_horizontal = ["posts"]
    # The grade comes from assessments only (risks.services), so that every change leaves a RiskGrade row.
    readonly_fields = ["level"]
    inlines = [HazardSourceInline]


class ControlForm(forms.ModelForm):
    class Meta:
        model = Control
        fields = ["source", "measure", "type", "level", "owner_post", "tier", "active"]

    def clean(self):
        data = super().clean()
        source = data.get("source")
        if source is not None and data.get("level"):
            try:
                control_level_check(point_level=source.risk_point.level, level=data["level"])
            except ApplicationError as error:
                self.add_error(error.field, error.message)
        return data


@admin.register(Control)
class ControlAdmin(admin.ModelAdmin):
    form = ControlForm
    list_display = ["measure", "source", "type", "level", "owner_post", "tier", "active"]
    list_filter = ["type", "level", "tier", "active"]
    search_fields = ["measure", "source__name", "source__risk_point__name"]
    raw_id_fields = ["source", "owner_post"]

    def save_model(self, request, obj, form, change):
        obj.enterprise_id = obj.source.risk_point.enterprise_id
        super().save_model(request, obj, form, change)


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["risk_point", "version", "method", "score", "level", "assessor_name", "assessed_on"]
    list_filter = ["method", "level"]


@admin.register(RiskGrade)
class RiskGradeAdmin(ReadOnlyAdmin):
    list_display = ["risk_point", "previous_level", "level", "reason", "graded_at"]
    list_filter = ["reason", "level"]


@admin.register(RiskBands)
class RiskBandsAdmin(ReadOnlyAdmin):
    # Read-only here: a change must re-grade the points (PUT /api/v1/enterprises/{id}/risk-bands/).
    list_display = ["enterprise", "lec_red", "lec_orange", "lec_yellow", "ls_red", "ls_orange", "ls_yellow"]


@admin.register(SitePlan)
class SitePlanAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "width", "height", "uploaded_at"]
