"""Send again the work the database says is unfinished: the database is the source of truth.

Used when the stack starts (work created while no broker ran, messages lost with a Redis that
restarted without persistence) and periodically, by Celery beat, for rows stuck in a state longer
than their timeout (their message was lost, or their worker died). Every model that declares
`STEPS` (unfinished state → the task that moves it on), `TASK_ARGUMENT` and `STALE_AFTER_SETTING`
is swept: the kinds of `TrackedWork`, and datasets whose cells are being counted. Sending a step
twice is harmless: each step claims its row and returns when not due.
"""

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import Model, Q
from django.utils import timezone

from . import queue


def swept_models() -> list[type[Model]]:
    """The models whose unfinished rows the sweep sends again."""
    return [m for m in apps.get_models() if hasattr(m, "STEPS")]


def resend_stale(
    model: type[Model], older_than: timedelta, queued_older_than: timedelta | None = None
) -> int:
    """Send the due step of every unfinished row of `model` not updated for `older_than` (queued ones: for
    `queued_older_than`, by default the same); returns the count."""
    now = timezone.now()
    queued = getattr(model, "QUEUED", None)
    queued_cutoff = now - (older_than if queued_older_than is None else queued_older_than)
    due = Q(state__in=[s for s in model.STEPS if s != queued], updated__lte=now - older_than)
    if queued in model.STEPS:
        due |= Q(state=queued, updated__lte=queued_cutoff)
    rows = list(model.objects.filter(due).values_list("pk", "state"))
    for pk, state in rows:
        queue.send(model.STEPS[state], **{model.TASK_ARGUMENT: pk})
    return len(rows)


def resend_unfinished() -> int:
    """Send the due step of every unfinished row, however recent (the stack has just started)."""
    return sum(resend_stale(model, timedelta(0)) for model in swept_models())


def sweep_stale() -> dict[str, int]:
    """Re-send the rows that have not moved for longer than their kind's timeout; counts per model.

    Queued work is re-sent sooner (its message may never have reached a broker that was down);
    a duplicate of a queued step is a no-op once the first copy has claimed the row.
    """
    queued = timedelta(seconds=settings.STALE_QUEUED_SECONDS)
    return {
        model._meta.label_lower: resend_stale(
            model, timedelta(seconds=getattr(settings, model.STALE_AFTER_SETTING)), queued
        )
        for model in swept_models()
    }
