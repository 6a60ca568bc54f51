"""Shapes of the hazard register and the inbox. Who may do what, and which move is legal, is decided in
hazards.services; here only the shape, and references resolved within what the caller may read."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from checklists.models import HazardGrade, Photo
from hazards.models import Hazard, HazardEvent, Notification, RectificationMode
from orgs.models import Person, Post
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
    class Meta:
        model = Photo
        fields = ["id", "image", "thumbnail", "sha256", "taken_at"]


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


class HazardDetailSerializer(HazardSerializer):
    """One hazard with its rectification plan, its photos and every move it made."""

    photos = HazardPhotoSerializer(many=True, read_only=True, help_text="Photos taken when it was found")
    events = HazardEventSerializer(many=True, read_only=True, help_text="Oldest first")

    class Meta(HazardSerializer.Meta):
        fields = HazardSerializer.Meta.fields + [
            "inspection",
            "inspection_result",
            "measures",
            "rectification_mode",
            "basis",
            "photos",
            "events",
        ]
        read_only_fields = fields


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
        help_text="判定依据: the clause of the judgment standard a major hazard meets; required for major",
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
