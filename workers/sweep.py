"""Send again the work the database says is unfinished: the database is the source of truth.

Used when the stack starts (jobs created while no broker ran, messages lost with a Redis
that restarted without persistence) and periodically, by Celery beat, for jobs and training
runs stuck in a state longer than their timeout (their message was lost, or their worker
died). Sending a step twice is harmless: each step claims its row and returns when not due.
"""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from webapp.cases.models import EnhancementJob, JobState
from webapp.curation.models import Dataset, RunState, TrainingRun

from .tasks import enhance_cells_task, reassemble_task, slice_karyogram_task
from .training import count_dataset_cells_task, evaluate_model_task, train_model_task

STEP_FOR_STATE = {
    JobState.QUEUED: slice_karyogram_task,
    JobState.SLICING: slice_karyogram_task,
    JobState.ENHANCING: enhance_cells_task,
    JobState.ASSEMBLING: reassemble_task,
}
STEP_FOR_RUN_STATE = {
    RunState.QUEUED: train_model_task,
    RunState.TRAINING: train_model_task,
    RunState.EVALUATING: evaluate_model_task,
}


def _stale(states: dict, older_than: timedelta, queued_older_than: timedelta | None) -> Q:
    now = timezone.now()
    queued_cutoff = now - (older_than if queued_older_than is None else queued_older_than)
    return Q(state__in=[s for s in states if s != "queued"], updated__lte=now - older_than) | Q(
        state="queued", updated__lte=queued_cutoff
    )


def requeue_pending(older_than: timedelta = timedelta(0), queued_older_than: timedelta | None = None) -> int:
    """Enqueue the due step of every unfinished job not updated for `older_than` (queued ones: for
    `queued_older_than`, by default the same); returns the count."""
    jobs = EnhancementJob.objects.filter(_stale(STEP_FOR_STATE, older_than, queued_older_than))
    count = 0
    for job in jobs.only("pk", "state"):
        STEP_FOR_STATE[job.state].apply_async(kwargs={"job_pk": job.pk})
        count += 1
    return count


def requeue_training(older_than: timedelta = timedelta(0), queued_older_than: timedelta | None = None) -> int:
    """Enqueue the due step of every unfinished training run not updated for `older_than`."""
    runs = TrainingRun.objects.filter(
        _stale(STEP_FOR_RUN_STATE, older_than, queued_older_than), cancel_requested=False
    )
    count = 0
    for run in runs.only("pk", "state"):
        STEP_FOR_RUN_STATE[run.state].apply_async(kwargs={"run_pk": run.pk})
        count += 1
    return count


def requeue_counting(older_than: timedelta = timedelta(0)) -> int:
    """Enqueue the cell count of every dataset still counting after `older_than`."""
    stale = list(
        Dataset.objects.filter(
            state=Dataset.State.COUNTING, updated__lte=timezone.now() - older_than
        ).values_list("pk", flat=True)
    )
    for pk in stale:
        count_dataset_cells_task.apply_async(kwargs={"dataset_pk": pk})
    return len(stale)


@shared_task(name="workers.sweep.sweep_stale")
def sweep_stale() -> dict[str, int]:
    """Periodic (beat): re-send jobs and runs that have not moved for longer than their timeout.

    Queued work is re-sent sooner (its message may never have reached a broker that was down);
    a duplicate of a queued step is a no-op once the first copy has claimed the row.
    """
    queued = timedelta(seconds=settings.STALE_QUEUED_SECONDS)
    return {
        "jobs": requeue_pending(timedelta(seconds=settings.STALE_JOB_SECONDS), queued),
        "training_runs": requeue_training(timedelta(seconds=settings.STALE_TRAINING_SECONDS), queued),
        "datasets": requeue_counting(timedelta(seconds=settings.STALE_JOB_SECONDS)),
    }
