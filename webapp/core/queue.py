"""Work for the Celery workers, sent by task name: the names, the queue of each, and sending.

The web app never imports the `workers` package: a worker registers its task adapters under these
names (CELERY_IMPORTS), and the router below puts each on its queue. Tasks are sent only after the
database transaction commits; job state lives in the database, so a message lost with a broker that
was down is sent again by the sweep (`webapp.core.sweep`).
"""

import logging
from typing import Any

from django.db import transaction
from kombu.exceptions import OperationalError

from webapp.celery import app

log = logging.getLogger(__name__)

HEARTBEAT = "workers.tasks.heartbeat"
SLICE = "workers.tasks.slice_karyogram"
ENHANCE = "workers.tasks.enhance_cells"
REASSEMBLE = "workers.tasks.reassemble"
COUNT_CELLS = "workers.training.count_dataset_cells"
TRAIN = "workers.training.train_model"
EVALUATE = "workers.training.evaluate_model"
EVALUATE_VERSION = "workers.training.evaluate_version"
COMPARE = "workers.comparison.compare_models"
SWEEP = "workers.sweep.sweep_stale"

QUEUE_OF = {
    HEARTBEAT: "cpu",
    SLICE: "cpu",
    ENHANCE: "gpu",
    REASSEMBLE: "cpu",
    COUNT_CELLS: "cpu",
    TRAIN: "gpu",
    EVALUATE: "gpu",
    EVALUATE_VERSION: "gpu",
    COMPARE: "cpu",
    SWEEP: "cpu",
}


def route(name: str, args: Any = None, kwargs: Any = None, options: Any = None, **rest) -> dict | None:
    """Celery router (CELERY_TASK_ROUTES): the queue of a task named above; None for any other."""
    return {"queue": QUEUE_OF[name]} if name in QUEUE_OF else None


def send(name: str, **kwargs) -> None:
    """Send the task `name` with keyword arguments now (raises when the broker cannot be reached)."""
    app.send_task(name, kwargs=kwargs)


def send_on_commit(name: str, **kwargs) -> None:
    """`send` once the transaction commits; a broker outage is logged, not raised (the sweep sends it)."""

    def send_logged() -> None:
        try:
            send(name, **kwargs)
        except OperationalError as exc:
            log.warning("broker unreachable, %s(%s) left for the sweep: %s", name, kwargs, exc)

    transaction.on_commit(send_logged)
