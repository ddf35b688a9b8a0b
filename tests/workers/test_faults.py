"""Faults against the real Redis, Celery worker (with beat) and database: nothing is lost, nothing doubled.

A dedicated worker embeds Celery beat with a short stale timeout, so the periodic sweep re-sends
what a killed worker or a wiped Redis lost. The session's shared worker is stopped meanwhile.
"""

import hashlib
import os
import resource
import shutil
import signal
import time

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.db import connection

from enhancer.cells import MODEL_SIZE
from enhancer.io import ImageInfo, encode_karyogram
from enhancer.synthetic import synthesize
from tests.conftest import _database_url
from tests.factories import EnhancementJobFactory, KaryogramFactory
from tests.support.services import CeleryWorker
from webapp.cases import services
from webapp.cases.models import EnhancementJob, JobState
from webapp.curation.datasets import build_dataset, count_cells
from webapp.curation.models import ModelVersion, RunState, TrainingRun

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SWEEPING_ENV = {
    "BROKER_VISIBILITY_TIMEOUT": "600",
    "STALE_JOB_SECONDS": "2",
    "STALE_TRAINING_SECONDS": "4",
    # queued work lost with Redis comes back within seconds, not after the 120 s default that raced _wait
    "STALE_QUEUED_SECONDS": "5",
    "SWEEP_INTERVAL_SECONDS": "1",
}


@pytest.fixture(scope="module")
def sweeping_worker(broker, celery_worker, django_db_setup, tmp_path_factory):
    """A worker with beat; the visibility timeout is long, so only the sweep can bring work back."""
    celery_worker.stop()
    directory = tmp_path_factory.mktemp("faults")
    worker = CeleryWorker(
        broker.url,
        _database_url(),
        name="faults",
        log_file=directory / "worker.log",
        extra_env=SWEEPING_ENV,
        beat_schedule=directory / "beat-schedule",
    ).start()
    yield worker
    worker.stop()
    celery_worker.start()


@pytest.fixture(scope="module")
def large_png() -> bytes:
    made = synthesize("47,XY,+8", seed=5, quality="poor", severity="moderate", shorten=False)
    return encode_karyogram(made.image, ImageInfo("PNG", 1200, 1000, 1, 8))


def _new_job(make_user, png: bytes, accession: str) -> EnhancementJob:
    user = make_user("technologist", f"tech-{accession.lower()}")
    return services.start_job(
        KaryogramFactory(case__accession=accession, case__created_by=user, png=png), user
    )


def _wait(job: EnhancementJob, timeout: float = 120) -> EnhancementJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in (JobState.DONE, JobState.FAILED):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job.pk} stuck in {job.state}")


def _result_files(job: EnhancementJob) -> list[str]:
    return sorted(
        name for name in default_storage.listdir(f"jobs/{job.uid}")[1] if name.startswith("enhanced")
    )


@pytest.mark.parametrize("stage", [JobState.SLICING, JobState.ENHANCING, JobState.ASSEMBLING])
def test_worker_killed_in_each_stage_ends_in_one_done(stage, sweeping_worker, make_user, large_png):
    job = _new_job(make_user, large_png, f"KILL-{stage.upper()}")
    deadline = time.monotonic() + 60
    while EnhancementJob.objects.filter(pk=job.pk).values_list("state", flat=True).get() != stage:
        assert time.monotonic() < deadline, "the stage never started"
        time.sleep(0.001)
    sweeping_worker.kill()
    sweeping_worker.start()
    job = _wait(job)
    assert job.state == JobState.DONE, job.error
    assert EnhancementJob.objects.filter(karyogram=job.karyogram).count() == 1
    assert _result_files(job) == [job.result.name.rsplit("/", 1)[-1]]  # one result, no stray copies
    assert job.cell_rows.count() == 24


