from django.urls import reverse
from rest_framework import serializers

from cards.serializers import CardVersionSerializer
from checklists.models import ScanEvent
from checklists.serializers import DueChecklistSerializer
from orgs.models import Department, Enterprise, Post, PostQrToken
from qr.models import CardSheet
from qr.services import PNG_MAX_SIZE, PNG_MIN_SIZE, qr_url


class QrPngQuerySerializer(serializers.Serializer):
    size = serializers.IntegerField(
        required=False,
        default=512,
        min_value=PNG_MIN_SIZE,
        max_value=PNG_MAX_SIZE,
        help_text=f"Width and height in pixels, {PNG_MIN_SIZE}..{PNG_MAX_SIZE}",
    )


class QrTokenSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="What the printed code encodes: {PUBLIC_BASE_URL}/s/{token}")

    class Meta:
        model = PostQrToken
        fields = ["token", "url", "created_at"]

    def get_url(self, token: PostQrToken) -> str:
        return qr_url(token.token)


class QrScanDepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name"]


class QrScanPostSerializer(serializers.ModelSerializer):
    department = QrScanDepartmentSerializer(allow_null=True)
    fenced = serializers.BooleanField(
        source="has_fence",
        read_only=True,
        help_text="The post has an electronic fence: the phone sends its position with a record (the page asks "
        "the browser's geolocation API and says so); the fence itself is on /posts/{id}/ for the enterprise",
    )

    class Meta:
        model = Post
        fields = ["id", "name", "risk_level", "location", "department", "fenced"]


class QrScanEnterpriseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enterprise
        fields = ["id", "name"]


class QrScanSerializer(serializers.Serializer):
    """What a phone shows after scanning a post's code."""

    post = QrScanPostSerializer()
    enterprise = QrScanEnterpriseSerializer()
    card = CardVersionSerializer(allow_null=True, help_text="The current published card; null before the first")
    checklists = DueChecklistSerializer(
        many=True,
        allow_null=True,
        help_text="Checklists due now with their status; null unless the caller holds the post or is a "
        "safety manager of the enterprise",
    )
    acknowledged = serializers.BooleanField(
        allow_null=True,
        help_text="Whether the caller has acknowledged the current card version; null when anonymous or "
        "when the post has no published card",
    )

    certificate_missing = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="Certificate kinds the post requires that the caller holds no valid certificate of "
        "(持证上岗: the phone shows a warning); empty when all is in order, null unless the caller is a member "
        "of the enterprise",
    )


class ScanEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScanEvent
        fields = ["id", "scanned_at"]
        read_only_fields = fields


class QrScanRecordedSerializer(QrScanSerializer):
    """The scan answer with the scan event just recorded: the phone keeps its id with the page and sends
    it (`scan_event`) with every check it makes there, also when the check is queued offline."""

    scan_event = ScanEventSerializer(help_text="Cite its id in POST /inspections/ (scan_event) to be on site")


class CardSheetSerializer(serializers.ModelSerializer):
    """A printable card sheet rendered by Celery; poll `url` until it answers with the PDF."""

    url = serializers.SerializerMethodField(help_text="Status URL: 202 with this body until ready, then the PDF")

    class Meta:
        model = CardSheet
        fields = ["id", "enterprise", "status", "post_count", "created_at", "finished_at", "error", "url"]
        read_only_fields = fields

    def get_url(self, sheet: CardSheet) -> str:
        return reverse("card-sheet", kwargs={"pk": sheet.pk})
