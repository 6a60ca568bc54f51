from django.urls import path
from rest_framework.routers import SimpleRouter

from risks import views

router = SimpleRouter()
router.register("risk-points", views.RiskPointViewSet, basename="risk-point")
router.register("hazard-sources", views.HazardSourceViewSet, basename="hazard-source")
router.register("risk-controls", views.ControlViewSet, basename="risk-control")

urlpatterns = [
    path("enterprises/<int:pk>/risk-bands/", views.RiskBandsApi.as_view(), name="risk-bands"),
    path("enterprises/<int:pk>/site-plan/", views.SitePlanApi.as_view(), name="site-plan"),
    path("enterprises/<int:pk>/risk-map.svg", views.RiskMapSvgApi.as_view(), name="risk-map-svg"),
    *router.urls,
]
