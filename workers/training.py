"""Celery tasks of the curation loop, thin adapters over `webapp.curation`: count a dataset's cells
(queue cpu), train a model from it, then evaluate it, or evaluate an uploaded model (queue gpu)."""

from celery import shared_task
from django.conf import settings

from webapp.core import queue
from webapp.curation import evaluation, training
from webapp.curation.datasets import count_cells
from webapp.curation.models import Dataset

from .tasks import RETRY


@shared_task(name=queue.COUNT_CELLS, **RETRY)
def count_dataset_cells_task(*, dataset_pk: int) -> None:
    """Slice what has no finished job yet and record each karyogram's training cells; then it is ready."""
    dataset = Dataset.objects.filter(pk=dataset_pk).first()
    if dataset is not None:
        count_cells(dataset)


@shared_task(
    name=queue.TRAIN,
    time_limit=settings.TRAINING_TIME_LIMIT,
    soft_time_limit=int(settings.TRAINING_TIME_LIMIT * 0.95),
    **RETRY,
)
def train_model_task(*, run_pk: int) -> None:
    """Train the run's CycleGAN, register the model, then send its evaluation."""
    training.train_run(run_pk)


@shared_task(name=queue.EVALUATE, **RETRY)
def evaluate_model_task(*, run_pk: int) -> None:
    """Evaluate the run's model and store the results with the model version."""
    training.evaluate_run(run_pk)


@shared_task(name=queue.EVALUATE_VERSION, **RETRY)
def evaluate_version_task(*, evaluation_pk: int) -> None:
    """Evaluate a registered version (an upload) and store the results with it."""
    evaluation.run_evaluation(evaluation_pk)
