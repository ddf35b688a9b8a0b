"""Celery tasks: thin adapters that load a row, call `enhancer`, store the result.

Pipeline: slice (queue cpu) → enhance (queue gpu; `enhancer.model.runtime.chunk_size` cells per forward
pass: a whole karyogram on an accelerator, one cell on the CPU) → reassemble (queue cpu). Each step claims
and advances its job through the state machine of `webapp.core.models.TrackedWork`, so it is idempotent.
"""

import time

from celery import shared_task
from django.db import OperationalError

from enhancer.cells import slice_cells
from enhancer.fidelity import guard_cells
from enhancer.io import ImageError
from enhancer.model.device import device_label
from enhancer.slicing import LayoutError
from webapp.cases import services
from webapp.cases.models import EnhancementJob, JobCell, JobState, slicing_failed
from webapp.core import queue
from webapp.core.models import Heartbeat
from webapp.curation.active_model import ModelGone, model_for_job

jobs = EnhancementJob.objects

TRANSIENT = (OperationalError, ConnectionError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": 2, "retry_jitter": True, "max_retries": 5}


@shared_task(bind=True, name=queue.HEARTBEAT)
def heartbeat(self) -> None:
    """Record which worker consumed this message from which queue."""
    consumed_from = (self.request.delivery_info or {}).get("routing_key") or "unknown"
    Heartbeat.objects.create(queue=consumed_from, hostname=self.request.hostname or "unknown")


@shared_task(name=queue.SLICE, **RETRY)
def slice_karyogram_task(*, job_pk: int) -> None:
    """Decode the original, find the slots and prepare every cell (model input, mask, transform)."""
    job = jobs.claim(job_pk, (JobState.QUEUED, JobState.SLICING), running=JobState.SLICING)
    if job is None:
        return
    start = time.perf_counter()
    try:
        decoded = services.read_stored(job.karyogram)
        prepared = slice_cells(decoded.grey, cells=job.cell_count, layout=job.layout)
    except ImageError as exc:
        jobs.fail(job_pk, slicing_failed(str(exc)))
        return
    except LayoutError as exc:  # the best boxes found go with the failure: the editor starts from them, and
        # a figure of several karyograms can be split into its panels
        jobs.fail(
            job_pk,
            slicing_failed(str(exc), exc.boxes_help),
            layout_guess=exc.guess,
            panels=exc.panels or None,
        )
        return
    try:
        services.save_cells(job, decoded.pixels, prepared)
    except OSError as exc:
        jobs.fail_on_storage_error(job_pk, exc, "the cells of the karyogram")
        return

    def write(current):
        current.cell_rows.all().delete()
        JobCell.objects.bulk_create(
            [
                JobCell(
                    job=current,
                    label=c.label,
                    index=i,
                    box=list(c.box),
                    object_count=c.objects,
                    strength=current.strength,
                )
                for i, c in enumerate(prepared.layout.cells)
            ]
        )

    jobs.advance(
        job_pk,
        JobState.SLICING,
        JobState.ENHANCING,
        seconds=time.perf_counter() - start,
        write=write,
        then=queue.ENHANCE,
    )


@shared_task(name=queue.ENHANCE, **RETRY)
def enhance_cells_task(*, job_pk: int) -> None:
    """Run every cell of the karyogram through the model, then the fidelity guard; the job's bar
    moves through the stage as the cells go through the network and are finished after it."""
    job = jobs.claim(job_pk, JobState.ENHANCING)
    if job is None:
        return
    start = time.perf_counter()
    inputs = services.load_arrays(job, "inputs")
    try:
        enhancer, version = model_for_job(job.model_version)
    except ModelGone as exc:
        jobs.fail(job_pk, str(exc))
        return
    at = EnhancementJob.PROGRESS_AT
    low, high = at[JobState.ENHANCING], at[JobState.ASSEMBLING]

    def on_progress(done: int, total: int) -> None:
        """Move the bar through the stage's span in total + 1 parts, the last for the steps over all cells
        (staining depth, fidelity guard, saving)."""
        jobs.report_progress(job_pk, JobState.ENHANCING, low + (high - low) * done // (total + 1))

    enhanced = enhancer.enhance_inputs(inputs, on_progress)
    outputs = enhanced.outputs
    verdicts = guard_cells(inputs, outputs)
    try:
        services.save_arrays(job, "outputs", outputs)
    except OSError as exc:
        jobs.fail_on_storage_error(job_pk, exc, "the enhanced cells")
        return

    def write(current):
        current.model_version = version
        current.device = device_label(enhancer.device)
        current.staining = enhanced.staining.to_json() if enhanced.staining else None
        rows = list(current.cell_rows.filter(label__in=verdicts))
        for row in rows:
            row.guard = verdicts[row.label].to_json()
        JobCell.objects.bulk_update(rows, ["guard"])

    jobs.advance(
        job_pk,
        JobState.ENHANCING,
        JobState.ASSEMBLING,
        seconds=time.perf_counter() - start,
        write=write,
        then=queue.REASSEMBLE,
    )


@shared_task(name=queue.REASSEMBLE, **RETRY)
def reassemble_task(*, job_pk: int) -> None:
    """Paste the enhanced cells back, write the result in the original's format and as PNG, and keep its
    report (the whole result measured against the original)."""
    job = jobs.claim(job_pk, JobState.ASSEMBLING)
    if job is None:
        return
    start = time.perf_counter()
    try:
        services.render_result(job)
    except OSError as exc:
        jobs.fail_on_storage_error(job_pk, exc, "the enhanced karyogram")
        return

    def write(current):
        current.result.name, current.result_png.name = job.result.name, job.result_png.name
        current.report = job.report

    jobs.advance(job_pk, JobState.ASSEMBLING, JobState.DONE, seconds=time.perf_counter() - start, write=write)
