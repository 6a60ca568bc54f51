"""Shapes of a card's content. The single place that checks them: the API and the admin form use it.

Completeness (what a card needs before it is published) is a domain rule in cards.services.
"""

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cards.models import CARD_CONTENT_FIELDS, Card, CardAcknowledgement, CardVersion, EmergencyStepKey
from orgs.models import Post, RiskLevel
from orgs.serializers import ScopedPrimaryKeyRelatedField

PHONE = re.compile(r"^[0-9+\-() ]{3,20}$")
LIST_MAX = 100  # entries per list: a card is printed on one sheet


def _text_list(help_text: str) -> serializers.ListField:
    """A list of non-empty strings (blank entries are a 400 naming e.g. `ppe[0]`)."""
    return serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, max_length=LIST_MAX, help_text=help_text
    )


class CardHazardSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="e.g. 火灾爆炸")
    risk_level = serializers.ChoiceField(
        choices=RiskLevel.choices, help_text="red/orange/yellow/blue = 重大/较大/一般/低"
    )
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CardEmergencyStepSerializer(serializers.Serializer):
    # Seed item 49: each step is one of 关、避、喊、报、助, in the order the post needs them.
    key = serializers.ChoiceField(
        choices=EmergencyStepKey.choices, help_text="close/evade/shout/report/help = 关避喊报助"
    )
    title = serializers.CharField(max_length=20, help_text="e.g. 关")
    action = serializers.CharField(max_length=500, help_text="What to do at this post, e.g. 关闭进料阀")


class CardContactSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, help_text="e.g. 值班室")
    phone = serializers.RegexField(PHONE, max_length=20, error_messages={"invalid": _("电话号码格式不正确。")})


class CardContentSerializer(serializers.Serializer):
    """The content of a card: what a worker reads on the phone and on the printed card."""

    duties = _text_list("岗位职责, one entry per duty")
    hazards = CardHazardSerializer(many=True, required=False, max_length=LIST_MAX, help_text="主要风险")
    controls = _text_list("管控措施")
    emergency_steps = CardEmergencyStepSerializer(
        many=True, required=False, max_length=LIST_MAX, help_text="应急处置, in the order they are taken"
    )
    emergency_contacts = CardContactSerializer(many=True, required=False, max_length=LIST_MAX, help_text="应急电话")
    required_certificates = _text_list("持证要求")
    ppe = _text_list("劳动防护用品")
    operating_rules = _text_list("操作规程")


class CardSerializer(CardContentSerializer, serializers.ModelSerializer):
    """A card's editable draft; content fields left out on create get the defaults (the five steps)."""

    post = ScopedPrimaryKeyRelatedField(
        queryset=Post.objects.all(),
        error_messages={"does_not_exist": _("岗位不存在。"), "incorrect_type": _("岗位不存在。")},
    )
    current_version = serializers.SerializerMethodField(
        help_text="Number of the latest published version; null if none"
    )

    class Meta:
        model = Card
        fields = ["id", "post", "enterprise", *CARD_CONTENT_FIELDS, "current_version", "updated_at"]
        read_only_fields = ["enterprise", "updated_at"]

    def get_current_version(self, card) -> int | None:
        versions = [v.version for v in card.versions.all()]  # prefetched by the list view
        return max(versions) if versions else None


class CardDraftSerializer(CardContentSerializer):
    """A change to the draft: only the fields given are replaced (each list as a whole)."""


class CardVersionSerializer(serializers.ModelSerializer):
    """A published card, its content at the top level (the phone, the post card and the scan read this)."""

    post = serializers.IntegerField(source="card.post_id", read_only=True)
    duties = serializers.ListField(child=serializers.CharField(), source="content.duties", read_only=True)
    hazards = CardHazardSerializer(many=True, source="content.hazards", read_only=True)
    controls = serializers.ListField(child=serializers.CharField(), source="content.controls", read_only=True)
    emergency_steps = CardEmergencyStepSerializer(many=True, source="content.emergency_steps", read_only=True)
    emergency_contacts = CardContactSerializer(many=True, source="content.emergency_contacts", read_only=True)
    required_certificates = serializers.ListField(
        child=serializers.CharField(), source="content.required_certificates", read_only=True
    )
    ppe = serializers.ListField(child=serializers.CharField(), source="content.ppe", read_only=True)
    operating_rules = serializers.ListField(
        child=serializers.CharField(), source="content.operating_rules", read_only=True
    )

    class Meta:
        model = CardVersion
        fields = ["id", "card", "post", "version", "published_at", *CARD_CONTENT_FIELDS]
        read_only_fields = fields


class CardAcknowledgementSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.version", help_text="The card version confirmed")

    class Meta:
        model = CardAcknowledgement
        fields = ["version", "acknowledged_at"]
        read_only_fields = fields
