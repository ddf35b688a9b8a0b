"""Two model versions side by side: their metrics, and the same cells enhanced by each."""

import base64
import io
from functools import lru_cache

import numpy as np
from PIL import Image

from enhancer.cells import slice_cells
from enhancer.inference import Enhancer
from enhancer.io import grey_of
from enhancer.synthetic import synthesize

from .models import ModelVersion
from .registry import local_dir

METRICS = ("psnr", "ssim", "psnr_fg", "ssim_fg", "band_corr", "length_ratio", "mask_iou")
SAMPLE_LABELS = ("1", "5", "7", "9", "12", "X")


def _data_uri(cell: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray((np.clip(cell, 0, 1) * 255).round().astype(np.uint8)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@lru_cache(maxsize=1)
def sample_cells(seed: int = 4242) -> dict[str, np.ndarray]:
    """Model inputs of a few cells of one fixed poor synthetic karyogram (the same for every comparison).

    Made once per process: synthesising and slicing it takes 2 s.
    """
    made = synthesize("46,XY", seed=seed, quality="poor", severity="moderate", shorten=False)
    inputs = slice_cells(grey_of(made.image, 8)).inputs
    return {label: inputs[label] for label in SAMPLE_LABELS if label in inputs}


def compare_versions(first: ModelVersion, second: ModelVersion) -> dict:
    """Metric rows (CycleGAN of each version on its synthetic evaluation) and cells as data URIs."""
    rows = []
    for metric in METRICS:
        values = [
            v.evaluation.get("synthetic_pairs", {}).get("methods", {}).get("cyclegan", {}).get(metric)
            for v in (first, second)
        ]
        rows.append((metric, *values))
    inputs = sample_cells()
    outputs = [Enhancer(local_dir(v), device="auto").enhance_inputs(inputs) for v in (first, second)]
    cells = [
        (label, _data_uri(inputs[label]), _data_uri(outputs[0][label]), _data_uri(outputs[1][label]))
        for label in inputs
    ]
    return {"metric_rows": rows, "cells": cells}
