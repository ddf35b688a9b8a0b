"""Operational records that are not lab data, and the state machine every piece of queued work shares."""

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from . import health, queue

log = logging.getLogger(__name__)

# Work unmoved this long is checked for a worker on the queue its next step waits on.
WAITING_NOTICE_AFTER = timedelta(seconds=15)


class TrackedWorkQuerySet(models.QuerySet):
    """Claim, advance, fail and cancel a row of tracked work, each in one short transaction (row lock).

    A task claims its row (nothing to do unless the row is in the state the step expects; a per-step
    attempt cap), does its work outside any transaction, then advances the row and enqueues the next step
    on commit. A redelivered or repeated message is therefore harmless.
    """

    def claim(self, pk: int, expected: str | tuple[str, ...], running: str | None = None):
        """Lock the row; return it when this step is due (its state is one of `expected`), else None.

        `running`, when given, is the state the row enters as the step starts. Past its attempt cap the
        row is failed instead; a row whose cancel was requested is cancelled instead.
        """
        expected = (expected,) if isinstance(expected, str) else expected
        with transaction.atomic():
            row = self.select_for_update().filter(pk=pk).first()
            if row is None or row.state not in expected:
                log.info(
                    "%s %s: nothing to do for a step expecting %s (state %s)",
                    self.model.__name__,
                    pk,
                    expected,
                    row and row.state,
                )
                return None
            if getattr(row, "cancel_requested", False):
                row.finish(row.CANCELLED)
                return None
            if row.attempts >= row.max_attempts:
                row.finish(
                    row.FAILED,
                    error=f"The {row.state} step was attempted {row.attempts} times without finishing "
                    "(the worker may have run out of memory); start it again or contact the administrator.",
                )
                return None
            row.attempts += 1
            row.started = row.started or timezone.now()
            row.state = running or row.state
            row.save(update_fields=["attempts", "started", "state", "updated"])
            return row

    def advance(
        self,
        pk: int,
        expected: str,
        next_state: str,
        *,
        seconds: float | None = None,
        write: Callable[["TrackedWork"], None] | None = None,
        then: str | None = None,
    ) -> bool:
        """Move a claimed row from `expected` to `next_state` unless something else moved it meanwhile.

        `write` changes other fields of the locked row in the same save; `seconds` is what the step took;
        `then` names the task of the next step, sent on commit. False when the row was not in `expected`.
        """
        with transaction.atomic():
            row = self.select_for_update().get(pk=pk)
            if row.state != expected:
                return False
            if write:
                write(row)
            if seconds is not None:
                row.record_step(expected, seconds)
            row.state = next_state
            row.attempts = 0
            row.progress = row.PROGRESS_AT.get(next_state, row.progress)
            if next_state not in row.ACTIVE_STATES:
                row.finished = timezone.now()
            row.save()
            if then is not None:
                queue.send_on_commit(then, **{row.TASK_ARGUMENT: row.pk})
        return True

    def report_progress(self, pk: int, state: str, progress: int) -> bool:
        """Raise the bar of a row still in `state` to `progress` as its step goes, in one conditional UPDATE:
        a row another step moved on (failed it, advanced it) or already further along is left as it is.
        Marks the row updated, so the sweep sees it moving. False when nothing was written."""
        rows = self.filter(pk=pk, state=state, progress__lt=progress)
        return bool(rows.update(progress=progress, updated=timezone.now()))

    def fail(self, pk: int, message: str, **fields) -> None:
        """Fail the row with a message a person can act on, and any other `fields` of the row (e.g. the
        slicer's best guess) in the same write."""
        with transaction.atomic():
            self.select_for_update().get(pk=pk).finish(self.model.FAILED, error=message, **fields)

    def fail_on_storage_error(self, pk: int, exc: OSError, saving: str) -> None:
        """Fail a row whose files could not be written (disk full, permissions); connection errors are
        raised again, for the task to retry."""
        if isinstance(exc, ConnectionError):
            raise exc
        log.exception("%s %s: could not save %s", self.model.__name__, pk, saving)
        self.fail(
            pk,
            f"Could not save {saving}: {exc.strerror or exc}. The original upload is intact; "
            "free space on the server (or fix its storage) and try again.",
        )

    def cancel(self, pk: int):
        """Cancel the row: a queued one at once, a running one at its next report (`cancel_requested`).

        Returns the row, or None when it was not cancellable (finished, or cancelling already).
        """
        with transaction.atomic():
            row = self.select_for_update().get(pk=pk)
            if not row.is_cancellable:
                return None
            row.cancel_requested = True
            if row.state == row.QUEUED:
                row.finish(row.CANCELLED, cancel_requested=True)
            else:
                row.save(update_fields=["cancel_requested", "updated"])
            return row


class TrackedWork(models.Model):
    """Work a worker does in steps (an enhancement job, a training run, a model comparison).

    Each kind adds `state` with its own choices, which include QUEUED and FAILED, and declares which
    states are active, the progress shown on entering each state, the task that moves each unfinished
    state on (used by the sweep) and the keyword argument its tasks take. A kind that can be cancelled
    adds CANCELLED to its states, `cancel_requested`, and lists its CANCELLABLE_STATES.
    """

    QUEUED: ClassVar[str] = "queued"
    FAILED: ClassVar[str] = "failed"
    CANCELLED: ClassVar[str] = "cancelled"
    ACTIVE_STATES: ClassVar[tuple[str, ...]]
    CANCELLABLE_STATES: ClassVar[tuple[str, ...]] = ()
    PROGRESS_AT: ClassVar[dict[str, int]]
    STEPS: ClassVar[dict[str, str]]
    TASK_ARGUMENT: ClassVar[str]
    STALE_AFTER_SETTING: ClassVar[str] = "STALE_JOB_SECONDS"

    uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    objects = TrackedWorkQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created"]

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def is_cancellable(self) -> bool:
        return self.state in self.CANCELLABLE_STATES and not getattr(self, "cancel_requested", False)

    @property
    def waiting_for_worker(self) -> str:
        """Why unfinished work has not moved for a while, when the cause is that no worker takes its next
        step from the queue (or the broker is down); "" otherwise."""
        if not self.is_active or self.updated is None or timezone.now() - self.updated < WAITING_NOTICE_AFTER:
            return ""
        name = queue.QUEUE_OF[self.STEPS[self.state]]
        consumers = health.recent_queue_consumers()
        if consumers is None:
            return (
                "The task queue (Redis) cannot be reached, so no work is being done. Nothing is lost: it "
                "goes on by itself once the queue is back. Tell your administrator (/healthz shows what is down)."
            )
        if consumers.get(name):
            return ""
        return (
            f"No worker is taking work from the “{name}” queue, so this is waiting. Nothing is lost: it goes on "
            "by itself once a worker starts. Tell your administrator (/healthz shows what is down)."
        )

    def record_step(self, state: str, seconds: float) -> None:
        """Note how long the step of `state` took (kinds that keep timings override this)."""

    def finish(self, state: str, **fields) -> None:
        """Save the row as ended in `state` (failed, cancelled), with `fields`; the caller holds its lock."""
        for name, value in fields.items():
            setattr(self, name, value)
        self.state = state
        self.finished = timezone.now()
        self.save(update_fields=["state", "finished", "updated", *fields])


class Heartbeat(models.Model):
    """A worker's answer to a heartbeat task: which host consumed which queue, and when."""

    queue = models.CharField(max_length=32)
    hostname = models.CharField(max_length=255)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["queue", "-created"])]

    def __str__(self) -> str:
        return f"{self.hostname} on {self.queue} at {self.created:%Y-%m-%d %H:%M:%S}"
