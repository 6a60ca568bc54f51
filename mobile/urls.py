"""Pages, not API: the phone page a QR code opens, and the supervisor pages (routed at the top level)."""

from django.urls import path

from mobile import risk_views, views, views_hazards, views_home, views_reports

urlpatterns = [
    path("", views_home.home, name="home"),
    path("m/", views_home.home_redirect, name="mobile-home"),
    path("m/posts/", views_home.posts_list, name="mobile-posts"),
    path("m/hazards/<int:pk>/", views_hazards.hazard_detail, name="mobile-hazard"),
    path("m/photos/<int:pk>.jpg", views_hazards.photo_jpeg, name="mobile-photo"),
    path("m/weekly/", views_reports.weekly_list, name="mobile-weekly"),
    path("m/weekly/<int:pk>/", views_reports.weekly_detail, name="mobile-weekly-report"),
    path("m/weekly/<int:pk>.xlsx", views_reports.weekly_file, {"extension": "xlsx"}, name="mobile-weekly-xlsx"),
    path("m/weekly/<int:pk>.pdf", views_reports.weekly_file, {"extension": "pdf"}, name="mobile-weekly-pdf"),
    path("m/weekly/generate/", views_reports.weekly_generate, name="mobile-weekly-generate"),
    path("m/dispatches/generate/", views_reports.dispatch_generate, name="mobile-dispatch-generate"),
    path("m/dispatches/<int:pk>/write/", views_reports.dispatch_write, name="mobile-dispatch-write"),
    path("s/sw.js", views.scan_worker, name="mobile-scan-worker"),  # before the tokens: none has a dot
    path("s/<str:token>", views.scan_page, name="mobile-scan"),
    path("m/hazards/", views.hazard_board, name="mobile-hazard-board"),
    path("m/daily/", views.daily_log, name="mobile-daily"),
    path("m/daily/looked-at/", views.daily_flag_review, name="mobile-daily-flag-review"),
    path("m/dispatches/", views.dispatch_list, name="mobile-dispatches"),
    path("m/dispatches/<int:pk>/", views.dispatch_detail, name="mobile-dispatch"),
    path("m/dispatches/<int:pk>.xlsx", views.dispatch_file, {"extension": "xlsx"}, name="mobile-dispatch-xlsx"),
    path("m/dispatches/<int:pk>.pdf", views.dispatch_file, {"extension": "pdf"}, name="mobile-dispatch-pdf"),
    path("m/region/", views.region_view, name="mobile-region"),
    path("m/region/stats.xlsx", views.region_xlsx, name="mobile-region-xlsx"),
    path("r/<str:token>", risk_views.risk_point_page, name="mobile-risk-point"),
    path("m/risk-map/<int:pk>/", risk_views.risk_map_page, name="mobile-risk-map"),
    path("m/login/", views.LoginView.as_view(), name="mobile-login"),
    path("m/logout/", views.LogoutView.as_view(), name="mobile-logout"),
]
