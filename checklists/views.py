from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from checklists import onboarding, photo_display, selectors, services
from checklists.filters import InspectionFilter, TemplateFilter
from checklists.models import ChecklistItem, ChecklistTemplate, FlagReview, InspectionResult
from checklists.register import checklist_generate_from_controls
from checklists.serializers import (
    ChecklistTemplateSerializer,
    DueChecklistSerializer,
    DueQuerySerializer,
    FlagReviewInputSerializer,
    FlagReviewSerializer,
    InspectionDetailSerializer,
    InspectionSerializer,
    InspectionSubmitSerializer,
    OnboardingErrorSerializer,
    OnboardingReportSerializer,
    OnboardingUploadSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
)
from core.exports import XLSX_MEDIA_TYPE, file_response
from core.files import stored_file_response
from core.renderers import JpegRenderer, JsonErrorsMixin, XlsxRenderer, json_error_responses
from core.schema import error_example
from core.serializers import ErrorSerializer
from orgs.models import SAFETY_MANAGER_ROLES
from orgs.selectors import access_enterprise, access_post, role_required, scope_to

CONFLICT = OpenApiResponse(ErrorSerializer, description="client_uuid already used for other content")


@extend_schema_view(
    list=extend_schema(summary=_("检查表列表")),
    retrieve=extend_schema(summary=_("单个检查表及其检查项")),
    create=extend_schema(summary=_("创建检查表及其检查项(安全管理人员)")),
    update=extend_schema(summary=_("替换检查表;未列出的检查项被停用")),
    partial_update=extend_schema(summary=_("修改检查表")),
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
        summary=_("岗位的检查表及其在 `at` 所在周期内的完成状态"),
        parameters=[DueQuerySerializer],
        responses={200: DueChecklistSerializer(many=True)},
    )
    def get(self, request, pk):
        query = DueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        post = access_post(request.user, pk)
        due = selectors.checklists_due(post=post, at=query.validated_data.get("at"))
        return Response(DueChecklistSerializer(due, many=True).data)


class PhotoUploadApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary=_("上传照片(按 client_uuid 幂等)"),
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
    @extend_schema(summary=_("照片的元数据和链接"), responses={200: PhotoSerializer})
    def get(self, request, pk):
        photo = selectors.access_photo(request.user, pk)
        return Response(PhotoSerializer(photo, context={"request": request}).data)


class PhotoDisplayApi(JsonErrorsMixin, APIView):
    """The photo as people see it: watermarked (checklists.photo_display); the stored copy is untouched."""

    renderer_classes = [JpegRenderer]
    side = photo_display.DISPLAY_SIDE
    name = "photo"

    def options(self, request, *args, **kwargs):
        self.answer_in_json()  # the endpoint's description is JSON, not an image
        return super().options(request, *args, **kwargs)

    @extend_schema(
        operation_id="v1_photos_display_jpg_retrieve",
        summary=_("照片的显示版本(带水印:上传时间、岗位、拍摄人)"),
        description=_(
            "存档照片缩小到最长边 1280 像素,底部和整幅叠加水印:上传时间(企业当地时间)、引用该照片的检查记录的岗位、"
            "上传人。原图及其哈希不变。可查看照片元数据的人均可查看;带 ETag,浏览器可缓存。"
        ),
        responses={
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="JPEG, watermarked"),
            (304, "image/jpeg"): OpenApiResponse(description="Not modified (If-None-Match matched the ETag)"),
            **json_error_responses("401", "403", "404", "406"),
        },
    )
    def get(self, request, pk):
        photo = selectors.access_photo(request.user, pk)
        return photo_display.photo_jpeg_response(request, photo, side=self.side, name=self.name)


class PhotoThumbApi(PhotoDisplayApi):
    """The small copy for lists: the stored thumbnail (320 pixels), watermarked like the display copy."""

    side = photo_display.THUMB_SIDE
    name = "thumb"

    @extend_schema(
        operation_id="v1_photos_thumb_jpg_retrieve",
        summary=_("照片的缩略图(最长边 320 像素,带水印)"),
        description=_("列表用的小图:存档缩略图加与显示版本相同的水印。可查看照片元数据的人均可查看。"),
        responses={
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="JPEG, watermarked"),
            (304, "image/jpeg"): OpenApiResponse(description="Not modified (If-None-Match matched the ETag)"),
            **json_error_responses("401", "403", "404", "406"),
        },
    )
    def get(self, request, pk):
        return super().get(request, pk)


