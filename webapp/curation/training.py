"""Training runs: start one, train its CycleGAN on the dataset's train split, register and evaluate the model.

Called by the worker's task adapters (`workers.training`). A redelivered training (its worker died)
resumes from the last per-epoch checkpoint in TRAINING_DIR, the worker's own disk; what the web pages
show (progress, losses, the latest sample grid) goes through the database and media storage.
"""

import time
from dataclasses import replace
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from enhancer.training.config import TrainingConfig
from enhancer.training.loop import train
from webapp.core import queue, storage

from . import registry
from .datasets import export_cells
from .evaluation import store_evaluation_or_fail
from .models import Dataset, ModelVersion, RunState, TrainingRun

PROGRESS_EVERY_SECONDS = 1.0
TRAINED_AT = TrainingRun.PROGRESS_AT[RunState.EVALUATING]  # the bar's share for training; evaluation the rest
LOSS_SAMPLES = 400
runs = TrainingRun.objects


class TrainingCancelled(Exception):
    """A curator cancelled the run."""


def start_training(
    dataset: Dataset, config: TrainingConfig, user, start_from: ModelVersion | None = None
) -> TrainingRun:
    """Create a queued run of `config` on `dataset` (fine-tuning `start_from` when given); its training
    is sent once the transaction commits."""
    with transaction.atomic():
        run = runs.create(
            dataset=dataset,
            preset=config.preset,
            params=config.to_json(),
            start_from=start_from,
            created_by=user,
        )
        queue.send_on_commit(queue.TRAIN, run_pk=run.pk)
    return run


def publish_sample(run: TrainingRun, samples: Path, published: str | None = None) -> str | None:
    """Copy the newest sample grid the loop wrote in `samples` to media storage, unless it is `published`
    already; returns the name of the one published."""
    newest = max(samples.glob("epoch_*.png"), default=None)
    if newest is None or newest.name == published:
        return published
    storage.put_file(run.sample_path, newest.read_bytes())
    return newest.name


def train_run(run_pk: int) -> None:
    """Train the run's CycleGAN on its dataset's train split, register the model, then send its evaluation."""
    run = runs.claim(run_pk, (RunState.QUEUED, RunState.TRAINING), RunState.TRAINING)
    if run is None:
        return
    if not run.dataset.is_ready:
        runs.fail(run_pk, "The dataset's cells are still being counted; start the training once it is ready.")
        return
    work = settings.TRAINING_DIR / str(run.uid)
    cells = work / "cells"
    if not (cells / "complete").exists():
        export_cells(run.dataset, "train", cells)
        (cells / "complete").touch()
    config = TrainingConfig.from_json(run.params)  # the dataset's exclusions are part of it
    if run.start_from is not None:  # its files are resolved here, on the worker's disk or cache
        config = replace(config, init_from=str(registry.local_dir(run.start_from)))
    history = list(run.losses)
    last = {"time": 0.0, "sample": None}

    def on_progress(p: dict) -> None:
        now = time.monotonic()
        if now - last["time"] < PROGRESS_EVERY_SECONDS and p["iteration"] < p["iterations"]:
            return
        last["time"] = now
        history.append([p["iteration"], {k: round(v, 5) for k, v in p["losses"].items()}])
        del history[:-LOSS_SAMPLES]
        updated = runs.filter(pk=run_pk, cancel_requested=False).update(
            epoch=p["epoch"],
            iteration=p["iteration"],
            iterations=p["iterations"],
            losses=history,
            progress=int(TRAINED_AT * min(1.0, p["iteration"] / max(1, p["iterations"]))),
        )
        if not updated:
            raise TrainingCancelled
        last["sample"] = publish_sample(run, work / "samples", last["sample"])

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
        runs.advance(run_pk, RunState.TRAINING, RunState.CANCELLED)
        return
    except ValueError as exc:  # e.g. no cells left after the exclusions
        runs.fail(run_pk, f"Training could not start: {exc}")
        return
    publish_sample(run, work / "samples", last["sample"])
    name = slugify(f"{run.dataset.name}-run{run.pk}")[:100]
    version = ModelVersion.objects.filter(name=name).first() or registry.register_directory(
        model_dir,
        name=name,
        source=ModelVersion.Source.TRAINED,
        user=run.created_by,
        dataset=run.dataset,
        training_params=config.to_json(),
    )

    def write(current: TrainingRun) -> None:
        current.model = version

    runs.advance(run_pk, RunState.TRAINING, RunState.EVALUATING, write=write, then=queue.EVALUATE)


def evaluate_run(run_pk: int) -> None:
    """Evaluate the run's model and store the results with the model version; a model that cannot be
    evaluated fails the run at once with the reason and what to do (it was retried unseen before)."""
    run = runs.claim(run_pk, RunState.EVALUATING)
    if run is None:
        return

    def failed(reason: Exception) -> str:
        return (
            f"Training finished and registered the model {run.model.name}, but its evaluation could not run: "
            f"{reason}. It cannot be activated until it is evaluated: press “Evaluate” on its row of the models "
            "page to try again, and tell your administrator if that fails too."
        )

    if store_evaluation_or_fail(runs, run_pk, run.model, failed):
        runs.advance(run_pk, RunState.EVALUATING, RunState.DONE)
