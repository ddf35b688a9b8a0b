"""Dataset snapshots, training runs and the model registry.

A dataset is immutable: which karyograms (with their hashes), which chromosome labels are
left out, and the train/test split, so every model can be traced to exactly what it saw.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse

from enhancer.training.config import EXCLUDED_BY_DEFAULT
from webapp.core import queue
from webapp.core.models import TrackedWork

# The largest seed of a dataset split or a training run: torch.manual_seed takes up to 2**64 - 1 and
# np.random.default_rng any size, but SQLite stops at 2**63 - 1 and numpy's RandomState at 2**32 - 1.
SEED_MAX = 2**32 - 1


def default_excluded() -> list[str]:
    return [label for label in EXCLUDED_BY_DEFAULT if label != "XY"]


class Dataset(models.Model):
    class State(models.TextChoices):
        COUNTING = "counting", "Counting cells"
        READY = "ready", "Ready"

    # What the sweep (`webapp.core.sweep`) sends again for a dataset still counting after a while.
    STEPS = {State.COUNTING: queue.COUNT_CELLS}
    TASK_ARGUMENT = "dataset_pk"
    STALE_AFTER_SETTING = "STALE_JOB_SECONDS"

    name = models.CharField(max_length=100, unique=True)
    state = models.CharField(
        max_length=16,
        choices=State.choices,
        default=State.COUNTING,
        help_text="cells are counted by a worker once, right after the snapshot",
    )
    excluded_labels = models.JSONField(
        default=default_excluded, help_text="chromosome labels left out of training"
    )
    test_fraction = models.FloatField(default=0.2)
    seed = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(SEED_MAX)], help_text=f"0 to {SEED_MAX}"
    )
    manifest = models.JSONField(
        help_text="[{karyogram, sha256, quality, domain, split, cells}] in a fixed order"
    )
    updated = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("dataset-detail", args=[self.pk])

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Datasets are immutable snapshots: create a new one instead.")
        super().save(*args, **kwargs)

    @property
    def is_ready(self) -> bool:
        return self.state == self.State.READY

    @property
    def counts(self) -> dict:
        """Karyograms and cells per split and domain, from the manifest (cells are 0 until counted)."""
        counts = {
            split: {d: {"karyograms": 0, "cells": 0} for d in ("poor", "excellent")}
            for split in ("train", "test")
        }
        for entry in self.manifest:
            counts[entry["split"]][entry["domain"]]["karyograms"] += 1
            counts[entry["split"]][entry["domain"]]["cells"] += len(entry["cells"] or [])
        return counts

    @property
    def cell_warnings(self) -> list[str]:
        """Why training on it cannot work: a split (the test split only when one was asked for) that has no
        cells of a domain once counted."""
        if not self.is_ready:
            return []
        counts = self.counts
        splits = ("train", "test") if self.test_fraction > 0 else ("train",)
        return [
            f"The {split} split has no {domain} cells."
            for split in splits
            for domain in ("poor", "excellent")
            if counts[split][domain]["cells"] == 0
        ]


class ModelVersion(models.Model):
    class Source(models.TextChoices):
        SHIPPED = "shipped", "Shipped with the software"
        TRAINED = "trained", "Trained here"
        UPLOADED = "uploaded", "Uploaded"
        REFERENCE = "reference", "Imported reference weights"

    name = models.SlugField(max_length=100, unique=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    storage_prefix = models.CharField(
        max_length=255, help_text="media path of generator.safetensors and its card"
    )
    weights_sha256 = models.CharField(max_length=64)
    card = models.JSONField(default=dict)
    dataset = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.PROTECT, related_name="models"
    )
    training_params = models.JSONField(default=dict, blank=True)
    evaluation = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_model"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def version_label(self) -> str:
        """What an enhancement job records: name and the start of the weights' hash."""
        return f"{self.name}:{self.weights_sha256[:12]}"


