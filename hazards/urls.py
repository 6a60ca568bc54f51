from rest_framework.routers import SimpleRouter

from hazards import views

router = SimpleRouter()
router.register("hazards", views.HazardViewSet, basename="hazard")
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = router.urls
