"""Shapes of the hazard register and the inbox. Who may do what, and which move is legal, is decided in
hazards.services; here only the shape, and references resolved within what the caller may read."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from checklists.models import HazardGrade, Photo
from hazards.models import (
    Hazard,
    HazardEvent,
    JudgmentClause,
    JudgmentStandard,
    Notification,
    PublicReport,
    RectificationMode,
    RectificationPlan,
    Supervision,
)
from orgs.models import Person, Post, Role
from orgs.selectors import roles_of
from orgs.serializers import EnterpriseRefField, ScopedPrimaryKeyRelatedField

NOTE_MAX = 2000
PHOTOS_MAX = 20


def _photo_ids(**kwargs) -> serializers.ListField:
    return serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=PHOTOS_MAX, **kwargs)


# ---------------------------------------------------------------------------------------------
# Output


class HazardPersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True, help_text="The name, or the login when unnamed")

    class Meta:
        model = Person
        fields = ["id", "name"]


class HazardPhotoSerializer(serializers.ModelSerializer):
    """A photo of a hazard (its finding, rectification or rejection), with links that whoever reads the
    hazard may open (GET hazard-photos/{id}/...): the archive's photo links serve the photos of the
    records a person reads, and a hazard's photos need not belong to one."""

    image = serializers.SerializerMethodField(
        help_text="The stored copy, unmarked (GET hazard-photos/{id}/original: the file, or a redirect to a signed URL)"
    )
    thumbnail = serializers.SerializerMethodField(
        help_text="The small copy, watermarked (GET hazard-photos/{id}/thumb.jpg)"
    )
    display = serializers.SerializerMethodField(
        help_text="The copy to show people, watermarked (GET hazard-photos/{id}/display.jpg)"
    )

    class Meta:
        model = Photo
        fields = ["id", "image", "thumbnail", "display", "sha256", "taken_at"]

    def _url(self, name: str, photo) -> str:
        path = reverse(name, args=[photo.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(serializers.URLField())
    def get_image(self, photo) -> str:
        return self._url("hazard-photo-original", photo)

    @extend_schema_field(serializers.URLField())
    def get_thumbnail(self, photo) -> str:
        return self._url("hazard-photo-thumb", photo)

    @extend_schema_field(serializers.URLField())
    def get_display(self, photo) -> str:
        return self._url("hazard-photo-display", photo)


class HazardEventSerializer(serializers.ModelSerializer):
    actor = HazardPersonSerializer(allow_null=True, help_text="null for moves made by the system (escalation)")
    photos = HazardPhotoSerializer(many=True)

    class Meta:
        model = HazardEvent
        fields = ["action", "from_status", "to_status", "actor", "at", "note", "photos"]


class HazardSerializer(serializers.ModelSerializer):
    """A row of the register."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    post_name = serializers.CharField(source="post.name", read_only=True, allow_null=True)
    found_by = HazardPersonSerializer()
    responsible = HazardPersonSerializer(allow_null=True)
    overdue = serializers.SerializerMethodField(help_text="Not closed and past its deadline")

    class Meta:
        model = Hazard
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "post",
            "post_name",
            "location",
            "grade",
            "description",
            "source",
            "status",
            "found_by",
            "found_at",
            "responsible",
            "deadline",
            "overdue",
            "escalation_level",
            "closed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, hazard) -> bool:
        # The selectors annotate it in the database (to sort by it); a fresh instance derives it.
        overdue = getattr(hazard, "overdue", None)
        return hazard.is_overdue if overdue is None else overdue


class JudgmentStandardSerializer(serializers.ModelSerializer):
    class Meta:
        model = JudgmentStandard
        fields = [
            "id",
            "code",
            "version",
            "title",
            "issuing_order",
            "sector",
            "industry_codes",
            "effective_from",
            "effective_to",
            "source",
        ]
        read_only_fields = fields


class JudgmentClauseSerializer(serializers.ModelSerializer):
    standard = serializers.IntegerField(source="standard_id", read_only=True)
    standard_title = serializers.CharField(source="standard.title", read_only=True)
    issuing_order = serializers.CharField(source="standard.issuing_order", read_only=True)
    citation = serializers.CharField(read_only=True, help_text="Issuing order and clause number")

    class Meta:
        model = JudgmentClause
        fields = ["id", "standard", "standard_title", "issuing_order", "number", "citation", "text", "industry_codes"]
        read_only_fields = fields


class RectificationPlanSerializer(serializers.ModelSerializer):
    responsible = HazardPersonSerializer(allow_null=True)
    written_by = HazardPersonSerializer()
    approved_by = HazardPersonSerializer(allow_null=True)
    approved = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField(help_text="Parts still missing (the principal cannot approve)")

    class Meta:
        model = RectificationPlan
        fields = [
            "version",
            "measures",
            "responsible",
            "funds_amount",
            "funds_source",
            "deadline",
            "interim_measures",
            "emergency_plan",
            "written_by",
            "written_at",
            "approved",
            "approved_by",
            "approved_at",
            "missing",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_approved(self, plan) -> bool:
        return plan.approved_at is not None

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_missing(self, plan) -> list[str]:
        return plan.missing_parts()


class SupervisionSerializer(serializers.ModelSerializer):
    regulator = HazardPersonSerializer()
    verified_by = HazardPersonSerializer(allow_null=True)

    class Meta:
        model = Supervision
        fields = ["regulator", "deadline", "note", "created_at", "verified_by", "verified_at"]
        read_only_fields = fields


class HazardDetailSerializer(HazardSerializer):
    """One hazard with its rectification plan, its photos and every move it made."""

    photos = HazardPhotoSerializer(many=True, read_only=True, help_text="Photos taken when it was found")
    events = HazardEventSerializer(many=True, read_only=True, help_text="Oldest first")
    basis_clause = JudgmentClauseSerializer(
        read_only=True, allow_null=True, help_text="The clause cited; null for old rows with a free-text basis"
    )
    plan = serializers.SerializerMethodField(help_text="The current version of a major hazard's plan (五落实)")
    plan_versions = serializers.SerializerMethodField(help_text="How many versions the plan has had")
    supervision = serializers.SerializerMethodField(help_text="挂牌督办, null when not supervised")

    class Meta(HazardSerializer.Meta):
        fields = HazardSerializer.Meta.fields + [
            "inspection",
            "inspection_result",
            "measures",
            "rectification_mode",
            "basis",
            "basis_clause",
            "plan",
            "plan_versions",
            "supervision",
            "photos",
            "events",
        ]
        read_only_fields = fields

    @extend_schema_field(RectificationPlanSerializer(allow_null=True))
    def get_plan(self, hazard):
        plans = list(hazard.plans.all())  # prefetched newest first
        return RectificationPlanSerializer(plans[0]).data if plans else None

    @extend_schema_field(OpenApiTypes.INT)
    def get_plan_versions(self, hazard) -> int:
        return len(hazard.plans.all())

    @extend_schema_field(SupervisionSerializer(allow_null=True))
    def get_supervision(self, hazard):
        supervision = getattr(hazard, "supervision", None)
        return SupervisionSerializer(supervision).data if supervision else None


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "enterprise", "hazard", "created_at", "read", "read_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_read(self, notification) -> bool:
        return notification.read_at is not None


class NotificationReadAllSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many unread notifications were marked read")


# ---------------------------------------------------------------------------------------------
# Input


class HazardReportSerializer(serializers.Serializer):
    enterprise = EnterpriseRefField()
    post = ScopedPrimaryKeyRelatedField(
        queryset=Post.objects.all(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": _("岗位不存在。"), "incorrect_type": _("岗位不存在。")},
    )
    location = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="Default: the post's location"
    )
    grade = serializers.ChoiceField(choices=HazardGrade.choices)
    description = serializers.CharField(max_length=NOTE_MAX)
    basis = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text="判定依据 as free text (kept for old clients); a major hazard must cite `basis_clause`",
    )
    basis_clause = serializers.PrimaryKeyRelatedField(
        queryset=JudgmentClause.objects.select_related("standard"),
        required=False,
        allow_null=True,
        help_text="Id of the clause of a judgment standard (GET /api/v1/judgment-clauses/); required for major",
        error_messages={"does_not_exist": _("判定条款不存在。"), "incorrect_type": _("判定条款不存在。")},
    )
    photos = _photo_ids(required=False, default=list, help_text="Ids of photos the caller uploaded")


class HazardResponsibleField(serializers.PrimaryKeyRelatedField):
    """A member of the hazard's enterprise; anyone else is answered exactly like an id that does not exist."""

    default_error_messages = {
        "does_not_exist": _("整改责任人须为本企业人员。"),
        "incorrect_type": _("整改责任人须为本企业人员。"),
    }

    def get_queryset(self):
        enterprise_id = self.context["hazard"].enterprise_id
        return super().get_queryset().filter(memberships__enterprise_id=enterprise_id)


class HazardAssignSerializer(serializers.Serializer):
    responsible = HazardResponsibleField(queryset=Person.objects.all(), help_text="Id of a member of the enterprise")
    deadline = serializers.DateTimeField(help_text="ISO 8601 instant, in the future")
    measures = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")
    rectification_mode = serializers.ChoiceField(
        choices=RectificationMode.choices, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class HazardSubmitSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX, help_text="What was done")
    photos = _photo_ids(allow_empty=False, help_text="Ids of the caller's photos of the rectified site")


class HazardAcceptSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class HazardRejectSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX, help_text="Why the rectification is not accepted")
    photos = _photo_ids(required=False, default=list, help_text="Ids of the caller's photos of what is still wrong")


class HazardClassifySerializer(serializers.Serializer):
    """The grade and the clause it meets; a major hazard must cite a clause (checked by the service)."""

    grade = serializers.ChoiceField(choices=HazardGrade.choices)
    basis_clause = serializers.PrimaryKeyRelatedField(
        queryset=JudgmentClause.objects.select_related("standard"),
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of a clause offered to the enterprise (GET /api/v1/judgment-clauses/?enterprise=); "
        "required for major, in force on the day the hazard was found",
        error_messages={"does_not_exist": _("判定条款不存在。"), "incorrect_type": _("判定条款不存在。")},
    )
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class HazardPlanWriteSerializer(serializers.Serializer):
    """A new version of the plan; parts left out are taken from the current version."""

    measures = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True)
    responsible = HazardResponsibleField(queryset=Person.objects.all(), required=False, allow_null=True)
    funds_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    funds_source = serializers.CharField(max_length=200, required=False, allow_blank=True)
    deadline = serializers.DateField(required=False, allow_null=True)
    interim_measures = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True)
    emergency_plan = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True)


