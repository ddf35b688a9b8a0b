"""ChromoEnhancer web application (Django project) and the configuration of its Celery app."""

from .celery import app as celery_app

__all__ = ["celery_app"]
