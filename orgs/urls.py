from django.urls import path
from rest_framework.routers import SimpleRouter

from orgs import views

router = SimpleRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("industries", views.IndustryViewSet, basename="industry")
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("posts", views.PostViewSet, basename="post")
router.register("members", views.MemberViewSet, basename="member")
router.register("certificate-kinds", views.CertificateKindViewSet, basename="certificate-kind")
router.register("certificates", views.CertificateViewSet, basename="certificate")

urlpatterns = [
    path("auth/token/", views.LoginApi.as_view(), name="auth-token"),
    path("auth/refresh/", views.RefreshApi.as_view(), name="auth-refresh"),
    path("auth/session-token/", views.SessionTokenApi.as_view(), name="auth-session-token"),
    path("auth/session/", views.TokenSessionApi.as_view(), name="auth-session"),
    path("auth/logout/", views.LogoutApi.as_view(), name="auth-logout"),
    path("me/", views.MeApi.as_view(), name="me"),
    path("posts/<int:pk>/fence/", views.PostFenceApi.as_view(), name="post-fence"),
    *router.urls,
]
