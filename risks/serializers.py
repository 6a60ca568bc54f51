from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from orgs.models import Department, Post
from orgs.serializers import EnterpriseRefField, ScopedPrimaryKeyRelatedField
from risks.models import (
    Assessment,
    CheckTier,
    Control,
    ControlLevel,
    ControlType,
    HazardSource,
    Method,
    RiskBands,
    RiskGrade,
    RiskPoint,
    RiskPointKind,
)
from risks.selectors import RISK_FIGURE_FIELDS


def _ref(model, message, **kwargs):
    return ScopedPrimaryKeyRelatedField(
        queryset=model.objects.all(),
        error_messages={"does_not_exist": message, "incorrect_type": message},
        **kwargs,
    )


class ControlSerializer(serializers.ModelSerializer):
    """A control measure (管控措施) of a hazard source; `checked`: an active checklist item verifies it."""

    source = _ref(HazardSource, _("危险源不存在。"), via="risk_point__enterprise")
    type = serializers.ChoiceField(choices=ControlType.choices, help_text="工程技术/管理/培训教育/个体防护/应急处置")
    level = serializers.ChoiceField(
        choices=ControlLevel.choices, help_text="company/department/team/post = 公司/车间部门/班组/岗位"
    )
    tier = serializers.ChoiceField(choices=CheckTier.choices, required=False)
    owner_post = _ref(Post, _("岗位不存在。"), required=False, allow_null=True)
    checked = serializers.BooleanField(read_only=True, default=False)

    class Meta:
        model = Control
        fields = ["id", "source", "measure", "type", "level", "owner_post", "tier", "active", "checked"]


class ControlUpdateSerializer(ControlSerializer):
    class Meta(ControlSerializer.Meta):
        read_only_fields = ["source"]


class HazardSourceSerializer(serializers.ModelSerializer):
    risk_point = _ref(RiskPoint, _("风险点不存在。"))
    accident_types = serializers.ListField(
        child=serializers.CharField(max_length=30),
        required=False,
        max_length=20,
        help_text="GB 6441 accident categories, e.g. fire, poisoning, vessel_explosion",
    )
    accident_type_labels = serializers.ListField(child=serializers.CharField(), read_only=True)
    controls = ControlSerializer(many=True, read_only=True)

    class Meta:
        model = HazardSource
        fields = ["id", "risk_point", "name", "accident_types", "accident_type_labels", "order", "controls"]


class HazardSourceUpdateSerializer(HazardSourceSerializer):
    class Meta(HazardSourceSerializer.Meta):
        read_only_fields = ["risk_point"]


class AssessmentInputSerializer(serializers.Serializer):
    """LEC: likelihood, exposure, consequence; LS: likelihood, severity. Each factor from its table."""

    method = serializers.ChoiceField(choices=Method.choices)
    likelihood = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="L")
    exposure = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, help_text="E (LEC)")
    consequence = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, help_text="C (LEC)")
    severity = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, help_text="S (LS)")
    assessor_name = serializers.CharField(max_length=50, required=False, help_text="评价人 (default: the caller)")
    assessed_on = serializers.DateField(required=False, help_text="评价日期 (default: today)")


class AssessmentSerializer(serializers.ModelSerializer):
    likelihood = serializers.FloatField()
    exposure = serializers.FloatField(allow_null=True)
    consequence = serializers.FloatField(allow_null=True)
    severity = serializers.FloatField(allow_null=True)
    score = serializers.FloatField(help_text="LEC: D = L × E × C; LS: R = L × S")
    assessed_by = serializers.IntegerField(source="assessed_by_id")

    class Meta:
        model = Assessment
        fields = [
            "id",
            "risk_point",
            "version",
            "method",
            "likelihood",
            "exposure",
            "consequence",
            "severity",
            "score",
            "level",
            "assessor_name",
            "assessed_on",
            "assessed_by",
            "assessed_at",
        ]
        read_only_fields = fields


class RiskGradeSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskGrade
        fields = ["level", "previous_level", "reason", "assessment", "bands", "graded_at"]
        read_only_fields = fields


class RiskPointSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseRefField()
    kind = serializers.ChoiceField(choices=RiskPointKind.choices, help_text="equipment/area/operation")
    department = _ref(Department, _("部门不存在。"), required=False, allow_null=True)
    posts = _ref(Post, _("岗位不存在。"), many=True, required=False, help_text="岗位 exposed to the point")
    plan_x = serializers.DecimalField(
        max_digits=5, decimal_places=4, min_value=0, max_value=1, required=False, allow_null=True
    )
    plan_y = serializers.DecimalField(
        max_digits=5, decimal_places=4, min_value=0, max_value=1, required=False, allow_null=True
    )
    emergency_steps = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, max_length=20, help_text="应急处置措施"
    )
    level = serializers.CharField(read_only=True, allow_null=True, help_text="current grade (red/orange/yellow/blue)")
    sources = HazardSourceSerializer(many=True, read_only=True)
    assessments = AssessmentSerializer(many=True, read_only=True)
    grades = RiskGradeSerializer(many=True, read_only=True)

    class Meta:
        model = RiskPoint
        fields = [
            "id",
            "enterprise",
            "kind",
            "name",
            "department",
            "location",
            "plan_x",
            "plan_y",
            "posts",
            "emergency_steps",
            "owner_name",
            "owner_phone",
            "active",
            "level",
            "sources",
            "assessments",
            "grades",
        ]
        validators = []  # a name already taken is said at `name` by risks.services.risk_point_save


class RiskPointUpdateSerializer(RiskPointSerializer):
    class Meta(RiskPointSerializer.Meta):
        read_only_fields = ["enterprise"]


class RiskBandsSerializer(serializers.ModelSerializer):
    """The lowest score of each grade; below yellow is blue."""

    class Meta:
        model = RiskBands
        fields = ["lec_red", "lec_orange", "lec_yellow", "ls_red", "ls_orange", "ls_yellow"]
        extra_kwargs = {
            **{f: {"required": False, "min_value": 0} for f in ("lec_red", "lec_orange", "lec_yellow")},
            **{f: {"required": False, "min_value": 1, "max_value": 25} for f in ("ls_red", "ls_orange", "ls_yellow")},
        }


class RiskBandsResultSerializer(RiskBandsSerializer):
    regraded = serializers.IntegerField(read_only=True, help_text="Points whose grade changed")

    class Meta(RiskBandsSerializer.Meta):
        fields = [*RiskBandsSerializer.Meta.fields, "regraded"]


class SitePlanUploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="PNG or JPEG")


class SitePlanSerializer(serializers.Serializer):
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()


class RiskFiguresSerializer(serializers.Serializer):
    """The register's figures (risks.selectors.risk_figures): the statistics and the region page."""

    points = serializers.IntegerField(help_text="Active risk points")
    red = serializers.IntegerField(help_text="重大风险 (major risks)")
    orange = serializers.IntegerField(help_text="较大风险")
    yellow = serializers.IntegerField(help_text="一般风险")
    blue = serializers.IntegerField(help_text="低风险")
    not_assessed = serializers.IntegerField(help_text="Points without an assessment")
    major_controlled = serializers.IntegerField(
        help_text="Major risks whose controls are all at company level, owned by a post and verified by an item"
    )
    control_rate = serializers.FloatField(
        allow_null=True,
        help_text="管控到位率: major_controlled / red (seed item 4, target 1.0); null without major risks",
    )
    controls = serializers.IntegerField(help_text="Active controls")
    controls_unchecked = serializers.IntegerField(help_text="Active controls that no active checklist item verifies")


def risk_figures_payload(figures) -> dict:
    """What RiskFiguresSerializer renders, built directly (reports.serializers.stats_payload: fast path)."""
    return {**{f: getattr(figures, f) for f in RISK_FIGURE_FIELDS}, "control_rate": figures.control_rate}
