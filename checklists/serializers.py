import json

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from checklists.flags import FLAG_CODES, labelled
from checklists.models import (
    ChecklistItem,
    ChecklistTemplate,
    FlagReview,
    Inspection,
    InspectionResult,
    ItemKind,
    Photo,
)
from core.serializers import ErrorItemSerializer, ErrorSerializer
from orgs.models import Person, Post
from orgs.serializers import EnterpriseRefField, ScopedPrimaryKeyRelatedField
from risks.models import Control


class ChecklistItemSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, help_text="Give the id to update an item; leave it out to add one.")
    control = ScopedPrimaryKeyRelatedField(
        queryset=Control.objects.all(),
        required=False,
        allow_null=True,
        help_text="The control measure (管控措施) of the risk register this item verifies.",
        error_messages={
            "does_not_exist": gettext_lazy("管控措施不存在。"),
            "incorrect_type": gettext_lazy("管控措施不存在。"),
        },
    )

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
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
            "control",
        ]
        read_only_fields = ["order"]
        extra_kwargs = {
            "min_value": {"help_text": "Lowest value that can be entered at all (lower is refused: 400)"},
            "max_value": {"help_text": "Highest value that can be entered at all (higher is refused: 400)"},
            "normal_min": {"help_text": "Below this the reading is a failed item and opens a hazard"},
            "normal_max": {"help_text": "Above this the reading is a failed item and opens a hazard"},
        }

    def validate(self, attrs):
        bounds = [attrs.get(f) for f in ("min_value", "normal_min", "normal_max", "max_value")]
        if attrs.get("kind", ItemKind.CHECK) != ItemKind.NUMBER and any(b is not None for b in bounds):
            raise serializers.ValidationError({"kind": _("只有数值项可以设置上下限。")})
        low, normal_low, normal_high, high = bounds
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"min_value": _("下限不能大于上限。")})
        given = [b for b in bounds if b is not None]
        if given != sorted(given):  # min <= normal_min <= normal_max <= max
            raise serializers.ValidationError({"normal_min": _("正常范围须在下限与上限之间。")})
        return attrs


class ChecklistTemplateSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseRefField()
    posts = ScopedPrimaryKeyRelatedField(many=True, queryset=Post.objects.all(), required=False)
    items = ChecklistItemSerializer(many=True)

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "enterprise", "name", "tier", "posts", "active", "min_seconds_per_item", "items", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {
            "min_seconds_per_item": {
                "help_text": "A record answered faster than this per item is flagged too_fast (default 2)"
            }
        }

    def validate_items(self, items):
        if not items:
            raise serializers.ValidationError(_("检查表至少需要一个检查项。"))
        return items


class DueChecklistTemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DueChecklistSerializer(serializers.Serializer):
    """One template due for a post in the period that contains the asked instant."""

    template = DueChecklistTemplateSerializer()
    tier = serializers.CharField()
    period = serializers.CharField(source="period.key", help_text="e.g. 2024-07-03, 2024-W27, 2024-07, 2024-Q3")
    period_start = serializers.DateTimeField(source="period.start")
    period_end = serializers.DateTimeField(source="period.end", help_text="exclusive")
    status = serializers.ChoiceField(
        choices=["due", "done", "late", "missed"],
        help_text="due: open, nothing recorded; done: recorded in time; late: recorded after the period "
        "closed; missed: closed with nothing recorded",
    )
    inspection = serializers.IntegerField(source="inspection_id", allow_null=True)


class DueQuerySerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, help_text="ISO 8601 instant; default now")


class PhotoUploadSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField()
    image = serializers.FileField(help_text="JPEG, PNG, WebP or HEIC")