class RunState(models.TextChoices):
    QUEUED = "queued", "Queued"
    TRAINING = "training", "Training"
    EVALUATING = "evaluating", "Evaluating"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class TrainingRun(TrackedWork):
    """Training a CycleGAN on a dataset's train split (gpu), then evaluating the model it registers (gpu)."""

    ACTIVE_STATES = (RunState.QUEUED, RunState.TRAINING, RunState.EVALUATING)
    # Evaluation is short and is not interrupted.
    CANCELLABLE_STATES = (RunState.QUEUED, RunState.TRAINING)
    # training fills the bar up to the evaluation's start (per step); the evaluation moves it on from there
    PROGRESS_AT = {RunState.QUEUED: 0, RunState.EVALUATING: 90, RunState.DONE: 100}
    STEPS = {
        RunState.QUEUED: queue.TRAIN,
        RunState.TRAINING: queue.TRAIN,
        RunState.EVALUATING: queue.EVALUATE,
    }
    TASK_ARGUMENT = "run_pk"
    STALE_AFTER_SETTING = "STALE_TRAINING_SECONDS"

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="runs")
    preset = models.CharField(max_length=32)
    params = models.JSONField(default=dict, help_text="the full training configuration")
    state = models.CharField(max_length=16, choices=RunState.choices, default=RunState.QUEUED, db_index=True)
    epoch = models.PositiveIntegerField(default=0)
    iteration = models.PositiveIntegerField(default=0)
    iterations = models.PositiveIntegerField(default=0)
    losses = models.JSONField(default=list, blank=True, help_text="[[iteration, {loss: value}], …] sampled")
    cancel_requested = models.BooleanField(default=False)
    model = models.OneToOneField(
        ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="training_run"
    )
    start_from = models.ForeignKey(
        ModelVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fine_tuned_by",
        help_text="the registered model whose generators started the run (fine-tuning); none: from scratch",
    )

    class Meta(TrackedWork.Meta):
        pass

    def get_absolute_url(self) -> str:
        return reverse("training-detail", args=[self.pk])

    @property
    def sample_path(self) -> str:
        """Where the worker keeps the latest sample grid (poor | enhanced | cycled back) in media storage."""
        return f"training/{self.uid}/sample.png"


class EvaluationState(models.TextChoices):
    QUEUED = "queued", "Queued"
    EVALUATING = "evaluating", "Evaluating"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ModelEvaluation(TrackedWork):
    """A registered version evaluated on its own (an upload; a training run evaluates its model itself): a
    worker (gpu) stores `evaluation.evaluate_version` with the version, where the gate reads it."""

    ACTIVE_STATES = (EvaluationState.QUEUED, EvaluationState.EVALUATING)
    PROGRESS_AT = {EvaluationState.QUEUED: 0, EvaluationState.EVALUATING: 10, EvaluationState.DONE: 100}
    STEPS = {
        EvaluationState.QUEUED: queue.EVALUATE_VERSION,
        EvaluationState.EVALUATING: queue.EVALUATE_VERSION,
    }
    TASK_ARGUMENT = "evaluation_pk"
    STALE_AFTER_SETTING = "STALE_TRAINING_SECONDS"

    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="evaluations")
    state = models.CharField(
        max_length=16, choices=EvaluationState.choices, default=EvaluationState.QUEUED, db_index=True
    )

    class Meta(TrackedWork.Meta):
        pass


class ComparisonState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ModelComparison(TrackedWork):
    """Two model versions run on the same sample cells by a worker (cpu); the cells are kept in storage."""

    ACTIVE_STATES = (ComparisonState.QUEUED, ComparisonState.RUNNING)
    PROGRESS_AT = {ComparisonState.QUEUED: 0, ComparisonState.RUNNING: 10, ComparisonState.DONE: 100}
    STEPS = {ComparisonState.QUEUED: queue.COMPARE, ComparisonState.RUNNING: queue.COMPARE}
    TASK_ARGUMENT = "comparison_pk"

    first = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(
        max_length=16, choices=ComparisonState.choices, default=ComparisonState.QUEUED, db_index=True
    )
    labels = models.JSONField(default=list, blank=True, help_text="the cells compared, in order")

    class Meta(TrackedWork.Meta):
        pass

    def get_absolute_url(self) -> str:
        return reverse("model-comparison", args=[self.pk])

    def cell_path(self, label: str, kind: str) -> str:
        """Where the PNG of one cell (`input`, `first` or `second`) is kept in media storage."""
        return f"comparisons/{self.uid}/{label}-{kind}.png"
