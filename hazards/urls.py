from django.urls import path
from rest_framework.routers import SimpleRouter

from hazards import views

router = SimpleRouter()
router.register("hazards", views.HazardViewSet, basename="hazard")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("judgment-standards", views.JudgmentStandardViewSet, basename="judgment-standard")
router.register("judgment-clauses", views.JudgmentClauseViewSet, basename="judgment-clause")
router.register("hazard-reports", views.PublicReportViewSet, basename="hazard-report")

urlpatterns = [
    # Before the router: "hazards/ledger/" is not a hazard's id.
    path("hazards/ledger/", views.LedgerImportApi.as_view(), name="hazard-ledger-import"),
    path("hazards/ledger.xlsx", views.LedgerXlsxApi.as_view(), name="hazard-ledger-xlsx"),
    path("hazards/ledger.pdf", views.LedgerPdfApi.as_view(), name="hazard-ledger-pdf"),
    path("hazard-photos/<int:pk>/display.jpg", views.HazardPhotoDisplayApi.as_view(), name="hazard-photo-display"),
    path("hazard-photos/<int:pk>/thumb.jpg", views.HazardPhotoThumbApi.as_view(), name="hazard-photo-thumb"),
    path("hazard-photos/<int:pk>/original", views.HazardPhotoOriginalApi.as_view(), name="hazard-photo-original"),
    # A public report's photo, for the triage queue's readers (the stored file is under /media/, served to nobody).
    path(
        "hazard-reports/<int:pk>/display.jpg",
        views.PublicReportPhotoDisplayApi.as_view(),
        name="hazard-report-display",
    ),
    path("hazard-reports/<int:pk>/thumb.jpg", views.PublicReportPhotoThumbApi.as_view(), name="hazard-report-thumb"),
    *router.urls,
]
