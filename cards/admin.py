import json

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from cards import services
from cards.models import Card, CardAcknowledgement, CardVersion, Drill, KnowledgeQuestion, SpotCheck, SpotCheckAnswer
from cards.serializers import CardContentSerializer
from core.admin import ReadOnlyAdmin
from core.errors import ApplicationError, flatten_errors

LINE_FIELDS = ["duties", "controls", "required_certificates", "ppe", "operating_rules"]
JSON_FIELDS = ["hazards", "emergency_steps", "emergency_contacts"]
FORM_FIELDS = ["duties", "hazards", "controls", "emergency_steps", "emergency_contacts", *LINE_FIELDS[2:]]


class LinesField(forms.CharField):
    """A list of strings edited as a textarea, one entry per line (blank lines are dropped)."""

    widget = forms.Textarea(attrs={"rows": 5, "cols": 80})

    def __init__(self, *, encoder=None, decoder=None, **kwargs):  # the model's JSONField offers these
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(map(str, value)) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class PrettyJSONField(forms.JSONField):
    widget = forms.Textarea(attrs={"rows": 8, "cols": 80})

    def prepare_value(self, value):
        if isinstance(value, str):  # what was typed, shown again with its error
            return value
        return json.dumps(value, ensure_ascii=False, indent=2)


class CardForm(forms.ModelForm):
    """The draft, checked by the same serializer as the API, so the admin cannot store a bad shape."""

    class Meta:
        model = Card
        fields = ["post", *FORM_FIELDS]
        field_classes = {**{f: LinesField for f in LINE_FIELDS}, **{f: PrettyJSONField for f in JSON_FIELDS}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in FORM_FIELDS:
            self.fields[name].required = False
        for name in LINE_FIELDS:
            self.fields[name].help_text = _("每行一条。")
        self.fields["hazards"].help_text = _('JSON 列表:[{"name": …, "risk_level": "red|orange|yellow|blue"}]')
        self.fields["emergency_steps"].help_text = _(
            'JSON 列表,按顺序:[{"key": "close|evade|shout|report|help", "title": "关", "action": …}]'
        )
        self.fields["emergency_contacts"].help_text = _('JSON 列表:[{"name": …, "phone": …}]')

    def clean(self):
        cleaned = super().clean()
        if any(name in self.errors for name in FORM_FIELDS):  # e.g. JSON that does not parse
            return cleaned
        content = {name: cleaned.get(name) or [] for name in FORM_FIELDS}  # an empty box is an empty list
        shape = CardContentSerializer(data=content)
        if shape.is_valid():
            cleaned.update(shape.validated_data)
            return cleaned
        for error in flatten_errors(shape.errors):  # e.g. "hazards[1].risk_level: “purple” 不是合法选项。"
            name = error["field"].split("[")[0].split(".")[0]
            self.add_error(name if name in self.fields else None, f"{error['field']}: {error['message']}")
        return cleaned

    def save(self, commit=True):
        self.instance.enterprise_id = self.instance.post.enterprise_id
        return super().save(commit)


class CardVersionInline(admin.TabularInline):
    model = CardVersion
    fields = ["version", "published_at", "published_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-version"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    form = CardForm
    list_display = ["post", "enterprise", "updated_at"]
    list_filter = ["enterprise"]
    list_select_related = ["post", "enterprise"]
    search_fields = ["post__name", "enterprise__name"]
    raw_id_fields = ["post"]
    inlines = [CardVersionInline]
    actions = ["publish"]

    def get_readonly_fields(self, request, obj=None):
        # A card stays with its post: its published versions were what that post's workers were told.
        return ["post"] if obj is not None else []

    @admin.action(description=_("发布"))
    def publish(self, request, queryset):
        for card in queryset:
            try:
                version = services.card_publish(card=card, by=request.user)
            except ApplicationError as error:
                self.message_user(request, f"{card}: {error.message}", messages.WARNING)
            else:
                self.message_user(request, f"{card}: v{version.version}", messages.SUCCESS)


@admin.register(CardVersion)
class CardVersionAdmin(ReadOnlyAdmin):
    """Published versions are the record of what workers were told."""

    list_display = ["card", "version", "published_at", "published_by"]
    list_select_related = ["card__post", "published_by"]
    readonly_fields = ["card", "version", "content", "published_at", "published_by"]


@admin.register(CardAcknowledgement)
class CardAcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ["version", "person", "acknowledged_at"]
    list_select_related = ["version__card__post", "person"]
    readonly_fields = ["version", "person", "acknowledged_at"]


@admin.register(KnowledgeQuestion)
class KnowledgeQuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "kind", "card", "active"]
    list_filter = ["kind", "active", "card__enterprise"]
    list_select_related = ["card__post"]
    search_fields = ["text", "card__post__name"]
    raw_id_fields = ["card"]


class SpotCheckAnswerInline(admin.TabularInline):
    model = SpotCheckAnswer
    fields = ["question", "answer", "correct"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SpotCheck)
class SpotCheckAdmin(ReadOnlyAdmin):
    """A score is a record of the awareness rate: written only by the services."""

    list_display = ["person", "enterprise", "started_at", "finished_at", "question_count", "correct_count"]
    list_filter = ["enterprise"]
    list_select_related = ["person", "enterprise"]
    readonly_fields = [
        "enterprise",
        "person",
        "started_by",
        "started_at",
        "finished_at",
        "question_count",
        "correct_count",
    ]
    inlines = [SpotCheckAnswerInline]


@admin.register(Drill)
class DrillAdmin(admin.ModelAdmin):
    list_display = ["title", "enterprise", "post", "planned_on", "done_on", "participants"]
    list_filter = ["enterprise"]
    list_select_related = ["enterprise", "post"]
    search_fields = ["title"]
    raw_id_fields = ["post"]
    date_hierarchy = "planned_on"
