# QR tokens (orgs.models.PostQrToken) are listed in the orgs admin, next to the posts they belong to;
# rotating one is a rule-bearing write (qr.services.qr_token_rotate), done through the API, not here.

from django.contrib import admin

from qr.models import CardSheet


@admin.register(CardSheet)
class CardSheetAdmin(admin.ModelAdmin):
    """Rendered card sheets, read-only: they are made by the cards.pdf endpoint and its Celery task."""

    list_display = ["id", "enterprise", "status", "post_count", "created_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in CardSheet._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
