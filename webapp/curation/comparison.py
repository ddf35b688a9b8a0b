"""Two model versions side by side: their metrics, and the same cells enhanced by each.

Running the models is a worker's job (`workers.comparison`, queue cpu): it writes the cells as PNGs to
media storage, and the page shows them from there; the web process never loads a model.
"""

from functools import lru_cache

import numpy as np
from django.db import transaction

from enhancer.cells import slice_cells
from enhancer.io import grey_of
from enhancer.synthetic import synthesize
from webapp.cases.services import display_png
from webapp.core import queue, storage

from .active_model import enhancer_for
from .models import ComparisonState, ModelComparison, ModelVersion
from .registry import local_dir

METRICS = ("psnr", "ssim", "psnr_fg", "ssim_fg", "band_corr", "length_ratio", "mask_iou")
SAMPLE_LABELS = ("1", "5", "7", "9", "12", "X")
KINDS = ("input", "first", "second")
comparisons = ModelComparison.objects


def metric_rows(first: ModelVersion, second: ModelVersion) -> list[tuple]:
    """(metric, first's value, second's value): the CycleGAN of each version on its synthetic evaluation."""
    rows = []
    for metric in METRICS:
        values = [
            v.evaluation.get("synthetic_pairs", {}).get("methods", {}).get("cyclegan", {}).get(metric)
            for v in (first, second)
        ]
        rows.append((metric, *values))
    return rows


def request_comparison(first: ModelVersion, second: ModelVersion, user) -> ModelComparison:
    """The comparison of the two versions: one made or under way already (versions never change), else a
    new one sent to a worker once the transaction commits."""
    reuse = comparisons.filter(first=first, second=second).exclude(state=ComparisonState.FAILED).first()
    if reuse is not None:
        return reuse
    with transaction.atomic():
        comparison = comparisons.create(first=first, second=second, created_by=user)
        queue.send_on_commit(queue.COMPARE, comparison_pk=comparison.pk)
    return comparison


@lru_cache(maxsize=1)
def sample_karyogram(seed: int = 4242) -> dict[str, np.ndarray]:
    """Model inputs of every cell of one fixed poor synthetic karyogram (the same for every comparison):
    a model's steps over a whole karyogram must see all of it, though only `SAMPLE_LABELS` are shown.

    Made once per process: synthesising and slicing it takes 2 s.
    """
    made = synthesize("46,XY", seed=seed, quality="poor", severity="moderate", shorten=False)
    return slice_cells(grey_of(made.image, 8)).inputs


def _png(cell: np.ndarray) -> bytes:
    return display_png((np.clip(cell, 0, 1) * 255).round().astype(np.uint8))


def run_comparison(comparison_pk: int) -> None:
    """Enhance the sample cells with both versions and store every cell as a PNG (the worker's step)."""
    comparison = comparisons.claim(
        comparison_pk, (ComparisonState.QUEUED, ComparisonState.RUNNING), ComparisonState.RUNNING
    )
    if comparison is None:
        return
    karyogram = sample_karyogram()
    shown = [label for label in SAMPLE_LABELS if label in karyogram]
    outputs = {"input": karyogram} | {
        kind: enhancer_for(str(local_dir(version))).enhance_inputs(karyogram).outputs
        for kind, version in (("first", comparison.first), ("second", comparison.second))
    }
    cells = {kind: {label: images[label] for label in shown} for kind, images in outputs.items()}
    try:
        for kind, images in cells.items():
            for label, image in images.items():
                storage.put_file(comparison.cell_path(label, kind), _png(image))
    except OSError as exc:
        comparisons.fail_on_storage_error(comparison_pk, exc, "the compared cells")
        return

    def write(current: ModelComparison) -> None:
        current.labels = shown

    comparisons.advance(comparison_pk, ComparisonState.RUNNING, ComparisonState.DONE, write=write)
