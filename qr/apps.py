from django.apps import AppConfig


class QrConfig(AppConfig):
    name = "qr"
    verbose_name = "二维码"
