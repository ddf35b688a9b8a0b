"""Aligned (poor, excellent) cells cut from REAL sharp G-banded images, degraded synthetically.

Real content closes the synthetic-to-real gap: the truth is a real chromosome, the input the
same pixels after a degradation an enhancement can honestly undo (faint staining, defocus,
fuzzy outlines, noise, uneven light, compression). Nothing changes the band level, length or
outline geometry, so a target never holds a band its input cannot show. Crops are made the
way the product makes cells: square, chromosome pixels (dilated mask) on a flat background,
resized to 256×256, with chromosomes as wide as in real karyogram cells.
"""

from collections.abc import Iterator
from pathlib import Path

import numpy as np
from scipy import ndimage as ndi
from skimage.measure import label, regionprops
from skimage.transform import resize

from ..cells import MASK_CONTEXT_PX, MODEL_SIZE
from ..io import read_karyogram
from ..segmentation import background_level
from .degrade import HELD_OUT_FAMILY, TRAINING_FAMILIES, chromosome_width, degrade

INK_BELOW_BACKGROUND = 0.12  # chromosome pixels: darker than the background by this much
CELL_CHROMOSOME_WIDTH_PX = (18.0, 38.0)  # chromosome width in a 256-px model cell, real karyograms
SEVERITY_RANGE = (0.2, 0.9)  # mild to severe, drawn per pair


def chromosome_mask(grey: np.ndarray, background: float) -> np.ndarray:
    """Chromosome pixels of a sharp image: dark, thick objects (text, underlines and specks dropped)."""
    mask = ndi.binary_opening(grey < background - INK_BELOW_BACKGROUND, iterations=1)
    labels = label(mask)
    regions = regionprops(labels)
    if not regions:
        return mask
    large = np.percentile([r.area for r in regions], 90)
    keep = [
        r.label
        for r in regions
        if r.area >= 0.12 * large and min(r.bbox[2] - r.bbox[0], r.bbox[3] - r.bbox[1]) >= 6
    ]
    return ndi.binary_fill_holes(np.isin(labels, keep))


def excellent_cells(
    grey: np.ndarray, count: int, rng: np.random.Generator, size: int = MODEL_SIZE
) -> Iterator[tuple[np.ndarray, np.ndarray, float]]:
    """`count` random cell-like crops of a sharp image: (image, chromosome mask, background), float32."""
    background = background_level(grey)
    mask = chromosome_mask(grey, background)
    width = chromosome_width(mask)
    if width == 0:
        raise ValueError("no chromosomes found in the image")
    ys, xs = np.nonzero(mask)
    keep = ndi.binary_dilation(mask, iterations=MASK_CONTEXT_PX)
    flat = np.where(keep, grey, background).astype(np.float32)
    height_px, width_px = grey.shape
    for _ in range(count):
        side = int(round(width * size / rng.uniform(*CELL_CHROMOSOME_WIDTH_PX)))
        side = max(32, min(side, height_px, width_px))
        i = int(rng.integers(len(ys)))
        y0 = int(np.clip(ys[i] - side // 2, 0, height_px - side))
        x0 = int(np.clip(xs[i] - side // 2, 0, width_px - side))
        crop = flat[y0 : y0 + side, x0 : x0 + side]
        crop_mask = mask[y0 : y0 + side, x0 : x0 + side].astype(np.float32)
        turns, flip = int(rng.integers(4)), bool(rng.integers(2))
        crop, crop_mask = np.rot90(crop, turns), np.rot90(crop_mask, turns)
        if flip:
            crop, crop_mask = crop[:, ::-1], crop_mask[:, ::-1]
        image = resize(crop, (size, size), order=1, anti_aliasing=side > size, preserve_range=True)
        cell_mask = resize(crop_mask, (size, size), order=1, anti_aliasing=side > size) > 0.5
        yield image.astype(np.float32), cell_mask, background


def degrade_cell(
    image: np.ndarray, mask: np.ndarray, background: float, family: str, severity: float, seed: int
) -> np.ndarray:
    """The poor version of a cell (float32 in [0, 1]), pixel-aligned with `image`, same background.

    Like the product's cells, pixels away from the chromosomes are flat background, and the
    background level is kept, so the model learns to change chromosomes and nothing else.
    """
    poor, _ = degrade(image, mask, family, severity, seed=seed, background=background)
    keep = ndi.binary_dilation(mask, iterations=MASK_CONTEXT_PX + 1)
    seen_background = float(np.median(poor[~keep])) if (~keep).any() else background
    poor = poor * (background / max(seen_background, 1e-3))
    return np.where(keep, np.clip(poor, 0, 1), background).astype(np.float32)


def real_content_pairs(
    paths: list[Path], per_image: int, seed: int, held_out: bool = False
) -> Iterator[dict]:
    """Aligned pairs from sharp real images: dicts with input, truth, mask, background, source and
    family. Each pair draws a training family (or the held-out one) and a severity."""
    rng = np.random.default_rng(seed)
    for path in paths:
        grey = read_karyogram(path).grey
        for truth, mask, background in excellent_cells(grey, per_image, rng):
            family = HELD_OUT_FAMILY if held_out else str(rng.choice(TRAINING_FAMILIES))
            poor = degrade_cell(
                truth, mask, background, family, float(rng.uniform(*SEVERITY_RANGE)), int(rng.integers(2**31))
            )
            truth = np.where(ndi.binary_dilation(mask, iterations=MASK_CONTEXT_PX + 1), truth, background)
            yield {
                "input": poor,
                "truth": truth.astype(np.float32),
                "mask": mask,
                "background": background,
                "source": Path(path).name,
                "family": family,
            }
