from django.contrib.auth import login
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from core.auth import JWTAuthentication, LoginSerializer, LogoutSerializer, RefreshSerializer, refresh_token_revoke
from core.schema import error_example
from core.serializers import ErrorSerializer
from orgs import filters, services
from orgs.models import CertificateKind, Department, Industry, Membership, Person, Post, Region, RegulatorScope
from orgs.selectors import access_post, certificates_visible_to, enterprises_readable_by, members_of, scope_to
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
    PostFenceSerializer,
    PostSerializer,
    RegionSerializer,
    post_fence,
)

THROTTLED = OpenApiResponse(ErrorSerializer, description="Too many login attempts; retry after `Retry-After` seconds.")
BAD_LOGIN = OpenApiResponse(ErrorSerializer, description="Wrong username or password, or an invalid token.")
POST_IN_USE = OpenApiResponse(ErrorSerializer, description="The post has inspections or published cards.")
LAST_ADMIN = OpenApiResponse(ErrorSerializer, description="The enterprise would be left without an admin.")

ENTERPRISE_UNKNOWN = error_example("invalid", "enterprise: 企业不存在。", "enterprise")
READ_ONLY = error_example("permission_denied", "监管人员只能查看,不能修改。", status_codes=("403",))


class LoginApi(TokenObtainPairView):
    # Failed logins are counted per address and per username by django-axes (core.auth), not here.
    serializer_class = LoginSerializer

    @extend_schema(
        summary=_("登录:用用户名和密码换取访问令牌和刷新令牌"),
        request=TokenObtainPairSerializer,
        description=_(
            "同一地址登录失败 `LOGIN_FAILURE_LIMIT` 次后,或同一用户名在任何地方登录失败这么多次后,"
            "该地址或用户名在 `LOGIN_LOCKOUT_MINUTES` 内被拒绝,返回 429。"
        ),
        responses={200: TokenObtainPairSerializer, 401: BAD_LOGIN, 429: THROTTLED},
        examples=[
            OpenApiExample("login", value={"username": "worker", "password": "mingbai-demo"}, request_only=True),
            error_example("no_active_account", "找不到指定凭据对应的有效用户", status_codes=("401",)),
            error_example("throttled", "登录尝试过于频繁,请 15 分钟后再试。", status_codes=("429",)),
        ],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class RefreshApi(TokenRefreshView):
    serializer_class = RefreshSerializer
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        summary=_("用刷新令牌换取新的访问令牌和下一个刷新令牌,原刷新令牌随即作废"),
        request=TokenRefreshSerializer,
        description=_("刷新令牌只能使用一次;其人员修改密码或被停用后,刷新令牌也会被拒绝(401)。"),
        responses={200: TokenRefreshSerializer, 401: BAD_LOGIN, 429: THROTTLED},
        examples=[error_example("token_not_valid", "令牌无效或已过期。", status_codes=("401",))],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class SessionTokenApi(APIView):
    """One login serves the phone page and the supervisor pages (issue 14): a browser logged in to the
    pages (session cookie, CSRF header) gets the phone page's token pair without a second login."""

    authentication_classes = [SessionAuthentication]  # enforces CSRF on this POST
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        summary=_("用页面登录(会话)换取手机页面的访问令牌和刷新令牌"),
        description=_("须带会话 Cookie 和 X-CSRFToken 请求头;未登录或缺少 CSRF 令牌时返回 403。"),
        request=None,
        responses={200: TokenObtainPairSerializer, 403: ErrorSerializer, 429: THROTTLED},
        examples=[error_example("not_authenticated", "身份认证信息未提供。", status_codes=("403",))],
    )
    def post(self, request):
        refresh = LoginSerializer.get_token(request.user)
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})


