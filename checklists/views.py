from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from checklists import selectors, services
from checklists.filters import InspectionFilter, TemplateFilter
from checklists.models import ChecklistItem, ChecklistTemplate, InspectionResult
from checklists.serializers import (
    ChecklistTemplateSerializer,
    DueChecklistSerializer,
    DueQuerySerializer,
    InspectionDetailSerializer,
    InspectionSerializer,
    InspectionSubmitSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
)
from core.serializers import ErrorSerializer
from orgs.selectors import post_get_for, scope_to

CONFLICT = OpenApiResponse(ErrorSerializer, description="client_uuid already used for other content")


@extend_schema_view(
    list=extend_schema(summary="List checklist templates"),
    retrieve=extend_schema(summary="One checklist template with its items"),
    create=extend_schema(summary="Create a template with its items (safety managers)"),
    update=extend_schema(summary="Replace a template; items left out are deactivated"),
    partial_update=extend_schema(summary="Change a template"),
)
class TemplateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ChecklistTemplateSerializer
    filterset_class = TemplateFilter

    def get_queryset(self):
        items = Prefetch("items", queryset=ChecklistItem.objects.filter(active=True))
        queryset = ChecklistTemplate.objects.prefetch_related(items, "posts")
        return scope_to(self.request.user, queryset)

    def perform_create(self, serializer):
        serializer.instance = services.template_save(
            by=self.request.user, template=None, data=serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.template_save(
            by=self.request.user, template=serializer.instance, data=serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)


class PostDueApi(APIView):
    @extend_schema(
        summary="Checklists of a post and their status in the period containing `at`",
        parameters=[DueQuerySerializer],
        responses={200: DueChecklistSerializer(many=True)},
    )
    def get(self, request, pk):
        query = DueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        post = post_get_for(request.user, pk)
        due = selectors.checklists_due(post=post, at=query.validated_data.get("at"))
        return Response(DueChecklistSerializer(due, many=True).data)


class PhotoUploadApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Upload a photo (idempotent on client_uuid)",
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: PhotoSerializer, 200: PhotoSerializer, 409: CONFLICT},
    )
    def post(self, request):
        upload = PhotoUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        photo, created = services.photo_upload(
            by=request.user,
            client_uuid=upload.validated_data["client_uuid"],
            upload=upload.validated_data["image"],
        )
        body = PhotoSerializer(photo, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class PhotoDetailApi(APIView):
    @extend_schema(summary="A photo's metadata and links", responses={200: PhotoSerializer})
    def get(self, request, pk):
        photo = selectors.photo_get_for(request.user, pk)
        return Response(PhotoSerializer(photo, context={"request": request}).data)


SUBMIT_EXAMPLE = OpenApiExample(
    "daily check",
    request_only=True,
    value={
        "client_uuid": "6f1c1b8e-4a52-4bde-9d8e-1f0f8f0c9a11",
        "template": 1,
        "post": 1,
        "scan_token": "Xy3kP9aQ2mRt",
        "started_at": "2024-07-03T08:05:00+08:00",
        "results": [
            {"item": 1, "value": "ok"},
            {"item": 2, "value": 12.5},
            {"item": 3, "value": "not_ok", "note": "灭火器压力不足", "photos": [7]},
        ],
    },
)


@extend_schema_view(
    list=extend_schema(summary="The archive: inspections the caller may read"),
    retrieve=extend_schema(summary="One archive record with its results"),
)
class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = InspectionFilter

    def get_queryset(self):
        queryset = selectors.inspections_visible_to(self.request.user)
        if self.action == "retrieve":
            results = Prefetch("results", queryset=InspectionResult.objects.prefetch_related("photos"))
            queryset = queryset.prefetch_related(results)
        return queryset

    def get_serializer_class(self):
        return InspectionDetailSerializer if self.action == "retrieve" else InspectionSerializer

    @extend_schema(
        summary="Submit an inspection to the archive",
        request=InspectionSubmitSerializer,
        responses={
            201: InspectionSerializer,
            200: OpenApiResponse(InspectionSerializer, description="A replay: the stored record, unchanged"),
            404: OpenApiResponse(ErrorSerializer, description="The post does not exist or belongs to another tenant"),
            409: CONFLICT,
        },
        examples=[SUBMIT_EXAMPLE],
    )
    def create(self, request):
        submission = InspectionSubmitSerializer(data=request.data)
        submission.is_valid(raise_exception=True)
        inspection, created = services.inspection_submit(by=request.user, data=submission.validated_data)
        body = InspectionSerializer(inspection).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
