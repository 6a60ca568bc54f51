from django.urls import path

from qr import risk_views, views

urlpatterns = [
    path("posts/<int:pk>/qr.png", views.PostQrPngApi.as_view(), name="post-qr-png"),
    path("posts/<int:pk>/qr.svg", views.PostQrSvgApi.as_view(), name="post-qr-svg"),
    path("posts/<int:pk>/rotate-qr/", views.PostQrRotateApi.as_view(), name="post-qr-rotate"),
    path("scan/<str:token>/", views.QrScanApi.as_view(), name="qr-scan"),
    path("enterprises/<int:pk>/cards.pdf", views.EnterpriseCardsPdfApi.as_view(), name="enterprise-cards-pdf"),
    path("card-sheets/<int:pk>/", views.CardSheetApi.as_view(), name="card-sheet"),
    path("risk-points/<int:pk>/notice.pdf", risk_views.RiskNoticePdfApi.as_view(), name="risk-notice-pdf"),
    path("enterprises/<int:pk>/risk-map.pdf", risk_views.RiskMapPdfApi.as_view(), name="risk-map-pdf"),
]
