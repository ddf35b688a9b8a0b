"""Send a task once the database transaction commits, without failing the request when Redis is down.

The row is committed either way; when the broker cannot be reached the message is not sent now,
and `workers.sweep` sends it when beat next finds the job still queued.
"""

import logging

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)


def send_on_commit(task: Task, **kwargs) -> None:
    """`task.apply_async(kwargs=kwargs)` after commit; a broker outage is logged, not raised."""

    def send() -> None:
        try:
            task.apply_async(kwargs=kwargs)
        except OperationalError as exc:
            log.warning("broker unreachable, %s(%s) left for the sweep: %s", task.name, kwargs, exc)

    transaction.on_commit(send)
