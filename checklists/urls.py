from django.urls import path
from rest_framework.routers import SimpleRouter

from checklists import views

router = SimpleRouter()
router.register("templates", views.TemplateViewSet, basename="template")
router.register("inspections", views.InspectionViewSet, basename="inspection")

urlpatterns = [
    path("posts/<int:pk>/due/", views.PostDueApi.as_view(), name="post-due"),
    path("photos/", views.PhotoUploadApi.as_view(), name="photo-upload"),
    path("photos/<int:pk>/", views.PhotoDetailApi.as_view(), name="photo-detail"),
    *router.urls,
]
