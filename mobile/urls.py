"""Pages, not API: the phone page a QR code opens, and the supervisor pages (routed at the top level)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from mobile import views

urlpatterns = [
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
    path("m/login/", views.LoginView.as_view(), name="mobile-login"),
    path("m/logout/", auth_views.LogoutView.as_view(next_page="mobile-login"), name="mobile-logout"),
]
