from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from checklists.models import (
    ChecklistItem,
    ChecklistTemplate,
    FlagReview,
    Inspection,
    InspectionResult,
    Photo,
    ScanEvent,
)


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1
    fields = [
        "order",
        "label",
        "kind",
        "required",
        "photo_on_fail",
        "hazard_grade_on_fail",
        "min_value",
        "max_value",
        "normal_min",
        "normal_max",
        "unit",
        "active",
    ]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "enterprise", "tier", "active"]
    list_filter = ["tier", "active", "enterprise"]
    search_fields = ["name"]
    filter_horizontal = ["posts"]
    inlines = [ChecklistItemInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """The archive is written only by the submission service; the admin may look, never touch."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InspectionResultInline(admin.TabularInline):
    model = InspectionResult
    fields = ["item_label", "kind", "value", "outcome", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "enterprise",
        "post",
        "template",
        "period",
        "late",
        "on_site",
        "flagged",
        "failed_count",
        "received_at",
    ]
    list_filter = ["tier", "late", "on_site", "flagged", "enterprise"]
    date_hierarchy = "received_at"
    inlines = [InspectionResultInline]


def photo_preview(photo: Photo, width: int):
    """The photo as people see it: the watermarked display copy, authenticated and tenancy-checked, from the
    pages' route, which also reaches the photos of hazards (the API's display.jpg serves archive photos)."""
    url = reverse("mobile-photo", args=[photo.pk])
    return format_html('<a href="{}"><img src="{}" width="{}" loading="lazy" alt="{}"></a>', url, url, width, photo)


@admin.register(Photo)
class PhotoAdmin(ReadOnlyAdmin):
    list_display = ["id", "thumb", "uploaded_by", "width", "height", "taken_at", "created_at"]
    readonly_fields = ["preview"]

    @admin.display(description=_("缩略图"))
    def thumb(self, photo):
        return photo_preview(photo, 80)

    @admin.display(description=_("照片"))
    def preview(self, photo):
        return photo_preview(photo, 480)


@admin.register(ScanEvent)
class ScanEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "person", "post", "scanned_at", "ip"]
    date_hierarchy = "scanned_at"


@admin.register(FlagReview)
class FlagReviewAdmin(ReadOnlyAdmin):
    list_display = ["id", "inspection", "by", "created_at"]
