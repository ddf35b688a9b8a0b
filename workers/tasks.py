"""Celery tasks: thin adapters that load a row, call `enhancer`, store the result.

Pipeline: slice (queue cpu) → enhance (queue gpu, all cells in one batch) → reassemble
(queue cpu). Each step is idempotent; see `workers.jobflow`.
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
from webapp.cases.models import JobCell, JobState
from webapp.core.models import Heartbeat

from . import jobflow
from .models import active_model

TRANSIENT = (OperationalError, ConnectionError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": 2, "retry_jitter": True, "max_retries": 5}


@shared_task(bind=True, name="workers.tasks.heartbeat")
def heartbeat(self) -> None:
    """Record which worker consumed this message from which queue."""
    queue = (self.request.delivery_info or {}).get("routing_key") or "unknown"
    Heartbeat.objects.create(queue=queue, hostname=self.request.hostname or "unknown")


@shared_task(name="workers.tasks.slice_karyogram", **RETRY)
def slice_karyogram_task(*, job_pk: int) -> None:
    """Decode the original, find the slots and prepare every cell (model input, mask, transform)."""
    job = jobflow.claim(job_pk, (JobState.QUEUED, JobState.SLICING), running=JobState.SLICING)
    if job is None:
        return
    start = time.perf_counter()
    try:
        decoded = services.read_stored(job.karyogram)
        prepared = slice_cells(decoded.grey, cells=job.cells, layout=job.layout)
    except ImageError as exc:
        jobflow.fail(job_pk, f"The karyogram could not be sliced: {exc}")
        return
    except LayoutError as exc:  # the best boxes found go with the failure: the editor starts from them
        jobflow.fail(job_pk, f"The karyogram could not be sliced: {exc}", layout_guess=exc.guess)
        return
    try:
        services.save_cells(job, decoded.pixels, prepared)
    except OSError as exc:
        jobflow.storage_failure(job_pk, exc, "the cells of the karyogram")
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

    jobflow.advance(
        job, JobState.SLICING, JobState.ENHANCING, time.perf_counter() - start, write, then=enhance_cells_task
    )


@shared_task(name="workers.tasks.enhance_cells", **RETRY)
def enhance_cells_task(*, job_pk: int) -> None:
    """Run every cell of the karyogram through the model in one batch, then the fidelity guard."""
    job = jobflow.claim(job_pk, JobState.ENHANCING)
    if job is None:
        return
    start = time.perf_counter()
    inputs = services.load_arrays(job, "inputs")
    enhancer, version = active_model()
    outputs = enhancer.enhance_inputs(inputs)
    verdicts = guard_cells(inputs, outputs)
    try:
        services.save_arrays(job, "outputs", outputs)
    except OSError as exc:
        jobflow.storage_failure(job_pk, exc, "the enhanced cells")
        return

    def write(current):
        current.model_version = version
        current.device = device_label(enhancer.device)
        rows = list(current.cell_rows.filter(label__in=verdicts))
        for row in rows:
            row.guard = verdicts[row.label].to_json()
        JobCell.objects.bulk_update(rows, ["guard"])

    jobflow.advance(
        job, JobState.ENHANCING, JobState.ASSEMBLING, time.perf_counter() - start, write, then=reassemble_task
    )


@shared_task(name="workers.tasks.reassemble", **RETRY)
def reassemble_task(*, job_pk: int) -> None:
    """Paste the enhanced cells back and write the result in the original's format and as PNG."""
    job = jobflow.claim(job_pk, JobState.ASSEMBLING)
    if job is None:
        return
    start = time.perf_counter()
    try:
        services.render_result(job)
    except OSError as exc:
        jobflow.storage_failure(job_pk, exc, "the enhanced karyogram")
        return

    def write(current):
        current.result.name, current.result_png.name = job.result.name, job.result_png.name

    jobflow.advance(job, JobState.ASSEMBLING, JobState.DONE, time.perf_counter() - start, write)
