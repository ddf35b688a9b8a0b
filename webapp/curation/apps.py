from django.apps import AppConfig
from django.db.models.signals import pre_save


class CurationConfig(AppConfig):
    name = "webapp.curation"
    verbose_name = "Curation, training and models"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .active_model import record_queued_model

        pre_save.connect(
            record_queued_model, sender="cases.EnhancementJob", dispatch_uid="record_queued_model"
        )
