from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from core.schema import error_example
from core.serializers import ErrorSerializer
from orgs import filters, services
from orgs.models import CertificateKind, Department, Industry, Membership, Person, Post, Region, RegulatorScope
from orgs.selectors import certificates_visible_to, members_of, scope_to, visible_enterprises
from orgs.serializers import (
    CertificateKindSerializer,
    CertificateSerializer,
    DepartmentSerializer,
    EnterpriseSerializer,
    IndustrySerializer,
    MemberCreateSerializer,
    MemberSerializer,
    MemberUpdateSerializer,
    MeSerializer,
    PostSerializer,
    RegionSerializer,
)

THROTTLED = OpenApiResponse(ErrorSerializer, description="Too many login attempts; retry after `Retry-After` seconds.")
BAD_LOGIN = OpenApiResponse(ErrorSerializer, description="Wrong username or password, or an invalid token.")
POST_IN_USE = OpenApiResponse(ErrorSerializer, description="The post has inspections or published cards.")
LAST_ADMIN = OpenApiResponse(ErrorSerializer, description="The enterprise would be left without an admin.")

ENTERPRISE_UNKNOWN = error_example("invalid", "enterprise: 企业不存在。", "enterprise")
READ_ONLY = error_example("permission_denied", "监管人员只能查看,不能修改。", status_codes=("403",))


