"""The state machine of jobs and training runs, shared by the pipeline and training tasks.

A step claims its job in a short transaction (row lock; nothing to do unless the job is in
the state the step expects; a per-step attempt cap), does its work outside any
transaction, then advances the state in a second short transaction and enqueues the next
step on commit. A redelivered or repeated message is therefore harmless.
"""

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from webapp.cases.models import PROGRESS_AT, EnhancementJob, JobState
from webapp.core.models import TrackedWork

from .enqueue import send_on_commit

log = logging.getLogger(__name__)


def claim(
    pk: int,
    expected: str | tuple[str, ...],
    running: str | None = None,
    model: type[TrackedWork] = EnhancementJob,
):
    """Lock the row (an enhancement job, or a training run with `model=TrainingRun`); return it when
    this step is due (its state is one of `expected`), else None.

    `running`, when given, is the state the row enters as the step starts. Past its attempt cap
    the row is failed instead.
    """
    expected = (expected,) if isinstance(expected, str) else expected
    with transaction.atomic():
        row = model.objects.select_for_update().filter(pk=pk).first()
        if row is None or row.state not in expected:
            log.info(
                "%s %s: nothing to do for a step expecting %s (state %s)",
                model.__name__,
                pk,
                expected,
                row and row.state,
            )
            return None
        if row.attempts >= row.max_attempts:
            _fail(
                row,
                f"The {row.state} step was attempted {row.attempts} times without finishing "
                "(the worker may have run out of memory); start it again or contact the administrator.",
            )
            return None
        row.attempts += 1
        row.started = row.started or timezone.now()
        row.state = running or row.state
        row.save(update_fields=["attempts", "started", "state", "updated"])
        return row


def advance(
    job: EnhancementJob,
    expected: str,
    next_state: str,
    seconds: float,
    write: Callable[[EnhancementJob], None] | None = None,
    then=None,
) -> bool:
    """Move a claimed job on, unless something else moved it meanwhile; enqueue `then` on commit."""
    with transaction.atomic():
        current = EnhancementJob.objects.select_for_update().get(pk=job.pk)
        if current.state != expected:
            return False
        if write:
            write(current)
        current.state = next_state
        current.attempts = 0
        current.progress = PROGRESS_AT[next_state]
        current.timings = {**current.timings, expected: round(seconds, 3)}
        if next_state == JobState.DONE:
            current.finished = timezone.now()
        current.save()
        if then is not None:
            send_on_commit(then, job_pk=current.pk)
    return True


def storage_failure(job_pk: int, exc: OSError, saving: str) -> None:
    """Fail a job whose files could not be written (disk full, permissions); connection errors are retried."""
    if isinstance(exc, ConnectionError):
        raise exc
    log.exception("job %s: could not save %s", job_pk, saving)
    fail(
        job_pk,
        f"Could not save {saving}: {exc.strerror or exc}. The original upload is intact; "
        "free space on the server (or fix its storage) and retry the job.",
    )


def fail(pk: int, message: str, model: type[TrackedWork] = EnhancementJob, **fields) -> None:
    """Fail a job (or a training run) with a message a person can act on, and any other `fields` of the row
    (e.g. the slicer's best guess) in the same write."""
    with transaction.atomic():
        _fail(model.objects.select_for_update().get(pk=pk), message, fields)


def _fail(row: TrackedWork, message: str, fields: dict | None = None) -> None:
    fields = fields or {}
    for name, value in fields.items():
        setattr(row, name, value)
    row.state = JobState.FAILED  # "failed" in both state machines
    row.error = message
    row.finished = timezone.now()
    row.save(update_fields=["state", "error", "finished", "updated", *fields])