class PhotoOriginalApi(JsonErrorsMixin, APIView):
    """The stored copy itself (no watermark), for whoever may see the photo: handed to nginx, or a
    redirect to a short-lived signed URL of the object store (core.files)."""

    renderer_classes = [JpegRenderer]

    def options(self, request, *args, **kwargs):
        self.answer_in_json()
        return super().options(request, *args, **kwargs)

    @extend_schema(
        operation_id="v1_photos_original_retrieve",
        summary=_("照片的存档原件(不加水印)"),
        description=_(
            "存档的照片文件本身。使用对象存储时答复 302,跳转到几分钟内有效的签名地址;"
            "在 nginx 之后由 nginx 直接发送文件。"
        ),
        responses={
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="JPEG, the stored copy"),
            (302, "image/jpeg"): OpenApiResponse(description="Object storage: Location is a signed URL"),
            **json_error_responses("401", "403", "404", "406"),
        },
    )
    def get(self, request, pk):
        photo = selectors.access_photo(request.user, pk)
        return stored_file_response(photo.image, filename=f"photo-{photo.pk}.jpg")


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
    list=extend_schema(summary=_("档案:调用者可查看的检查记录")),
    retrieve=extend_schema(summary=_("单条档案记录及其检查结果")),
)
class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = InspectionFilter

    def get_queryset(self):
        queryset = selectors.inspections_visible_to(self.request.user)
        if self.action == "retrieve":
            results = Prefetch("results", queryset=InspectionResult.objects.prefetch_related("photos"))
            reviews = Prefetch("reviews", queryset=FlagReview.objects.select_related("by"))
            queryset = queryset.prefetch_related(results, reviews)
        return queryset

    def get_serializer_class(self):
        return InspectionDetailSerializer if self.action == "retrieve" else InspectionSerializer

    @extend_schema(
        summary=_("提交检查记录存档"),
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

    @extend_schema(
        summary=_("标记已核查:安全管理人员查看可疑记录后留下核查意见(记录本身不变)"),
        description=_(
            "限记录所属企业的安全管理人员;作业人员和监管人员返回 403,其他企业的记录返回 404。"
            "没有可疑标记的记录返回 400 `not_flagged`。同一记录可多次核查,每次一条。"
        ),
        request=FlagReviewInputSerializer,
        responses={201: FlagReviewSerializer},
        examples=[
            error_example("not_flagged", "该记录没有可疑标记,无需核查。", "inspection"),
            error_example("permission_denied", "您的角色无权执行此操作。", status_codes=("403",)),
        ],
    )
    @action(detail=True, methods=["post"], url_path="reviews")
    def reviews(self, request, pk=None):
        inspection = self.get_object()
        body = FlagReviewInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = services.flag_review_add(by=request.user, inspection=inspection, note=body.validated_data["note"])
        return Response(FlagReviewSerializer(review).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------------
# Onboarding workbook


XLSX_OK = {(200, XLSX_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The workbook (.xlsx)")}


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
        summary=_("空白导入模板:中文表头、每个工作表一行示例和填写说明"),
        responses={**XLSX_OK, (401, "application/json"): ErrorSerializer},
    )
    def get(self, request):
        return file_response(onboarding.onboarding_template(), XLSX_MEDIA_TYPE, "导入模板.xlsx")


class EnterpriseOnboardingExportApi(APIView):
    renderer_classes = [JSONRenderer, XlsxRenderer]
    content_negotiation_class = JsonErrorsNegotiation

    @extend_schema(
        operation_id="v1_enterprises_onboarding_xlsx",
        summary=_("按导入格式导出企业的部门、岗位、人员、明白卡和检查表"),
        description=_("再次导入该工作簿不会改变任何数据(密码从不导出)。"),
        responses={
            **XLSX_OK,
            **{(code, "application/json"): ErrorSerializer for code in (401, 403, 404)},
        },
    )
    def get(self, request, pk):
        enterprise = access_enterprise(request.user, pk)
        role_required(request.user, enterprise.pk, SAFETY_MANAGER_ROLES)
        name = f"{enterprise.name}-导入.xlsx"
        return file_response(onboarding.onboarding_export(enterprise=enterprise), XLSX_MEDIA_TYPE, name)


class EnterpriseOnboardingImportApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary=_("从工作簿导入部门、岗位、人员、明白卡和检查表(管理员、主要负责人)"),
        description=_(
            "要么全部导入,要么都不导入;按部门名称、部门内的岗位名称、用户名和检查表名称匹配:再次导入即更新。"
            "`dry_run=true` 只检查并报告,不写入。工作簿有误时返回 400,`errors` 列出每个问题及其工作表、行和列;"
            "文件不是 .xlsx 工作簿或大于 ONBOARDING_MAX_BYTES 时返回 400,指明 `file`。"
        ),
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
        enterprise = access_enterprise(request.user, pk, write=True)
        upload = OnboardingUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        report = onboarding.onboarding_import(
            by=request.user,
            enterprise=enterprise,
            upload=upload.validated_data["file"],
            dry_run=upload.validated_data["dry_run"],
        )
        return Response(OnboardingReportSerializer(report).data)


# ---------------------------------------------------------------------------------------------
# Checklists from the risk register (双重预防)


class PostChecklistsFromControlsApi(APIView):
    @extend_schema(
        summary=_("按岗位负责的管控措施生成或更新岗位检查表(每个排查周期一张,安全管理人员)"),
        description=_(
            "每条管控措施成为一个检查项,检查项验证该措施;重大风险的措施检查异常时生成重大隐患。"
            "不再由本岗位负责的措施,其检查项停用(档案仍引用它们,不删除)。"
        ),
        request=None,
        responses={200: ChecklistTemplateSerializer(many=True)},
        examples=[error_example("no_controls", "该岗位没有负责的管控措施。", "post")],
    )
    def post(self, request, pk):
        templates = checklist_generate_from_controls(post=access_post(request.user, pk), by=request.user)
        templates = ChecklistTemplate.objects.filter(pk__in=[t.pk for t in templates]).prefetch_related(
            "posts", Prefetch("items", queryset=ChecklistItem.objects.filter(active=True))
        )
        return Response(ChecklistTemplateSerializer(templates, many=True, context={"request": request}).data)
