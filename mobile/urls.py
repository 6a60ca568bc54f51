"""Pages, not API: the phone page a QR code opens, and the supervisor pages (routed at the top level)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from mobile import views

urlpatterns = [
    path("s/<str:token>", views.scan_page, name="mobile-scan"),
    path("m/hazards/", views.hazard_board, name="mobile-hazard-board"),
    path("m/login/", views.LoginView.as_view(), name="mobile-login"),
    path("m/logout/", auth_views.LogoutView.as_view(next_page="mobile-login"), name="mobile-logout"),
]
