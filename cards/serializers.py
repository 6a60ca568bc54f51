"""Shapes of a card's content. The single place that checks them: the API and the admin use it."""

import re

from django.utils.translation import gettext as _
from rest_framework import serializers

from cards.models import CARD_CONTENT_FIELDS, Card, CardAcknowledgement, CardVersion
from orgs.models import Post, RiskLevel
from orgs.serializers import ScopedPrimaryKeyRelatedField

EMERGENCY_STEP_KEYS = ["close", "evade", "shout", "report", "help"]  # 关、避、喊、报、助 (seed item 49)
PHONE = re.compile(r"^[0-9+\-() ]{3,20}$")


def _text_list(**kwargs):
    return serializers.ListField(
        child=serializers.CharField(max_length=500, trim_whitespace=True), required=False, max_length=100, **kwargs
    )


class CardHazardSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CardEmergencyStepSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=EMERGENCY_STEP_KEYS, help_text="close/evade/shout/report/help = 关避喊报助")
    title = serializers.CharField(max_length=20)
    action = serializers.CharField(max_length=500)


class CardContactSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    phone = serializers.RegexField(PHONE, max_length=20, error_messages={"invalid": _("电话号码格式不正确。")})


class CardContentSerializer(serializers.Serializer):
    """The content of a card: lists the worker reads on the phone and on the printed card."""

    duties = _text_list(help_text="岗位职责")
    hazards = CardHazardSerializer(many=True, required=False, help_text="主要风险 with risk level")
    controls = _text_list(help_text="管控措施")
    emergency_steps = CardEmergencyStepSerializer(many=True, required=False, help_text="应急处置, in order")
    emergency_contacts = CardContactSerializer(many=True, required=False, help_text="应急电话")
    required_certificates = _text_list(help_text="持证要求")
    ppe = _text_list(help_text="劳动防护用品")
    operating_rules = _text_list(help_text="操作规程")


class CardSerializer(CardContentSerializer, serializers.ModelSerializer):
    post = ScopedPrimaryKeyRelatedField(queryset=Post.objects.all())
    current_version = serializers.SerializerMethodField()

    class Meta:
        model = Card
        fields = ["id", "post", "enterprise", *CARD_CONTENT_FIELDS, "current_version", "updated_at"]
        read_only_fields = ["enterprise", "updated_at"]

    def get_current_version(self, card) -> int | None:
        versions = [v.version for v in card.versions.all()]  # prefetched by the view
        return max(versions) if versions else None


class CardUpdateSerializer(CardContentSerializer):
    pass


class CardVersionSerializer(serializers.ModelSerializer):
    """A published card, its content at the top level (the phone and the scan page read this)."""

    post = serializers.IntegerField(source="card.post_id", read_only=True)
    duties = serializers.ListField(child=serializers.CharField(), source="content.duties")
    hazards = CardHazardSerializer(many=True, source="content.hazards")
    controls = serializers.ListField(child=serializers.CharField(), source="content.controls")
    emergency_steps = CardEmergencyStepSerializer(many=True, source="content.emergency_steps")
    emergency_contacts = CardContactSerializer(many=True, source="content.emergency_contacts")
    required_certificates = serializers.ListField(child=serializers.CharField(), source="content.required_certificates")
    ppe = serializers.ListField(child=serializers.CharField(), source="content.ppe")
    operating_rules = serializers.ListField(child=serializers.CharField(), source="content.operating_rules")

    class Meta:
        model = CardVersion
        fields = ["id", "card", "post", "version", "published_at", *CARD_CONTENT_FIELDS]
        read_only_fields = fields


class CardAcknowledgementSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.version")
    card_version = serializers.IntegerField(source="version_id")

    class Meta:
        model = CardAcknowledgement
        fields = ["card_version", "version", "acknowledged_at"]
