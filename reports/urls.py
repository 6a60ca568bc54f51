from django.urls import path  # noqa: F401

from reports import views

urlpatterns = [
    path("stats/", views.StatsApi.as_view(), name="stats"),
    path("stats.xlsx", views.StatsXlsxApi.as_view(), name="stats-xlsx"),
]
