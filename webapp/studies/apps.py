from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "webapp.studies"
    verbose_name = "Blinded rating studies"
    default_auto_field = "django.db.models.BigAutoField"