class PhotoSerializer(serializers.ModelSerializer):
    display = serializers.SerializerMethodField(
        help_text="The copy to show people: watermarked with the upload time, the post and the person "
        "(GET photos/{id}/display.jpg); image is the stored copy, unmarked"
    )
    image = serializers.SerializerMethodField(
        help_text="The stored copy, unmarked (GET photos/{id}/original: the file, or a redirect to a signed URL)"
    )
    thumbnail = serializers.SerializerMethodField(help_text="The small copy, watermarked (GET photos/{id}/thumb.jpg)")

    class Meta:
        model = Photo
        fields = [
            "id",
            "client_uuid",
            "image",
            "thumbnail",
            "display",
            "sha256",
            "width",
            "height",
            "taken_at",
            "created_at",
        ]

    def _url(self, name: str, photo) -> str:
        path = reverse(name, args=[photo.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(serializers.URLField())
    def get_display(self, photo) -> str:
        return self._url("photo-display", photo)

    @extend_schema_field(serializers.URLField())
    def get_image(self, photo) -> str:
        return self._url("photo-original", photo)

    @extend_schema_field(serializers.URLField())
    def get_thumbnail(self, photo) -> str:
        return self._url("photo-thumb", photo)


class InspectionResultInputSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    value = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text='check: "ok" | "not_ok" | "na"; number: a number within the item\'s min/max; text: a string; '
        "photo: leave out and list the photos",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    photos = serializers.ListField(child=serializers.IntegerField(), required=False, default=list, max_length=20)

    def validate_value(self, value):
        # JSON may carry a lone surrogate ("\\ud800"): it parses, but cannot be hashed or stored as
        # UTF-8 (it was a 500). Refuse it with the shape checks, before the idempotency lookup.
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise serializers.ValidationError(_("含有不允许的字符。")) from None
        return value


class CaptureTimeField(serializers.DateTimeField):
    """An instant of the phone's clock. A date without a zone is read in the server's zone, where year 1
    begins before UTC's year 1: DRF's check of that instant overflowed (a 500); it is a 400 too."""

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")


class InspectionPositionSerializer(serializers.Serializer):
    """Where the phone was, from the browser's geolocation API (WGS-84)."""

    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    accuracy = serializers.FloatField(
        min_value=0, max_value=1_000_000, help_text="Metres (95 % confidence radius, as the browser reports it)"
    )


class FlagReviewPersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True, help_text="The name, or the login when unnamed")

    class Meta:
        model = Person
        fields = ["id", "name"]


class InspectionSubmitSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField(help_text="Made by the phone once per inspection; a retry sends it again.")
    template = serializers.IntegerField()
    post = serializers.IntegerField()
    scan_token = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=32, help_text="From the QR code scanned"
    )
    started_at = CaptureTimeField(
        help_text="When the check began, by the phone's clock: at most INSPECTION_CLOCK_SKEW_SECONDS ahead of the "
        "server, and in a period that closed at most INSPECTION_MAX_BACKDATE_DAYS ago (a late record, flagged late)"
    )
    corrects = serializers.IntegerField(
        required=False, allow_null=True, help_text="Id of the earlier record of the same post this one corrects"
    )
    results = InspectionResultInputSerializer(many=True, allow_empty=False, max_length=500)
    scan_event = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Id of the scan event the phone got from POST /scan/{token}/ when the page was opened. The record "
        "is on site only when it is a scan of the same person at this post at most SCAN_EVENT_WINDOW_MINUTES before "
        "started_at; otherwise it is stored off site and flagged no_scan_event",
    )
    finished_at = CaptureTimeField(
        required=False,
        allow_null=True,
        help_text="When the form was sent, by the phone's clock (default: the server's receipt): a record completed "
        "in less than the template's min_seconds_per_item per item is flagged too_fast",
    )
    position = InspectionPositionSerializer(
        required=False,
        allow_null=True,
        help_text="The phone's position when the check was submitted. Kept only when the post has an electronic "
        "fence (otherwise dropped, not stored); a record of a fenced post without it, or outside the fence "
        "(distance - accuracy > radius), is stored and flagged",
    )


class InspectionFlagSerializer(serializers.Serializer):
    """Why a record is suspicious (README, "Records that cannot be faked"). Stored, never refused."""

    code = serializers.ChoiceField(choices=FLAG_CODES)
    label = serializers.CharField(help_text="The code's label in the language asked for")
    detail = serializers.DictField(help_text="What was seen: seconds taken, the photos, the scan, the distance...")


class FlagReviewSerializer(serializers.ModelSerializer):
    """A safety manager's look at a flagged record: an event beside the record, which never changes."""

    by = FlagReviewPersonSerializer(read_only=True)

    class Meta:
        model = FlagReview
        fields = ["id", "by", "note", "created_at"]
        read_only_fields = fields


class FlagReviewInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, help_text="What the manager found (e.g. 已电话确认,在现场)")


class InspectionSummarySerializer(serializers.Serializer):
    ok = serializers.IntegerField(source="ok_count")
    failed = serializers.IntegerField(source="failed_count")
    na = serializers.IntegerField(source="na_count")


