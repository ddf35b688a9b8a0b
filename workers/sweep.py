"""The periodic sweep (Celery beat): unfinished work whose message was lost is sent again."""

from celery import shared_task

from webapp.core import queue, sweep


@shared_task(name=queue.SWEEP)
def sweep_stale() -> dict[str, int]:
    """Re-send jobs, training runs, comparisons and datasets that have not moved for longer than their timeout."""
    return sweep.sweep_stale()
