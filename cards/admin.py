import json

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from cards import services
from cards.models import Card, CardAcknowledgement, CardVersion
from cards.serializers import CardContentSerializer
from core.errors import ApplicationError

LINE_FIELDS = ["duties", "controls", "required_certificates", "ppe", "operating_rules"]
JSON_FIELDS = ["hazards", "emergency_steps", "emergency_contacts"]


class LinesField(forms.CharField):
    """A list of strings edited as a textarea, one entry per line."""

    widget = forms.Textarea(attrs={"rows": 5, "cols": 80})

    def __init__(self, *, encoder=None, decoder=None, **kwargs):  # given to JSONField's form field
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class PrettyJSONField(forms.JSONField):
    widget = forms.Textarea(attrs={"rows": 8, "cols": 80})

    def prepare_value(self, value):
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2)


class CardForm(forms.ModelForm):
    class Meta:
        model = Card
        fields = ["post", *LINE_FIELDS[:1], *JSON_FIELDS[:1], *LINE_FIELDS[1:2], *JSON_FIELDS[1:], *LINE_FIELDS[2:]]
        field_classes = {**{f: LinesField for f in LINE_FIELDS}, **{f: PrettyJSONField for f in JSON_FIELDS}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in LINE_FIELDS + JSON_FIELDS:
            self.fields[name].required = False
        for name in LINE_FIELDS:
            self.fields[name].help_text = _("每行一条")

    def clean(self):
        cleaned = super().clean()
        content = {name: cleaned.get(name) or [] for name in LINE_FIELDS + JSON_FIELDS}
        shape = CardContentSerializer(data=content)
        if not shape.is_valid():  # the same shape rules as the API
            for name, problems in shape.errors.items():
                self.add_error(name if name in self.fields else None, json.dumps(problems, ensure_ascii=False))
        else:
            cleaned.update(shape.validated_data)
        return cleaned

    def save(self, commit=True):
        self.instance.enterprise_id = self.cleaned_data["post"].enterprise_id
        return super().save(commit)


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    form = CardForm
    list_display = ["post", "enterprise", "updated_at"]
    list_filter = ["enterprise"]
    search_fields = ["post__name"]
    actions = ["publish"]

    @admin.action(description=_("发布所选明白卡"))
    def publish(self, request, queryset):
        for card in queryset:
            try:
                version = services.card_publish(card=card, by=request.user)
                self.message_user(request, f"{card}: v{version.version}", messages.SUCCESS)
            except ApplicationError as error:
                self.message_user(request, f"{card}: {error.message}", messages.WARNING)


@admin.register(CardVersion)
class CardVersionAdmin(admin.ModelAdmin):
    """Published versions are the record of what workers were told: look, never touch."""

    list_display = ["card", "version", "published_at", "published_by"]
    readonly_fields = ["card", "version", "content", "published_at", "published_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CardAcknowledgement)
class CardAcknowledgementAdmin(CardVersionAdmin):
    list_display = ["version", "person", "acknowledged_at"]
    readonly_fields = ["version", "person", "acknowledged_at"]