class LoginApi(TokenObtainPairView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        summary="Log in: a username and password for an access and a refresh token",
        responses={200: TokenObtainPairSerializer, 401: BAD_LOGIN, 429: THROTTLED},
        examples=[
            OpenApiExample("login", value={"username": "worker", "password": "mingbai-demo"}, request_only=True),
            error_example("no_active_account", "找不到指定凭据对应的有效用户", status_codes=("401",)),
        ],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class RefreshApi(TokenRefreshView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        summary="A new access token for a refresh token",
        responses={200: TokenRefreshSerializer, 401: BAD_LOGIN, 429: THROTTLED},
        examples=[error_example("token_not_valid", "令牌无效或已过期", status_codes=("401",))],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class MeApi(APIView):
    @extend_schema(
        summary="The logged-in person, their memberships, regulator scopes and posts", responses=MeSerializer
    )
    def get(self, request):
        # Three queries whatever the number of memberships, scopes and posts (the person is loaded).
        person = request.user
        prefetch_related_objects(
            [person],
            Prefetch("memberships", queryset=Membership.objects.select_related("enterprise")),
            Prefetch("regulator_scopes", queryset=RegulatorScope.objects.select_related("region", "industry")),
            Prefetch("posts_held", queryset=Post.objects.order_by("enterprise_id", "id")),
        )
        return Response(MeSerializer(person).data)


@extend_schema_view(
    list=extend_schema(summary="Regions (GB/T 2260)"),
    retrieve=extend_schema(summary="One region"),
)
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    filterset_class = filters.RegionFilter


@extend_schema_view(
    list=extend_schema(summary="Industries (GB/T 4754) with their high-risk flag"),
    retrieve=extend_schema(summary="One industry"),
)
class IndustryViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Industry.objects.all()
    serializer_class = IndustrySerializer
    filterset_class = filters.IndustryFilter


@extend_schema_view(
    list=extend_schema(summary="Enterprises the caller may see (members: their own; regulators: their scope)"),
    retrieve=extend_schema(summary="One enterprise"),
    create=extend_schema(
        summary="Register an enterprise (system administrators only)",
        examples=[error_example("invalid", "credit_code: 统一社会信用代码校验位错误。", "credit_code")],
    ),
    update=extend_schema(summary="Replace an enterprise's details (its admin or principal)", examples=[READ_ONLY]),
    partial_update=extend_schema(summary="Change an enterprise's details (its admin or principal)"),
)
class EnterpriseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = EnterpriseSerializer
    filterset_class = filters.EnterpriseFilter

    def get_queryset(self):
        return visible_enterprises(self.request.user).select_related("region", "industry")

    def perform_create(self, serializer):
        serializer.instance = services.enterprise_create(by=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.enterprise_update(
            enterprise=serializer.instance, by=self.request.user, data=serializer.validated_data
        )


@extend_schema_view(
    list=extend_schema(summary="Departments of the enterprises the caller may see"),
    retrieve=extend_schema(summary="One department"),
    create=extend_schema(summary="Add a department (admin or principal)", examples=[ENTERPRISE_UNKNOWN, READ_ONLY]),
    update=extend_schema(summary="Rename a department"),
    partial_update=extend_schema(summary="Rename a department"),
    destroy=extend_schema(summary="Delete a department; its posts stay, without a department"),
)
class DepartmentViewSet(viewsets.ModelViewSet):
    serializer_class = DepartmentSerializer
    filterset_class = filters.DepartmentFilter

    def get_queryset(self):
        return scope_to(self.request.user, Department.objects.all())

    def perform_create(self, serializer):
        serializer.instance = services.department_create(by=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.department_update(
            department=serializer.instance, by=self.request.user, data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.department_delete(department=instance, by=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="Posts (岗位) of the enterprises the caller may see"),
    retrieve=extend_schema(summary="One post"),
    create=extend_schema(
        summary="Add a post (admin or principal)",
        examples=[
            OpenApiExample(
                "post",
                value={
                    "enterprise": 1,
                    "department": 2,
                    "name": "反应釜操作岗",
                    "risk_level": "orange",
                    "holders": [5],
                },
                request_only=True,
            ),
            error_example("not_a_member", "以下人员不是该企业的成员:42", "holders"),
            ENTERPRISE_UNKNOWN,
        ],
    ),
    update=extend_schema(summary="Replace a post, its department and holders"),
    partial_update=extend_schema(summary="Change a post, e.g. its holders or risk level"),
    destroy=extend_schema(
        summary="Delete a post that has no archive records",
        responses={204: None, 409: POST_IN_USE},
        examples=[error_example("conflict", "该岗位已有检查记录或已发布的明白卡,不能删除。", status_codes=("409",))],
    ),
)
class PostViewSet(viewsets.ModelViewSet):
    serializer_class = PostSerializer
    filterset_class = filters.PostFilter

    def get_queryset(self):
        holders = Prefetch("holders", queryset=Person.objects.only("id"))
        kinds = Prefetch("required_certificate_kinds", queryset=CertificateKind.objects.only("id"))
        return scope_to(self.request.user, Post.objects.select_related("department").prefetch_related(holders, kinds))

    def perform_create(self, serializer):
        serializer.instance = services.post_create(by=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.post_update(
            post=serializer.instance, by=self.request.user, data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.post_delete(post=instance, by=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="Members (people and roles) of the enterprises the caller may see"),
    retrieve=extend_schema(summary="One membership"),
    create=extend_schema(
        summary="Add a member: an existing username, or a new person with name, phone and password",
        request=MemberCreateSerializer,
        responses={201: MemberSerializer},
        examples=[
            OpenApiExample(
                "new person",
                value={
                    "enterprise": 1,
                    "role": "worker",
                    "username": "zhangsan",
                    "name": "张三",
                    "phone": "13800000000",
                    "password": "a-long-password",
                },
                request_only=True,
            ),
            OpenApiExample(
                "existing person", value={"enterprise": 1, "role": "worker", "username": "lisi"}, request_only=True
            ),
        ],
    ),
    update=extend_schema(
        summary="Change a member's role",
        request=MemberUpdateSerializer,
        responses={200: MemberSerializer, 409: LAST_ADMIN},
    ),
    partial_update=extend_schema(
        summary="Change a member's role",
        request=MemberUpdateSerializer,
        responses={200: MemberSerializer, 409: LAST_ADMIN},
    ),
    destroy=extend_schema(
        summary="Remove a member from the enterprise (and from its posts)", responses={204: None, 409: LAST_ADMIN}
    ),
)
class MemberViewSet(viewsets.ModelViewSet):
    filterset_class = filters.MemberFilter

    def get_queryset(self):
        return members_of(self.request.user)

    def get_serializer_class(self):
        return {"create": MemberCreateSerializer, "update": MemberUpdateSerializer}.get(
            "update" if self.action == "partial_update" else self.action, MemberSerializer
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_create(by=request.user, data=serializer.validated_data)
        return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        membership = services.membership_update(
            membership=serializer.instance, by=request.user, data=serializer.validated_data
        )
        return Response(MemberSerializer(membership).data)

    def perform_destroy(self, instance):
        services.membership_delete(membership=instance, by=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="Certificate kinds (特种作业 and 特种设备 categories) a post can require"),
    retrieve=extend_schema(summary="One certificate kind"),
)
class CertificateKindViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = CertificateKind.objects.all()
    serializer_class = CertificateKindSerializer
    pagination_class = None  # a short national catalogue


CERTIFICATE_EXAMPLE = OpenApiExample(
    "certificate",
    value={
        "enterprise": 1,
        "person": 5,
        "kind": 9,
        "number": "T420700198001011234",
        "issued_on": "2022-03-01",
        "expires_on": "2028-02-29",
    },
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(summary="Workers' certificates (持证上岗) of the enterprises the caller may see"),
    retrieve=extend_schema(summary="One certificate"),
    create=extend_schema(
        summary="Record a worker's certificate (safety managers)",
        examples=[CERTIFICATE_EXAMPLE, error_example("unique", "该证书编号已登记。", "number"), READ_ONLY],
    ),
    partial_update=extend_schema(summary="Correct a certificate or record its renewal (new expires_on)"),
    destroy=extend_schema(summary="Delete a certificate recorded by mistake"),
)
class CertificateViewSet(viewsets.ModelViewSet):
    serializer_class = CertificateSerializer
    filterset_class = filters.CertificateFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return certificates_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.certificate_create(by=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.certificate_update(
            certificate=serializer.instance, by=self.request.user, data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.certificate_delete(certificate=instance, by=self.request.user)
