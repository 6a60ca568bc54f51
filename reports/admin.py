from django.contrib import admin

from reports.models import DailyReview, DispatchDecision, MonthlyDispatch, WeeklyReport


class SnapshotAdmin(admin.ModelAdmin):
    """Snapshots are written by reports.services (generation, minutes, signatures): the admin may look,
    never change a signed record behind the API's back."""

    list_select_related = ["enterprise"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DailyReview)
class DailyReviewAdmin(SnapshotAdmin):
    list_display = ["date", "enterprise", "signed_by", "signed_at"]
    list_filter = ["date"]
    search_fields = ["enterprise__name"]


@admin.register(WeeklyReport)
class WeeklyReportAdmin(SnapshotAdmin):
    list_display = ["week", "enterprise", "generated_at", "director_signed_at", "principal_signed_at"]
    search_fields = ["enterprise__name", "week"]


class DispatchDecisionInline(admin.TabularInline):
    model = DispatchDecision
    extra = 0
    can_delete = False
    fields = ["order", "task", "owner", "due_date"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MonthlyDispatch)
class MonthlyDispatchAdmin(SnapshotAdmin):
    list_display = ["month", "enterprise", "generated_at", "principal_signed_at"]
    search_fields = ["enterprise__name", "month"]
    inlines = [DispatchDecisionInline]
