"""Shapes of the organisation API. Domain rules (who may write, cross-enterprise references) live in
orgs.services; here only the shape, and references resolved within what the caller may read."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orgs.models import (
    Certificate,
    CertificateKind,
    Department,
    Enterprise,
    Industry,
    Membership,
    Person,
    Post,
    Region,
    RegulatorScope,
    Role,
)
from orgs.selectors import scope_to
from orgs.validators import (
    FENCE_RADIUS_MAX_M,
    FENCE_RADIUS_MIN_M,
    USERNAME_MAX_LENGTH,
    validate_credit_code,
    validate_username,
)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference resolved only among objects the caller may read: another tenant's id is reported
    exactly like an id that does not exist, so the answer reveals nothing."""

    def __init__(self, *, via: str = "enterprise", **kwargs):
        self.via = via
        super().__init__(**kwargs)

    def get_queryset(self):
        return scope_to(self.context["request"].user, super().get_queryset(), via=self.via)


class PersonRefField(serializers.PrimaryKeyRelatedField):
    """A person who is a member of an enterprise the caller may read (anyone else: as if unknown).
    Filtered through the memberships without a join on them, so a person in two visible enterprises
    is still one row."""

    default_error_messages = {"does_not_exist": _("人员不存在。"), "incorrect_type": _("人员不存在。")}

    def __init__(self, **kwargs):
        super().__init__(queryset=Person.objects.all(), **kwargs)

    def get_queryset(self):
        members = scope_to(self.context["request"].user, Membership.objects.all()).values("person_id")
        return Person.objects.filter(pk__in=members)


class EnterpriseRefField(ScopedPrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": _("企业不存在。"),
        "incorrect_type": _("企业不存在。"),
    }

    def __init__(self, **kwargs):
        super().__init__(via="", queryset=Enterprise.objects.all(), **kwargs)


class UpperCaseCharField(serializers.CharField):
    """Credit codes are printed in capitals; accept them typed in lower case or with spaces around."""

    def to_internal_value(self, data):
        return super().to_internal_value(data).upper()


class PersonIdListField(serializers.ListField):
    """Ids of people: written as a list of ints, read from a many-to-many manager."""

    child = serializers.IntegerField(min_value=1)

    def to_representation(self, data):
        return [person.pk for person in data.all()]


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "parent"]


class IndustrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Industry
        fields = ["id", "code", "name", "high_risk", "parent"]


class EnterpriseSerializer(serializers.ModelSerializer):
    # Declared so that uniqueness is the service's rule (a message naming the field), not DRF's.
    credit_code = UpperCaseCharField(
        max_length=18,
        validators=[validate_credit_code],
        help_text="统一社会信用代码 (GB 32100), 18 characters ending in the check character.",
    )
    region_name = serializers.CharField(source="region.name", read_only=True)
    industry_name = serializers.CharField(source="industry.name", read_only=True)
    is_high_risk = serializers.BooleanField(read_only=True, help_text="The industry is high-risk (高危行业).")

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "credit_code",
            "region",
            "region_name",
            "industry",
            "industry_name",
            "is_high_risk",
            "address",
            "timezone",
            "actual_controller_name",
            "actual_controller_phone",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {
            "timezone": {
                "help_text": "IANA time zone; it decides every period (day, week, month) of the figures. Changed "
                "by system administrators only (403 naming `timezone` otherwise); each change is recorded."
            }
        }


class DepartmentSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseRefField()

    class Meta:
        model = Department
        fields = ["id", "enterprise", "name"]
        validators = []  # the unique name per enterprise is a service rule with a message naming `name`


class PostFenceSerializer(serializers.Serializer):
    """A post's electronic fence: a circle around a WGS-84 centre."""

    latitude = serializers.FloatField(
        min_value=-90,
        max_value=90,
        help_text="WGS-84 degrees, as a phone's browser reports them (stored to 6 decimals). Not the GCJ-02 "
        "coordinates that Chinese map apps show: those are off by hundreds of metres",
    )
    longitude = serializers.FloatField(min_value=-180, max_value=180, help_text="WGS-84 degrees")
    radius_m = serializers.IntegerField(
        min_value=FENCE_RADIUS_MIN_M,
        max_value=FENCE_RADIUS_MAX_M,
        help_text="A record is flagged outside the fence when its distance from the centre minus the phone's "
        "accuracy exceeds this",
    )


def post_fence(post: Post) -> dict | None:
    if not post.has_fence:
        return None
    return PostFenceSerializer(
        {"latitude": post.fence_latitude, "longitude": post.fence_longitude, "radius_m": post.fence_radius_m}
    ).data


class PostSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseRefField()
    department = ScopedPrimaryKeyRelatedField(
        queryset=Department.objects.all(),
        allow_null=True,
        required=False,
        error_messages={"does_not_exist": _("部门不存在。"), "incorrect_type": _("部门不存在。")},
    )
    department_name = serializers.CharField(source="department.name", read_only=True, allow_null=True)
    holders = PersonIdListField(
        required=False, help_text="Ids of the people on this post; each must be a member of the enterprise."
    )
    required_certificate_kinds = serializers.PrimaryKeyRelatedField(
        queryset=CertificateKind.objects.all(),
        many=True,
        required=False,
        help_text="Ids of the certificate kinds (/certificate-kinds/) a holder must have (持证上岗).",
    )
    fence = serializers.SerializerMethodField(
        help_text="The electronic fence, or null. Read-only here: safety managers set it with PUT /posts/{id}/fence/"
    )

    class Meta:
        model = Post
        fields = [
            "id",
            "enterprise",
            "department",
            "department_name",
            "name",
            "risk_level",
            "location",
            "holders",
            "required_certificate_kinds",
            "fence",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        validators = []  # unique name per enterprise and department: a service rule naming `name`

    @extend_schema_field(PostFenceSerializer(allow_null=True))
    def get_fence(self, post: Post) -> dict | None:
        return post_fence(post)


class MemberPersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "username", "name", "phone"]
        read_only_fields = fields
        extra_kwargs = {
            "phone": {
                "help_text": "Empty unless the caller is this person, a safety manager of the enterprise, "
                "its regulator or platform staff (orgs.selectors.members_of)."
            }
        }


class MemberSerializer(serializers.ModelSerializer):
    """A membership read through `members_of`, whose `phone_visible` says whether the number is shown."""

    person = MemberPersonSerializer(read_only=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not instance.phone_visible:
            data["person"]["phone"] = ""
        return data

    class Meta:
        model = Membership
        fields = ["id", "person", "enterprise", "role", "created_at"]
        read_only_fields = fields


class MemberCreateSerializer(serializers.Serializer):
    enterprise = EnterpriseRefField()
    role = serializers.ChoiceField(choices=Role.choices)
    username = serializers.CharField(
        max_length=USERNAME_MAX_LENGTH,
        validators=[validate_username],
        help_text="The login of a new person created with the fields below (ASCII letters, digits and @.+-_; "
        "unique ignoring case), or alone: an existing login of someone who belongs to no other enterprise, "
        "holds no regulator scope and is not platform staff. Any other existing login is answered like an "
        "unknown one.",
    )
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, help_text="New person only.")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, help_text="New person only.")
    password = serializers.CharField(
        required=False, write_only=True, style={"input_type": "password"}, help_text="New person only; required then."
    )


class MemberUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["role"]


class MeEnterpriseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enterprise
        fields = ["id", "name"]


class MeMembershipSerializer(serializers.ModelSerializer):
    enterprise = MeEnterpriseSerializer()

    class Meta:
        model = Membership
        fields = ["enterprise", "role"]


class MeRegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]


class MeIndustrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Industry
        fields = ["id", "code", "name"]


class MeRegulatorScopeSerializer(serializers.ModelSerializer):
    region = MeRegionSerializer()
    industry = MeIndustrySerializer(allow_null=True, help_text="null: every industry of the region.")

    class Meta:
        model = RegulatorScope
        fields = ["region", "industry"]


class MePostSerializer(serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "name", "enterprise"]


class MeSerializer(serializers.ModelSerializer):
    memberships = MeMembershipSerializer(many=True)
    regulator_scopes = MeRegulatorScopeSerializer(many=True)
    posts_held = MePostSerializer(many=True)

    class Meta:
        model = Person
        fields = ["id", "username", "name", "phone", "is_superuser", "memberships", "regulator_scopes", "posts_held"]


class CertificateKindSerializer(serializers.ModelSerializer):
    class Meta:
        model = CertificateKind
        fields = ["id", "code", "name"]


class CertificateSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseRefField()
    person = PersonRefField()
    person_name = serializers.CharField(source="person.__str__", read_only=True)
    kind_name = serializers.CharField(source="kind.name", read_only=True)
    valid = serializers.SerializerMethodField(help_text="Valid today: issued_on <= today <= expires_on")

    class Meta:
        model = Certificate
        fields = [
            "id",
            "enterprise",
            "person",
            "person_name",
            "kind",
            "kind_name",
            "number",
            "issued_on",
            "expires_on",
            "valid",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        validators = []  # the unique number is a service rule with a message naming `number`

    def get_valid(self, certificate) -> bool:
        return certificate.is_valid_on(timezone.localdate())
