"""The Celery app. Configuration comes from Django settings (CELERY_* names).

Start a worker with `celery -A workers worker -Q cpu,gpu`, and one beat (`celery -A workers beat`)
for the periodic sweep of stale jobs (`make run` embeds it in its worker with -B).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings.local")

app = Celery("chromoenhancer", include=["workers.tasks", "workers.training", "workers.sweep"])
app.config_from_object("django.conf:settings", namespace="CELERY")
