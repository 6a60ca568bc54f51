from django.urls import path
from rest_framework.routers import SimpleRouter

from reports import views

router = SimpleRouter()
router.register("reviews/daily", views.DailyReviewViewSet, basename="daily-review")
router.register("reports/weekly", views.WeeklyReportViewSet, basename="weekly-report")
router.register("dispatches", views.MonthlyDispatchViewSet, basename="dispatch")

urlpatterns = [
    path("reviews/daily/log/", views.DayLogApi.as_view(), name="daily-review-log"),
    path("reports/weekly/<int:pk>.xlsx", views.WeeklyXlsxApi.as_view(), name="weekly-report-xlsx"),
    path("reports/weekly/<int:pk>.pdf", views.WeeklyPdfApi.as_view(), name="weekly-report-pdf"),
    path("dispatches/<int:pk>.xlsx", views.DispatchXlsxApi.as_view(), name="dispatch-xlsx"),
    path("dispatches/<int:pk>.pdf", views.DispatchPdfApi.as_view(), name="dispatch-pdf"),
    path("stats/", views.StatsApi.as_view(), name="stats"),
    path("stats.xlsx", views.StatsXlsxApi.as_view(), name="stats-xlsx"),
    *router.urls,
]
