"""The Celery app, configured from Django settings (CELERY_* names), as cookiecutter-django does.

The web process only sends tasks by name (`webapp.core.queue`); the task adapters live in the
`workers` package and are imported by the worker alone (CELERY_IMPORTS). Start a worker with
`celery -A webapp worker -Q cpu,gpu`, and one beat (`celery -A webapp beat`) for the periodic sweep
of stale work (`make run` embeds it in its worker with -B).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings.local")

app = Celery("chromoenhancer")
app.config_from_object("django.conf:settings", namespace="CELERY")
