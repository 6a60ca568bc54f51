from django.urls import path
from rest_framework.routers import SimpleRouter

from checklists import views

router = SimpleRouter()
router.register("templates", views.TemplateViewSet, basename="template")
router.register("inspections", views.InspectionViewSet, basename="inspection")

urlpatterns = [
    path("posts/<int:pk>/due/", views.PostDueApi.as_view(), name="post-due"),
    path(
        "posts/<int:pk>/checklists/from-controls/",
        views.PostChecklistsFromControlsApi.as_view(),
        name="post-checklists-from-controls",
    ),
    path("photos/", views.PhotoUploadApi.as_view(), name="photo-upload"),
    path("photos/<int:pk>/", views.PhotoDetailApi.as_view(), name="photo-detail"),
    path("photos/<int:pk>/display.jpg", views.PhotoDisplayApi.as_view(), name="photo-display"),
    path("photos/<int:pk>/thumb.jpg", views.PhotoThumbApi.as_view(), name="photo-thumb"),
    path("photos/<int:pk>/original", views.PhotoOriginalApi.as_view(), name="photo-original"),
    path("onboarding/template.xlsx", views.OnboardingTemplateApi.as_view(), name="onboarding-template"),
    path(
        "enterprises/<int:pk>/onboarding.xlsx", views.EnterpriseOnboardingExportApi.as_view(), name="onboarding-export"
    ),
    path("enterprises/<int:pk>/onboarding/", views.EnterpriseOnboardingImportApi.as_view(), name="onboarding-import"),
    *router.urls,
]
