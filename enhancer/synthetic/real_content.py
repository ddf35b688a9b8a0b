"""Aligned (poor, excellent) cells cut from REAL sharp G-banded images, degraded synthetically.

Real content closes the synthetic-to-real gap: the truth is a real chromosome, the input the
same pixels after a degradation an enhancement can honestly undo (faint staining, defocus,
fuzzy outlines, noise, uneven light, compression). Nothing changes the band level, length or
outline geometry, so a target never holds a band its input cannot show. Crops are made the
way the product makes cells: square, chromosome pixels (dilated mask) on a flat background,
resized to 256×256, with chromosomes as wide as in real karyogram cells.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage as ndi
from skimage.measure import label, regionprops
from skimage.morphology import skeletonize
from skimage.transform import resize

from ..cells import MASK_CONTEXT_PX, MODEL_SIZE
from ..io import read_karyogram
from ..segmentation import background_level
from .degrade import ImageDegradation, degrade_image

INK_BELOW_BACKGROUND = 0.12  # chromosome pixels: darker than the background by this much
CELL_CHROMOSOME_WIDTH_PX = (18.0, 38.0)  # chromosome width in a 256-px model cell, real karyograms


@dataclass(frozen=True)
class ContentDegradation:
    """Chromosome-level degradation of real content; the image-level part is `ImageDegradation`."""

    band_contrast: float = 1.0  # faint banding: detail around the local mean scaled by this
    band_blur: float = 0.0  # band merging inside the chromosome, px (σ)
    edge_blur: float = 0.0  # fuzzy outline, px (σ), near the edge only


# Training families; "disk_defocus" (out-of-focus disk PSF with heavy JPEG) is held out for evaluation.
TRAINING_FAMILY = "gaussian"
HELD_OUT_FAMILY = "disk_defocus"


def chromosome_mask(grey: np.ndarray, background: float) -> np.ndarray:
    """Chromosome pixels of a sharp image: dark, thick objects (text, underlines and specks dropped)."""
    mask = ndi.binary_opening(grey < background - INK_BELOW_BACKGROUND, iterations=1)
    labels = label(mask)
    regions = regionprops(labels)
    if not regions:
        return mask
    large = np.percentile([r.area for r in regions], 90)
    keep = [r.label for r in regions
            if r.area >= 0.12 * large and min(r.bbox[2] - r.bbox[0], r.bbox[3] - r.bbox[1]) >= 6]
    return ndi.binary_fill_holes(np.isin(labels, keep))


def chromosome_width(mask: np.ndarray) -> float:
    """Typical chromosome width in pixels: twice the median distance to the edge along the skeleton."""
    distance = ndi.distance_transform_edt(mask)
    on_axis = distance[skeletonize(mask)]
    return float(2 * np.median(on_axis)) if on_axis.size else 0.0


def excellent_cells(grey: np.ndarray, count: int, rng: np.random.Generator,
                    size: int = MODEL_SIZE) -> Iterator[tuple[np.ndarray, np.ndarray, float]]:
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
        crop = flat[y0:y0 + side, x0:x0 + side]
        crop_mask = mask[y0:y0 + side, x0:x0 + side].astype(np.float32)
        turns, flip = int(rng.integers(4)), bool(rng.integers(2))
        crop, crop_mask = np.rot90(crop, turns), np.rot90(crop_mask, turns)
        if flip:
            crop, crop_mask = crop[:, ::-1], crop_mask[:, ::-1]
        image = resize(crop, (size, size), order=1, anti_aliasing=side > size, preserve_range=True)
        cell_mask = resize(crop_mask, (size, size), order=1, anti_aliasing=side > size) > 0.5
        yield image.astype(np.float32), cell_mask, background


def random_degradation(rng: np.random.Generator, family: str = TRAINING_FAMILY,
                       ) -> tuple[ContentDegradation, ImageDegradation, float]:
    """Degradation parameters spanning mild to severe poor bone-marrow karyograms.

    Returns the chromosome-level and image-level parameters and the disk PSF radius (0 unless
    the family is the held-out disk defocus).
    """
    u = lambda lo, hi: float(rng.uniform(lo, hi))  # noqa: E731
    content = ContentDegradation(band_contrast=u(0.4, 0.9), band_blur=u(0.0, 2.0), edge_blur=u(0.5, 2.5))
    disk = 0.0
    if family == HELD_OUT_FAMILY:
        disk = u(1.5, 3.0)
        image = ImageDegradation(global_contrast=u(0.55, 0.9), gamma=u(0.9, 1.3), psf_sigma=0.0,
                                 illum_amp=u(0.0, 0.08), poisson_peak=u(150, 800), gauss_sigma=u(0.003, 0.012),
                                 jpeg_quality=int(rng.integers(25, 45)))
    elif family == TRAINING_FAMILY:
        image = ImageDegradation(global_contrast=u(0.5, 0.95), gamma=u(0.85, 1.3), n_debris=int(rng.integers(0, 4)),
                                 psf_sigma=u(0.3, 2.2), illum_amp=u(0.0, 0.1), down=u(1.0, 1.8),
                                 poisson_peak=u(150, 2000), gauss_sigma=u(0.002, 0.015),
                                 jpeg_quality=int(rng.choice([0, int(rng.integers(50, 95))])))
    else:
        raise ValueError(f"family must be {TRAINING_FAMILY!r} or {HELD_OUT_FAMILY!r}, not {family!r}")
    return content, image, disk


def degrade_cell(image: np.ndarray, mask: np.ndarray, background: float, content: ContentDegradation,
                 degradation: ImageDegradation, rng: np.random.Generator, disk_radius: float = 0.0,
                 ) -> np.ndarray:
    """The poor version of a cell (float32 in [0, 1]), pixel-aligned with `image`, same background.

    Like the product's cells, pixels away from the chromosomes are flat background, and the
    background level is kept, so the model learns to change chromosomes and nothing else.
    """
    x = image.astype(np.float64)
    inside = ndi.gaussian_filter(mask.astype(np.float64), 1.0)
    if content.band_blur > 0:
        x = inside * ndi.gaussian_filter(x, content.band_blur) + (1 - inside) * x
    local = ndi.gaussian_filter(x, 5.0)
    x = inside * (local + content.band_contrast * (x - local)) + (1 - inside) * x
    if content.edge_blur > 0:
        edge = ndi.binary_dilation(mask, iterations=3) & ~ndi.binary_erosion(mask, iterations=3)
        ring = ndi.gaussian_filter(edge.astype(np.float64), 1.5)
        x = ring * ndi.gaussian_filter(x, content.edge_blur) + (1 - ring) * x
    if disk_radius > 0:
        x = ndi.convolve(x, _disk(disk_radius), mode="nearest")
    poor = degrade_image(x, background, degradation, rng).astype(np.float64) / 255
    keep = ndi.binary_dilation(mask, iterations=MASK_CONTEXT_PX + 1)
    seen_background = float(np.median(poor[~keep])) if (~keep).any() else background
    poor = poor * (background / max(seen_background, 1e-3))
    return np.where(keep, np.clip(poor, 0, 1), background).astype(np.float32)


def _disk(radius: float) -> np.ndarray:
    r = int(np.ceil(radius))
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    kernel = (yy**2 + xx**2 <= radius**2).astype(np.float64)
    return kernel / kernel.sum()


def real_content_pairs(paths: list[Path], per_image: int, seed: int, family: str = TRAINING_FAMILY,
                       ) -> Iterator[dict]:
    """Aligned pairs from sharp real images: dicts with input, truth, mask, background and source."""
    rng = np.random.default_rng(seed)
    for path in paths:
        grey = read_karyogram(path).grey
        for truth, mask, background in excellent_cells(grey, per_image, rng):
            content, degradation, disk = random_degradation(rng, family)
            poor = degrade_cell(truth, mask, background, content, degradation, rng, disk)
            truth = np.where(ndi.binary_dilation(mask, iterations=MASK_CONTEXT_PX + 1), truth, background)
            yield {"input": poor, "truth": truth.astype(np.float32), "mask": mask, "background": background,
                   "source": Path(path).name}
