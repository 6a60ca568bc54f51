from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "公共"

    def ready(self):
        from core import (
            auth,  # noqa: F401  (ends a person's tokens when the password changes)
            checks,  # noqa: F401  (registers the deploy checks)
        )