class InspectionSerializer(serializers.ModelSerializer):
    summary = InspectionSummarySerializer(source="*")
    hazards = serializers.SerializerMethodField(help_text="Hazards opened from the failed items")
    on_site = serializers.BooleanField(
        help_text="true only when the record cites a scan of the same person at the post shortly before"
    )
    flags = serializers.SerializerMethodField(help_text="What makes the record suspicious; empty when nothing does")

    class Meta:
        model = Inspection
        fields = ["id", "client_uuid", "period", "tier", "late", "on_site", "flags", "summary", "hazards", "hash"]

    @extend_schema_field(InspectionFlagSerializer(many=True))
    def get_flags(self, inspection) -> list[dict]:
        return labelled(inspection.flags)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_hazards(self, inspection) -> list[int]:
        # `hazards` is the reverse side of hazards.Hazard.inspection (hazards sits above checklists).
        # Hazards open from failed items only: an all-ok check (most of them) has none, and the
        # morning peak saves a query per submission.
        if not inspection.failed_count:
            return []
        return sorted(h.id for h in inspection.hazards.all())


class InspectionResultSerializer(serializers.ModelSerializer):
    photos = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    value = serializers.JSONField(allow_null=True)

    class Meta:
        model = InspectionResult
        fields = ["item", "item_label", "kind", "value", "outcome", "note", "photos"]


class InspectionStoredPositionSerializer(serializers.Serializer):
    latitude = serializers.FloatField(source="position_latitude")
    longitude = serializers.FloatField(source="position_longitude")
    accuracy_m = serializers.FloatField(source="position_accuracy_m")


class InspectionDetailSerializer(InspectionSerializer):
    results = InspectionResultSerializer(many=True, read_only=True)
    scan_event = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The scan the record cites (its own: same person and post)"
    )
    reviews = FlagReviewSerializer(many=True, read_only=True, help_text="Safety managers' looks at the flags")
    position = serializers.SerializerMethodField(
        help_text="The phone's position (WGS-84), kept only for a post with an electronic fence; null otherwise"
    )

    @extend_schema_field(InspectionStoredPositionSerializer(allow_null=True))
    def get_position(self, inspection) -> dict | None:
        if inspection.position_latitude is None:
            return None
        return InspectionStoredPositionSerializer(inspection).data

    class Meta(InspectionSerializer.Meta):
        fields = InspectionSerializer.Meta.fields + [
            "enterprise",
            "post",
            "template",
            "started_at",
            "received_at",
            "submitted_by",
            "corrects",
            "sequence",
            "prev_hash",
            "position",
            "scan_event",
            "finished_at",
            "reviews",
            "results",
        ]


# ---------------------------------------------------------------------------------------------
# Onboarding workbook


class OnboardingUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The workbook (.xlsx) in the format of /onboarding/template.xlsx")
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="true: check everything and report, write nothing"
    )


class OnboardingCountsSerializer(serializers.Serializer):
    departments = serializers.IntegerField(default=0)
    posts = serializers.IntegerField(default=0)
    people = serializers.IntegerField(default=0)
    memberships = serializers.IntegerField(default=0)
    cards = serializers.IntegerField(default=0)
    templates = serializers.IntegerField(default=0)
    risk_points = serializers.IntegerField(default=0)
    assessments = serializers.IntegerField(default=0)
    controls = serializers.IntegerField(default=0)


class OnboardingReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(help_text="true: nothing was written")
    created = OnboardingCountsSerializer()
    updated = OnboardingCountsSerializer()


class OnboardingErrorItemSerializer(ErrorItemSerializer):
    # A problem of a cell has sheet, row and column; a problem of the file itself (not a zip, a bomb, a
    # DTD) names the zip member instead.
    sheet = serializers.CharField(required=False, help_text="Worksheet name, e.g. 人员")
    row = serializers.IntegerField(
        required=False, allow_null=True, help_text="Row number as Excel shows it (1 is the header)"
    )
    column = serializers.CharField(required=False, allow_null=True, help_text="Column header, e.g. 岗位")
    member = serializers.CharField(
        required=False, help_text="The part of the .xlsx file (a zip member) a file-level problem is in"
    )


class OnboardingErrorSerializer(ErrorSerializer):
    """The error body of a rejected workbook: every problem, each with its sheet, row and column."""

    errors = OnboardingErrorItemSerializer(many=True)
