"""The job state machine, shared by the pipeline tasks.

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

from .enqueue import send_on_commit

log = logging.getLogger(__name__)


def claim(job_pk: int, expected: str | tuple[str, ...], running: str | None = None) -> EnhancementJob | None:
    """Lock the job; return it when this step is due (its state is one of `expected`), else None.

    `running`, when given, is the state the job enters as the step starts.
    """
    expected = (expected,) if isinstance(expected, str) else expected
    with transaction.atomic():
        job = EnhancementJob.objects.select_for_update().filter(pk=job_pk).first()
        if job is None or job.state not in expected:
            log.info("job %s: nothing to do for a step expecting %s (state %s)", job_pk, expected, job and job.state)
            return None
        if job.attempts >= job.max_attempts:
            _fail(job, f"The {job.state} step was attempted {job.attempts} times without finishing "
                       "(the worker may have run out of memory); retry the job or contact the administrator.")
            return None
        job.attempts += 1
        job.started = job.started or timezone.now()
        job.state = running or job.state
        job.save(update_fields=["attempts", "started", "state", "updated"])
        return job


def advance(job: EnhancementJob, expected: str, next_state: str, seconds: float,
            write: Callable[[EnhancementJob], None] | None = None, then=None) -> bool:
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
    fail(job_pk, f"Could not save {saving}: {exc.strerror or exc}. The original upload is intact; "
                 "free space on the server (or fix its storage) and retry the job.")


def fail(job_pk: int, message: str) -> None:
    with transaction.atomic():
        job = EnhancementJob.objects.select_for_update().get(pk=job_pk)
        _fail(job, message)


def _fail(job: EnhancementJob, message: str) -> None:
    job.state = JobState.FAILED
    job.error = message
    job.finished = timezone.now()
    job.save(update_fields=["state", "error", "finished", "updated"])

