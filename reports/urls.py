from django.urls import path

from reports import views

urlpatterns = [
    path("stats/", views.StatsApi.as_view(), name="stats"),
    path("stats.xlsx", views.StatsXlsxApi.as_view(), name="stats-xlsx"),
]