def test_redis_wiped_while_jobs_are_queued_loses_no_job(sweeping_worker, broker, make_user, karyogram_png):
    sweeping_worker.stop()
    jobs = [_new_job(make_user, karyogram_png, f"REDIS-{i}") for i in range(3)]
    assert all(j.state == JobState.QUEUED for j in jobs)
    broker.process.send_signal(signal.SIGKILL)  # a crash, and its data gone with it
    broker.process.wait(10)
    shutil.rmtree(broker.data_dir)
    broker.start()
    sweeping_worker.start()
    for job in jobs:
        assert _wait(job).state == JobState.DONE


def test_worker_killed_during_training_resumes_from_the_checkpoint(
    sweeping_worker, make_user, labelled_karyograms, settings
):
    karyograms = labelled_karyograms(1, 1)
    dataset = build_dataset(
        name="resume",
        karyograms=karyograms,
        excluded=[],
        test_fraction=0,
        seed=0,
        user=karyograms[0].uploaded_by,
    )
    count_cells(dataset)
    from dataclasses import replace

    from enhancer.training.config import preset
    from workers.training import train_model_task

    config = replace(preset("tiny", n_epochs=2, n_epochs_decay=1, epoch_size=48), excluded_labels=())
    run = TrainingRun.objects.create(
        dataset=dataset, preset="tiny", params=config.to_json(), created_by=karyograms[0].uploaded_by
    )
    train_model_task.delay(run_pk=run.pk)
    deadline = time.monotonic() + 300  # a hang guard, not a speed test: a loaded CI machine took over 120 s
    while TrainingRun.objects.get(pk=run.pk).epoch < 2:  # epoch 1 is checkpointed once epoch 2 reports
        assert time.monotonic() < deadline, "the run never reached its second epoch"
        time.sleep(0.05)
    sweeping_worker.kill()
    sweeping_worker.start()
    deadline = time.monotonic() + 300
    while (run := TrainingRun.objects.get(pk=run.pk)).state not in (RunState.DONE, RunState.FAILED):
        assert time.monotonic() < deadline, run.state
        time.sleep(0.2)
    assert run.state == RunState.DONE, run.error
    assert run.iteration == run.iterations == 3 * 24
    rows = (settings.TRAINING_DIR / str(run.uid) / "losses.csv").read_text().splitlines()[1:]
    assert sum(r.startswith("1,") for r in rows) == 24  # epoch 1 ran once: the rerun resumed after it
    assert ModelVersion.objects.filter(training_run=run).count() == 1


def test_full_disk_while_saving_fails_the_job_clearly_and_keeps_the_original(make_user, large_png, settings):
    """A real write failure (the file-size limit of this process) in the slicing step, run in-process."""
    from workers.tasks import slice_karyogram_task

    user = make_user("technologist", "disk")
    job = EnhancementJobFactory(karyogram__case__created_by=user, karyogram__png=large_png)
    karyogram = job.karyogram
    database = settings.DATABASES["default"]["NAME"]
    with connection.cursor() as cursor:  # earlier tests' workers can leave a WAL larger than the cells
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    biggest = max(os.path.getsize(p) for p in (database, f"{database}-wal") if os.path.exists(p))
    cells_file = 24 * MODEL_SIZE**2 * np.dtype(np.float32).itemsize  # the model inputs' npz, about 6 MB
    assert biggest + 2_000_000 < cells_file, f"the test database ({biggest} bytes) would hold the cells' file"
    previous_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (biggest + 2_000_000, previous_limit[1]))
    try:
        slice_karyogram_task.run(job_pk=job.pk)  # the cells (6 MB) do not fit
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, previous_limit)
        signal.signal(signal.SIGXFSZ, previous_handler)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.error.startswith("Could not save the cells of the karyogram")
    assert "original upload is intact" in job.error
    with karyogram.original.open("rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == karyogram.sha256
    stored = (
        default_storage.listdir(f"jobs/{job.uid}")[1] if default_storage.exists(f"jobs/{job.uid}") else []
    )
    assert stored == []  # nothing half-written left behind
