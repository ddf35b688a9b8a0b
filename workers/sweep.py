"""Send again the jobs the database says are unfinished: the database is the source of truth.

Used when the stack starts (jobs created while no broker ran, messages lost with a
Redis that restarted without persistence) and periodically for jobs stuck in a state
longer than their timeout. Sending a step twice is harmless: see `workers.jobflow`.
"""

from datetime import timedelta

from django.utils import timezone

from webapp.cases.models import EnhancementJob, JobState

from .tasks import enhance_cells_task, reassemble_task, slice_karyogram_task

STEP_FOR_STATE = {
    JobState.QUEUED: slice_karyogram_task,
    JobState.SLICING: slice_karyogram_task,
    JobState.ENHANCING: enhance_cells_task,
    JobState.ASSEMBLING: reassemble_task,
}


def requeue_pending(older_than: timedelta = timedelta(0)) -> int:
    """Enqueue the due step of every unfinished job not updated for `older_than`; returns the count."""
    cutoff = timezone.now() - older_than
    jobs = EnhancementJob.objects.filter(state__in=list(STEP_FOR_STATE), updated__lte=cutoff)
    count = 0
    for job in jobs.only("pk", "state"):
        STEP_FOR_STATE[job.state].apply_async(kwargs={"job_pk": job.pk})
        count += 1
    return count