class HazardSuperviseSerializer(serializers.Serializer):
    deadline = serializers.DateField(help_text="督办期限, after today")
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class HazardProgressSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX, help_text="What has been done")
    photos = _photo_ids(required=False, default=list, help_text="Ids of photos the caller uploaded")


class HazardVerifySerializer(serializers.Serializer):
    passed = serializers.BooleanField(default=True, help_text="false sends it back to rectification")
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class MajorHazardStatsRowSerializer(serializers.Serializer):
    clause = serializers.IntegerField(allow_null=True)
    citation = serializers.CharField()
    region = serializers.CharField()
    region_name = serializers.CharField()
    industry = serializers.CharField()
    industry_name = serializers.CharField()
    count = serializers.IntegerField()
    open = serializers.IntegerField()


class JudgmentClauseQuerySerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(
        required=False, min_value=1, help_text="Only the clauses that apply to this enterprise's industry"
    )
    on = serializers.DateField(required=False, help_text="Clauses in force on this day (default today)")


class MajorHazardStatsQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(help_text="First day found (inclusive)")
    date_to = serializers.DateField(help_text="Last day found (inclusive)")
    region = serializers.IntegerField(required=False, min_value=1, help_text="Region id, with its child regions")
    industry = serializers.IntegerField(required=False, min_value=1, help_text="Industry id, with sub-industries")


class LedgerUploadSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(min_value=1, help_text="The enterprise whose ledger this is")
    file = serializers.FileField(help_text="The workbook (.xlsx): sheet 隐患台账 with the export's columns")


class LedgerImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="How many hazards were imported")
    hazards = serializers.ListField(child=serializers.IntegerField(), help_text="Their ids, in the rows' order")


class LedgerQuerySerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(required=False, min_value=1, help_text="One enterprise's ledger")
    region = serializers.IntegerField(
        required=False, min_value=1, help_text="Or a region's (with its child regions), for regulators"
    )
    date_from = serializers.DateField(help_text="First day found (inclusive)")
    date_to = serializers.DateField(help_text="Last day found (inclusive)")


class PublicReportSerializer(serializers.ModelSerializer):
    post_name = serializers.CharField(source="post.name", read_only=True)
    photo = serializers.SerializerMethodField(
        help_text="The photo, watermarked (GET hazard-reports/{id}/display.jpg); null without one"
    )
    photo_thumbnail = serializers.SerializerMethodField(
        help_text="Its small copy, watermarked (GET hazard-reports/{id}/thumb.jpg); null without one"
    )
    phone = serializers.SerializerMethodField(help_text="The reporter's number: shown to the principal only")
    handled_by = HazardPersonSerializer(allow_null=True, read_only=True)

    class Meta:
        model = PublicReport
        fields = [
            "id",
            "enterprise",
            "post",
            "post_name",
            "description",
            "photo",
            "photo_thumbnail",
            "phone",
            "created_at",
            "status",
            "hazard",
            "handled_by",
            "handled_at",
            "reason",
        ]
        read_only_fields = fields

    def _photo_url(self, name: str, report) -> str | None:
        if not report.photo:
            return None
        path = reverse(name, args=[report.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_photo(self, report) -> str | None:
        return self._photo_url("hazard-report-display", report)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_photo_thumbnail(self, report) -> str | None:
        return self._photo_url("hazard-report-thumb", report)

    @extend_schema_field(OpenApiTypes.STR)
    def get_phone(self, report) -> str | None:
        # Seed item 62: the reward goes through the principal; nobody else learns who reported.
        person = self.context["request"].user
        if person.is_superuser or roles_of(person).get(report.enterprise_id) == Role.PRINCIPAL:
            return report.phone
        return None


class PublicReportConvertSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=HazardGrade.choices)
    basis_clause = serializers.PrimaryKeyRelatedField(
        queryset=JudgmentClause.objects.select_related("standard"),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": _("判定条款不存在。"), "incorrect_type": _("判定条款不存在。")},
    )
    description = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PublicReportDismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=NOTE_MAX, help_text="Why it is not a hazard")
