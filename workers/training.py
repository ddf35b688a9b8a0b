"""Celery tasks of the curation loop: count a dataset's cells (queue cpu), train a model from it,
then evaluate it (queue gpu).

Thin adapters over `enhancer.training` and `webapp.curation`. A redelivered training task
(its worker died) resumes from the last per-epoch checkpoint in TRAINING_DIR.
"""

import time

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from enhancer.training.config import TrainingConfig
from enhancer.training.loop import train
from webapp.curation import registry
from webapp.curation.datasets import count_cells, export_cells
from webapp.curation.evaluation import evaluate_version
from webapp.curation.models import Dataset, ModelVersion, RunState, TrainingRun

from . import jobflow
from .enqueue import send_on_commit
from .tasks import RETRY

PROGRESS_EVERY_SECONDS = 1.0
LOSS_SAMPLES = 400


class TrainingCancelled(Exception):
    """A curator cancelled the run."""


@shared_task(name="workers.training.count_dataset_cells", **RETRY)
def count_dataset_cells_task(*, dataset_pk: int) -> None:
    """Slice what has no finished job yet and record each karyogram's training cells; then it is ready."""
    dataset = Dataset.objects.filter(pk=dataset_pk).first()
    if dataset is not None:
        count_cells(dataset)


@shared_task(
    name="workers.training.train_model",
    time_limit=settings.TRAINING_TIME_LIMIT,
    soft_time_limit=int(settings.TRAINING_TIME_LIMIT * 0.95),
    **RETRY,
)
def train_model_task(*, run_pk: int) -> None:
    """Train the run's CycleGAN on its dataset's train split, register the model, then evaluate it."""
    run = jobflow.claim(run_pk, (RunState.QUEUED, RunState.TRAINING), RunState.TRAINING, model=TrainingRun)
    if run is None:
        return
    if not run.dataset.is_ready:
        jobflow.fail(
            run_pk,
            "The dataset's cells are still being counted; start the training once it is ready.",
            model=TrainingRun,
        )
        return
    work = settings.TRAINING_DIR / str(run.uid)
    cells = work / "cells"
    if not (cells / "complete").exists():
        export_cells(run.dataset, "train", cells)
        (cells / "complete").touch()
    config = TrainingConfig.from_json(run.params)  # the dataset's exclusions are part of it
    history = list(run.losses)
    last = [0.0]

    def on_progress(p: dict) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_SECONDS and p["iteration"] < p["iterations"]:
            return
        last[0] = now
        history.append([p["iteration"], {k: round(v, 5) for k, v in p["losses"].items()}])
        del history[:-LOSS_SAMPLES]
        updated = TrainingRun.objects.filter(pk=run_pk, cancel_requested=False).update(
            epoch=p["epoch"],
            iteration=p["iteration"],
            iterations=p["iterations"],
            losses=history,
            progress=min(99, int(100 * p["iteration"] / max(1, p["iterations"]))),
        )
        if not updated:
            raise TrainingCancelled

    try:
        model_dir = train(
            config,
            cells / "poor",
            cells / "excellent",
            work,
            resume=True,
            device=settings.ENHANCER_DEVICE,
            on_progress=on_progress,
        )
    except TrainingCancelled:
        TrainingRun.objects.filter(pk=run_pk).update(state=RunState.CANCELLED, finished=timezone.now())
        return
    except ValueError as exc:  # e.g. no cells left after the exclusions
        jobflow.fail(run_pk, f"Training could not start: {exc}", model=TrainingRun)
        return
    name = slugify(f"{run.dataset.name}-run{run.pk}")[:100]
    version = ModelVersion.objects.filter(name=name).first() or registry.register_directory(
        model_dir,
        name=name,
        source=ModelVersion.Source.TRAINED,
        user=run.created_by,
        dataset=run.dataset,
        training_params=config.to_json(),
    )
    with transaction.atomic():
        TrainingRun.objects.filter(pk=run_pk).update(
            model=version, state=RunState.EVALUATING, progress=99, attempts=0
        )
        send_on_commit(evaluate_model_task, run_pk=run_pk)


@shared_task(name="workers.training.evaluate_model", **RETRY)
def evaluate_model_task(*, run_pk: int) -> None:
    """Evaluate the run's model and store the results with the model version."""
    run = jobflow.claim(run_pk, RunState.EVALUATING, model=TrainingRun)
    if run is None:
        return
    version = run.model
    version.evaluation = evaluate_version(version)
    version.save(update_fields=["evaluation"])
    TrainingRun.objects.filter(pk=run_pk).update(state=RunState.DONE, progress=100, finished=timezone.now())
