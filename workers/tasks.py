"""Celery tasks: thin adapters that load a row, call `enhancer`, store the result."""

from celery import shared_task

from webapp.core.models import Heartbeat


@shared_task(bind=True, name="workers.tasks.heartbeat")
def heartbeat(self) -> None:
    """Record which worker consumed this message from which queue."""
    queue = (self.request.delivery_info or {}).get("routing_key") or "unknown"
    Heartbeat.objects.create(queue=queue, hostname=self.request.hostname or "unknown")
