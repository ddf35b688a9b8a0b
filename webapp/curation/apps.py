from django.apps import AppConfig


class CurationConfig(AppConfig):
    name = "webapp.curation"
    verbose_name = "Curation, training and models"
    default_auto_field = "django.db.models.BigAutoField"
