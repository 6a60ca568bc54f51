"""Shapes of a card's content. The single place that checks them: the API and the admin form use it.

Completeness (what a card needs before it is published) is a domain rule in cards.services.
"""

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cards.models import (
    CARD_CONTENT_FIELDS,
    Card,
    CardAcknowledgement,
    CardVersion,
    Drill,
    EmergencyStepKey,
    KnowledgeQuestion,
    QuestionKind,
    SpotCheck,
)
from cards.services import SPOT_CHECK_MAX_QUESTIONS
from orgs.models import Post, RiskLevel
from orgs.serializers import EnterpriseRefField, PersonRefField, ScopedPrimaryKeyRelatedField

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


# ---------------------------------------------------------------------------------------------
# Knowledge questions and spot-checks


class KnowledgeQuestionSerializer(serializers.ModelSerializer):
    """A question with its right answer: only safety managers read and write these."""

    card = ScopedPrimaryKeyRelatedField(
        queryset=Card.objects.all(),
        error_messages={"does_not_exist": _("明白卡不存在。"), "incorrect_type": _("明白卡不存在。")},
    )
    post = serializers.IntegerField(source="card.post_id", read_only=True)
    options = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        max_length=10,
        help_text="The choices; true/false questions default to [对, 错]",
    )
    answer = serializers.ListField(
        child=serializers.IntegerField(min_value=0),
        max_length=10,
        allow_null=True,  # in answers only: null is refused on input (validate_answer)
        help_text="Indexes (from 0) of the right options: one for single and true/false, one or more for "
        "multiple. Null when the question is in an open spot-check of the caller: nobody reads the key of a "
        "test they are sitting",
    )

    class Meta:
        model = KnowledgeQuestion
        fields = ["id", "card", "post", "kind", "text", "options", "answer", "active", "created_at"]
        read_only_fields = ["created_at"]

    def validate_answer(self, value):
        if value is None:
            self.fields["answer"].fail("null")
        return value

    def to_representation(self, question):
        data = super().to_representation(question)
        if getattr(question, "answer_hidden", False):
            data["answer"] = None
        return data


class SpotCheckStartSerializer(serializers.Serializer):
    person = PersonRefField(help_text="The worker to check")
    enterprise = EnterpriseRefField(required=False, help_text="Needed only when you share several enterprises")
    question_count = serializers.IntegerField(
        min_value=1, max_value=20, default=5, help_text="How many questions to draw (fewer if the pool is smaller)"
    )


class SpotCheckItemSerializer(serializers.Serializer):
    """One question as the worker sees it: the right answer only once the spot-check is finished."""

    question = serializers.IntegerField(source="question_id")
    kind = serializers.ChoiceField(choices=QuestionKind.choices, source="question.kind")
    text = serializers.CharField(source="question.text")
    options = serializers.ListField(child=serializers.CharField(), source="question.options")
    given = serializers.ListField(
        child=serializers.IntegerField(), source="answer", allow_null=True, help_text="The worker's answer or null"
    )
    correct = serializers.BooleanField(
        allow_null=True,
        help_text="Null until the spot-check is finished, and when the question is in an open spot-check of the reader",
    )
    right_answer = serializers.SerializerMethodField(
        help_text="Null until the spot-check is finished, and when the question is in an open spot-check of the reader"
    )

    def get_right_answer(self, row) -> list[int] | None:
        return row.question.answer if row.spot_check.finished_at is not None else None

    def to_representation(self, row):
        data = super().to_representation(row)
        if getattr(row, "answer_hidden", False):  # annotated by cards.selectors.spot_check_items
            data["correct"] = data["right_answer"] = None
        return data


class SpotCheckSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.__str__", read_only=True)
    started_by_name = serializers.CharField(source="started_by.__str__", read_only=True)
    score = serializers.SerializerMethodField(help_text="correct_count / question_count (0..1); null until finished")
    items = SpotCheckItemSerializer(source="answers", many=True, read_only=True)

    class Meta:
        model = SpotCheck
        fields = [
            "id",
            "enterprise",
            "person",
            "person_name",
            "started_by",
            "started_by_name",
            "started_at",
            "finished_at",
            "question_count",
            "correct_count",
            "score",
            "items",
        ]
        read_only_fields = fields

    def get_score(self, spot_check) -> float | None:
        if spot_check.finished_at is None or not spot_check.question_count:
            return None
        return round(spot_check.correct_count / spot_check.question_count, 4)


class SpotCheckListSerializer(SpotCheckSerializer):
    class Meta(SpotCheckSerializer.Meta):
        fields = [f for f in SpotCheckSerializer.Meta.fields if f != "items"]
        read_only_fields = fields


class SpotCheckAnswerItemSerializer(serializers.Serializer):
    question = serializers.IntegerField(help_text="Question id, as listed in the spot-check's items")
    answer = serializers.ListField(
        child=serializers.IntegerField(), max_length=10, help_text="Indexes (from 0) of the chosen options"
    )


class SpotCheckAnswersSerializer(serializers.Serializer):
    answers = SpotCheckAnswerItemSerializer(many=True, min_length=1, max_length=SPOT_CHECK_MAX_QUESTIONS)


# ---------------------------------------------------------------------------------------------
# Emergency drills


class DrillSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseRefField()
    post = ScopedPrimaryKeyRelatedField(
        queryset=Post.objects.all(),
        allow_null=True,
        required=False,
        help_text="The post whose five-step method (关避喊报助) is drilled; null for the whole enterprise",
        error_messages={"does_not_exist": _("岗位不存在。"), "incorrect_type": _("岗位不存在。")},
    )
    overdue = serializers.SerializerMethodField(help_text="Planned, not done, and its date has passed")

    class Meta:
        model = Drill
        fields = [
            "id",
            "enterprise",
            "post",
            "title",
            "planned_on",
            "done_on",
            "participants",
            "summary",
            "overdue",
            "created_at",
        ]
        read_only_fields = ["done_on", "participants", "summary", "created_at"]

    def get_overdue(self, drill) -> bool:
        return drill.is_overdue()


class DrillRecordSerializer(serializers.Serializer):
    done_on = serializers.DateField(help_text="The local date the drill took place")
    participants = serializers.IntegerField(min_value=1, max_value=100000)
    summary = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
