from django.contrib import admin
from django.db import models

from hazards.models import Hazard, HazardEvent, Notification, WebhookAttempt, WebhookDelivery, WebhookEndpoint


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
