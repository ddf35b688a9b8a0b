"""Evaluate a model version: `enhancer.evaluation` on synthetic pairs, and its dataset's test split.

A training run evaluates the model it registers as its last step; any other version (an upload) is
evaluated by a `ModelEvaluation` a worker moves on (`workers.training`, queue gpu).
"""

import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from PIL import Image

from enhancer.evaluation import by_karyogram, evaluate
from enhancer.inference import Enhancer
from enhancer.metrics import ssim_map
from enhancer.synthetic.files import write_synthetic
from webapp.core import queue
from webapp.core.models import TrackedWork, TrackedWorkQuerySet

from .datasets import export_cells
from .models import EvaluationState, ModelEvaluation, ModelVersion, RunState, TrainingRun
from .registry import local_dir, usable_versions

evaluations = ModelEvaluation.objects


def synthetic_pairs(directory: Path, count: int, size: tuple[int, int], seed: int = 90000) -> None:
    """Write `count` aligned (excellent, poor) pairs as `python -m enhancer synth --quality pair` does."""
    width, height = size
    for i in range(count):
        write_synthetic(
            directory, seed + i, severity=("mild", "moderate", "severe")[i % 3], width=width, height=height
        )


def test_split_summary(model_dir: Path, version: ModelVersion, work: Path) -> dict:
    """No ground truth on real test karyograms: how much the model changes excellent cells (should be
    little, SSIM near 1) and poor cells (mean absolute change)."""
    export_cells(version.dataset, "test", work)
    enhancer = Enhancer(model_dir, device=settings.ENHANCER_DEVICE)
    summary = {}
    for domain in ("excellent", "poor"):
        paths = sorted((work / domain).glob("*.png")) if (work / domain).exists() else []
        if not paths:
            summary[domain] = {"cells": 0}
            continue
        cells = np.stack([np.asarray(Image.open(p), np.float32) / 255 for p in paths])
        # one karyogram at a time, as the product runs them (export_cells names k<karyogram>_<label>.png)
        out = by_karyogram(enhancer, [{"karyogram": p.name.partition("_")[0]} for p in paths], cells)
        summary[domain] = {
            "cells": len(paths),
            "ssim_to_input": float(np.mean([ssim_map(x, y)[0] for x, y in zip(cells, out, strict=True)])),
            "mean_abs_change": float(np.mean(np.abs(out - cells))),
        }
    return summary


def evaluate_version(version: ModelVersion, progress: Callable[[float], None] = lambda done: None) -> dict:
    """Metrics and baselines on synthetic pairs, plus the test-split summary when the model has a dataset;
    `progress` is told the share done (0 to 1) as it goes."""
    model_dir = local_dir(version)
    tested = version.dataset is not None
    evaluated = 0.85 if tested else 1.0  # the share done once `evaluate` ends
    with tempfile.TemporaryDirectory(prefix="chromo-eval-") as tmp:
        pairs = Path(tmp) / "pairs"
        pairs.mkdir()
        synthetic_pairs(pairs, settings.EVALUATION_SYNTHETIC_PAIRS, settings.EVALUATION_SIZE)
        progress(0.1)
        summary, _ = evaluate(
            model_dir,
            pairs,
            device=settings.ENHANCER_DEVICE,
            progress=lambda done: progress(0.1 + (evaluated - 0.1) * done),
        )
        result = {"synthetic_pairs": {"karyograms": settings.EVALUATION_SYNTHETIC_PAIRS, **summary}}
        if tested:
            result["test_split"] = test_split_summary(model_dir, version, Path(tmp) / "test")
            progress(1.0)
    return result


def store_evaluation_or_fail(
    work: TrackedWorkQuerySet, pk: int, version: ModelVersion, failed: Callable[[Exception], str]
) -> bool:
    """Evaluate `version` and keep the result with it, where the activation gate reads it (both the training
    run's last step and a `ModelEvaluation` end here); True when stored. When the weights load but cannot run
    (torch raises RuntimeError), fail row `pk` of `work` with `failed(reason)` rather than leave it to be retried."""
    first = work.filter(pk=pk).values_list("progress", flat=True).first() or 0

    def report(done: float) -> None:  # the bar moves from where the row stands to just short of done
        work.filter(pk=pk).update(progress=first + int((99 - first) * done), updated=timezone.now())

    try:
        ModelVersion.objects.filter(pk=version.pk).update(evaluation=evaluate_version(version, report))
    except (ValueError, RuntimeError) as exc:
        work.fail(pk, failed(exc))
        return False
    return True


class EvaluationRefused(ValueError):
    """A version that gets no evaluation of its own; the message says why."""


def evaluation_work(versions: list[ModelVersion]) -> dict[int, TrackedWork]:
    """The work that evaluates (or evaluated) each version, by version pk: its newest `ModelEvaluation`, else
    its training run once that has registered it (training runs evaluate their model as their last step)."""
    work: dict[int, TrackedWork] = {
        run.model_id: run for run in TrainingRun.objects.filter(model__in=versions)
    }
    for evaluation in ModelEvaluation.objects.filter(version__in=versions).order_by("created"):
        work[evaluation.version_id] = evaluation
    return work


def request_evaluation(version: ModelVersion, user) -> ModelEvaluation:
    """The version's evaluation under way, else a new one sent to a worker once the transaction commits.

    Refused for a version its training run is evaluating, and for shipped weights no longer installed. The
    shipped model is evaluated like any other (on this installation's worker, beside the versions trained
    here); it is never gated.
    """
    if not usable_versions().filter(pk=version.pk).exists():
        raise EvaluationRefused(
            f"The weights of {version.name} shipped with an earlier release and are no longer "
            "installed; there is nothing to evaluate."
        )
    if TrainingRun.objects.filter(model=version, state=RunState.EVALUATING).exists():
        raise EvaluationRefused(f"{version.name} is being evaluated by its training run already.")
    with transaction.atomic():
        under_way = evaluations.filter(version=version, state__in=ModelEvaluation.ACTIVE_STATES).first()
        if under_way is not None:
            return under_way
        evaluation = evaluations.create(version=version, created_by=user)
        queue.send_on_commit(queue.EVALUATE_VERSION, evaluation_pk=evaluation.pk)
    return evaluation


def run_evaluation(evaluation_pk: int) -> None:
    """Evaluate the version and store the result with it, where the activation gate reads it (the worker's step)."""
    evaluation = evaluations.claim(
        evaluation_pk, (EvaluationState.QUEUED, EvaluationState.EVALUATING), EvaluationState.EVALUATING
    )
    if evaluation is None:
        return
    if store_evaluation_or_fail(
        evaluations,
        evaluation_pk,
        evaluation.version,
        lambda reason: f"The evaluation could not run: {reason}",
    ):
        evaluations.advance(evaluation_pk, EvaluationState.EVALUATING, EvaluationState.DONE)
