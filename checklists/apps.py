from django.apps import AppConfig


class ChecklistsConfig(AppConfig):
    name = "checklists"
    verbose_name = "检查与档案"

    def ready(self):
        from checklists.expected import connect_history_signals

        connect_history_signals()
