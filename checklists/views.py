from urllib.parse import quote

from django.db.models import Prefetch
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from checklists import onboarding, selectors, services
from checklists.filters import InspectionFilter, TemplateFilter
from checklists.models import ChecklistItem, ChecklistTemplate, InspectionResult
from checklists.serializers import (
    ChecklistTemplateSerializer,
    DueChecklistSerializer,
    DueQuerySerializer,
    InspectionDetailSerializer,
    InspectionSerializer,
    InspectionSubmitSerializer,
    OnboardingErrorSerializer,
    OnboardingReportSerializer,
    OnboardingUploadSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
)
from core.renderers import XlsxRenderer
from core.serializers import ErrorSerializer
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise
from orgs.selectors import get_visible, post_get_for, role_required, scope_to

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


# ---------------------------------------------------------------------------------------------
# Onboarding workbook

XLSX = onboarding.XLSX_CONTENT_TYPE


def _xlsx(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


XLSX_OK = {(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The workbook (.xlsx)")}


class JsonErrorsNegotiation(DefaultContentNegotiation):
    """The workbook endpoints return the file themselves; everything else they answer (the errors) is
    the API's JSON body, whatever `?format=` or Accept asks for (an unknown `?format=` was a 404)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return JSONRenderer(), JSONRenderer.media_type


class OnboardingTemplateApi(APIView):
    renderer_classes = [JSONRenderer, XlsxRenderer]
    content_negotiation_class = JsonErrorsNegotiation

    @extend_schema(
        operation_id="v1_onboarding_template_xlsx",
        summary="The blank onboarding workbook: Chinese headers, an example row per sheet, notes",
        responses={**XLSX_OK, (401, "application/json"): ErrorSerializer},
    )
    def get(self, request):
        return _xlsx(onboarding.onboarding_template(), "导入模板.xlsx")


class EnterpriseOnboardingExportApi(APIView):
    renderer_classes = [JSONRenderer, XlsxRenderer]
    content_negotiation_class = JsonErrorsNegotiation

    @extend_schema(
        operation_id="v1_enterprises_onboarding_xlsx",
        summary="The enterprise's departments, posts, people, cards and templates in the import format",
        description="Importing this workbook again changes nothing (passwords are never exported).",
        responses={
            **XLSX_OK,
            **{(code, "application/json"): ErrorSerializer for code in (401, 403, 404)},
        },
    )
    def get(self, request, pk):
        enterprise = get_visible(request.user, Enterprise.objects.all(), pk, via="")
        role_required(request.user, enterprise.pk, SAFETY_MANAGER_ROLES)
        return _xlsx(onboarding.onboarding_export(enterprise=enterprise), f"{enterprise.name}-导入.xlsx")


class EnterpriseOnboardingImportApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Import departments, posts, people, cards and checklist templates from a workbook (admin, principal)",
        description="All or nothing, keyed on department name, post name within its department, username and "
        "template name: importing again updates. `dry_run=true` checks and reports without writing. A bad "
        "workbook is a 400 whose `errors` list every problem with its sheet, row and column; a file that is not "
        "an .xlsx workbook or is larger than ONBOARDING_MAX_BYTES is a 400 naming `file`.",
        request={"multipart/form-data": OnboardingUploadSerializer},
        responses={200: OnboardingReportSerializer, 400: OnboardingErrorSerializer},
        examples=[
            OpenApiExample(
                "imported",
                value={
                    "dry_run": False,
                    "created": {
                        "departments": 2,
                        "posts": 5,
                        "people": 12,
                        "memberships": 12,
                        "cards": 5,
                        "templates": 3,
                    },
                    "updated": {
                        "departments": 0,
                        "posts": 0,
                        "people": 0,
                        "memberships": 0,
                        "cards": 0,
                        "templates": 0,
                    },
                },
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "bad workbook",
                value={
                    "code": "invalid_workbook",
                    "message": "工作簿有 1 处错误。 人员!E3: 岗位不存在:生产车间/不存在岗。",
                    "field": "人员!E3",
                    "errors": [
                        {
                            "sheet": "人员",
                            "row": 3,
                            "column": "岗位",
                            "field": "人员!E3",
                            "code": "invalid",
                            "message": "岗位不存在:生产车间/不存在岗。",
                        }
                    ],
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    def post(self, request, pk):
        enterprise = get_visible(request.user, Enterprise.objects.select_related("industry"), pk, via="")
        upload = OnboardingUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        report = onboarding.onboarding_import(
            by=request.user,
            enterprise=enterprise,
            upload=upload.validated_data["file"],
            dry_run=upload.validated_data["dry_run"],
        )
        return Response(OnboardingReportSerializer(report).data)
