from rest_framework.routers import SimpleRouter

from hazards import views

router = SimpleRouter()
router.register("hazards", views.HazardViewSet, basename="hazard")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("judgment-standards", views.JudgmentStandardViewSet, basename="judgment-standard")
router.register("judgment-clauses", views.JudgmentClauseViewSet, basename="judgment-clause")

urlpatterns = router.urls
