from django.apps import AppConfig


class HazardsConfig(AppConfig):
    name = "hazards"
    verbose_name = "隐患与通知"

    def ready(self):
        # Failed inspection items open hazards inside the submission's transaction. checklists sits
        # below hazards in the dependency order, so hazards registers itself with it here.
        from checklists.services import inspection_on_store
        from hazards.services import hazards_open_from_inspection

        inspection_on_store(hazards_open_from_inspection)
