from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.metrics import metrics_view
from core.views import healthz
from hazards.pages import public_report_page

api_v1 = [
    path("", include("orgs.urls")),
    path("", include("risks.urls")),
    path("", include("cards.urls")),
    path("", include("checklists.urls")),
    path("", include("hazards.urls")),
    path("", include("reports.urls")),
    path("", include("qr.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("s/<str:token>/report", public_report_page, name="public-report"),  # 有奖举报 from the card
    path("", include("mobile.urls")),  # phone and supervisor pages: /s/<token>, /m/...
]

handler404 = "core.errors.json_not_found"
handler500 = "core.errors.json_server_error"