class TokenSessionApi(APIView):
    """The other way: the phone page, logged in with its token, opens a session for the supervisor
    pages (/, /m/...). A bearer header cannot be sent by another site, so no CSRF token is needed."""

    authentication_classes = [JWTAuthentication]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        summary=_("用访问令牌为页面登录(建立会话)"),
        description=_(
            "手机页面用令牌登录后,为首页和管理页面建立会话;令牌放在请求头中,其他网站无法代发,无需 CSRF 令牌。"
        ),
        request=None,
        responses={204: None, 401: BAD_LOGIN, 429: THROTTLED},
    )
    def post(self, request):
        login(request._request, request.user, backend="django.contrib.auth.backends.ModelBackend")
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutApi(APIView):
    """Log out of the phone page: its refresh token is revoked. No login is needed (an expired access
    token must not stop a logout), and the answer is the same whatever the token was."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        summary=_("退出登录:作废刷新令牌"),
        description=_(
            "作废所给的刷新令牌,此后用它换取访问令牌返回 401;令牌已过期、已作废或无效时同样返回 204。"
            "访问令牌在其几分钟有效期内仍可使用。"
        ),
        request=LogoutSerializer,
        responses={204: None, 400: ErrorSerializer, 429: THROTTLED},
    )
    def post(self, request):
        body = LogoutSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        refresh_token_revoke(body.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(summary=_("当前登录人员及其所属企业、监管范围和岗位"), responses=MeSerializer)
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
    list=extend_schema(summary=_("行政区划(GB/T 2260)")),
    retrieve=extend_schema(summary=_("单个行政区划")),
)
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    filterset_class = filters.RegionFilter


@extend_schema_view(
    list=extend_schema(summary=_("行业(GB/T 4754)及其高危行业标记")),
    retrieve=extend_schema(summary=_("单个行业")),
)
class IndustryViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Industry.objects.all()
    serializer_class = IndustrySerializer
    filterset_class = filters.IndustryFilter


@extend_schema_view(
    list=extend_schema(summary=_("调用者可见的企业(企业人员:本企业;监管人员:监管范围内的企业)")),
    retrieve=extend_schema(summary=_("单个企业")),
    create=extend_schema(
        summary=_("登记企业(仅限系统管理员)"),
        examples=[error_example("invalid", "credit_code: 统一社会信用代码校验位错误。", "credit_code")],
    ),
    update=extend_schema(summary=_("替换企业信息(本企业管理员或主要负责人)"), examples=[READ_ONLY]),
    partial_update=extend_schema(summary=_("修改企业信息(本企业管理员或主要负责人)")),
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
        return enterprises_readable_by(self.request.user).select_related("region", "industry")

    def perform_create(self, serializer):
        serializer.instance = services.enterprise_create(by=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.enterprise_update(
            enterprise=serializer.instance, by=self.request.user, data=serializer.validated_data
        )


@extend_schema_view(
    list=extend_schema(summary=_("调用者可见企业的部门")),
    retrieve=extend_schema(summary=_("单个部门")),
    create=extend_schema(summary=_("新增部门(管理员或主要负责人)"), examples=[ENTERPRISE_UNKNOWN, READ_ONLY]),
    update=extend_schema(summary=_("重命名部门")),
    partial_update=extend_schema(summary=_("重命名部门")),
    destroy=extend_schema(summary=_("删除部门;其岗位保留,不再属于任何部门")),
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
    list=extend_schema(summary=_("调用者可见企业的岗位")),
    retrieve=extend_schema(summary=_("单个岗位")),
    create=extend_schema(
        summary=_("新增岗位(管理员或主要负责人)"),
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
    update=extend_schema(summary=_("替换岗位及其所属部门和在岗人员")),
    partial_update=extend_schema(summary=_("修改岗位,如在岗人员或风险等级")),
    destroy=extend_schema(
        summary=_("删除没有档案记录的岗位"),
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


# A post's electronic fence (电子围栏): set and removed by the enterprise's safety managers; read as
# `fence` of the post. Its own route, so that the roles of the fence stay apart from the post's.
class PostFenceApi(APIView):
    @extend_schema(
        summary=_("设置或移动岗位的电子围栏(安全管理人员)"),
        description=_(
            "围栏为 WGS-84 坐标的圆(手机浏览器给出的坐标;国内地图应用显示的 GCJ-02 坐标偏差数百米,不能直接使用)。"
            "设有围栏的岗位,检查记录保存提交时手机的位置:距离减去定位精度大于半径的记录标记为在围栏外,"
            "没有位置的记录标记为无位置;记录照常保存。"
        ),
        request=PostFenceSerializer,
        responses={200: PostFenceSerializer},
        examples=[
            OpenApiExample("fence", value={"latitude": 30.391457, "longitude": 114.894313, "radius_m": 200}),
            error_example("invalid", "radius_m: 请确保该值大于或者等于 10。", "radius_m"),
            error_example("permission_denied", "您的角色无权执行此操作。", status_codes=("403",)),
        ],
    )
    def put(self, request, pk):
        post = access_post(request.user, pk, write=True)
        serializer = PostFenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = services.post_fence_set(post=post, by=request.user, **serializer.validated_data)
        return Response(post_fence(post))

    @extend_schema(summary=_("取消岗位的电子围栏(安全管理人员);此后的检查记录不再保存位置"), responses={204: None})
    def delete(self, request, pk):
        post = access_post(request.user, pk, write=True)
        services.post_fence_clear(post=post, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary=_("调用者可见企业的成员(人员及角色)")),
    retrieve=extend_schema(summary=_("单个成员")),
    create=extend_schema(
        summary=_(
            "添加成员:新人员填写姓名、手机号和密码;已有人员只填用户名,须不属于其他企业、没有监管范围且不是平台工作人员"
        ),
        description=_(
            "其他已存在的用户名与不存在的用户名答复完全相同(要求填写新人员的信息);新人员的用户名已被占用(不区分大小写)"
            "时返回 400 `username_taken`。"
        ),
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
        summary=_("修改成员角色"),
        request=MemberUpdateSerializer,
        responses={200: MemberSerializer, 409: LAST_ADMIN},
    ),
    partial_update=extend_schema(
        summary=_("修改成员角色"),
        request=MemberUpdateSerializer,
        responses={200: MemberSerializer, 409: LAST_ADMIN},
    ),
    destroy=extend_schema(summary=_("将成员移出企业(并移出其岗位)"), responses={204: None, 409: LAST_ADMIN}),
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
        return Response(
            MemberSerializer(self.get_queryset().get(pk=membership.pk)).data, status=status.HTTP_201_CREATED
        )

    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        membership = services.membership_update(
            membership=serializer.instance, by=request.user, data=serializer.validated_data
        )
        return Response(MemberSerializer(self.get_queryset().get(pk=membership.pk)).data)

    def perform_destroy(self, instance):
        services.membership_delete(membership=instance, by=self.request.user)


@extend_schema_view(
    list=extend_schema(summary=_("岗位可要求的证书类型(特种作业和特种设备类别)")),
    retrieve=extend_schema(summary=_("单个证书类型")),
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
    list=extend_schema(summary=_("调用者可见企业的人员证书(持证上岗)")),
    retrieve=extend_schema(summary=_("单个证书")),
    create=extend_schema(
        summary=_("登记人员证书(安全管理人员)"),
        examples=[CERTIFICATE_EXAMPLE, error_example("unique", "该证书编号已登记。", "number"), READ_ONLY],
    ),
    partial_update=extend_schema(summary=_("更正证书或登记换证(新的 expires_on)")),
    destroy=extend_schema(summary=_("删除误登记的证书")),
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
