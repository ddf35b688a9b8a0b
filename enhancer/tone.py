"""Contrast lift after the model: a mid-tone curve that deepens a faint cell's staining toward an
excellent cell's local contrast, by at most a set factor over the input's own.

The restoring model and band sharpening restore what a degradation took, so a real export that is
faint but not degraded (pale staining, a zoomed export whose bands are wide and soft) comes back about
as faint as it went in. A tone curve invents nothing: it darkens mid-grey chromatin by a smooth offset
that is zero at the chromosome threshold and at black, so the outline stays where it was, no pixel
becomes lighter, no texture finer than a pixel is amplified, and both homologs get the same curve.
Local contrast is the spread, inside the input's chromosome mask, of the image minus its Gaussian
mean (the background included, as a reader sees it); it is linear in the curve's strength, so the
strength that reaches the target is the root of a quadratic. The fidelity guard then judges the result.
"""

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

import numpy as np
from scipy import ndimage as ndi

from .metrics import background_and_threshold, chromosome_mask

MIN_MEASURED_PX = 30  # fewer chromosome pixels than this: nothing to measure, the cell is left alone
BASE_SIGMA_PX = 1.0  # the curve reads a lightly smoothed copy, so pixel grain gets no offset of its own


@dataclass(frozen=True)
class ContrastLift:
    """What a model card asks of the contrast lift (the `"contrast_lift"` entry)."""

    target_contrast: float  # median local contrast of the excellent training cells, over their background
    max_gain: float = 1.4  # never past this × the input's own local contrast
    radius_px: float = 6.0  # σ of the Gaussian whose residual is the local contrast, at model scale
    max_strength: float = 1.5  # the curve's strength never exceeded, however faint the cell

    def __post_init__(self):
        for name in ("target_contrast", "max_gain", "radius_px", "max_strength"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 100:
                raise ValueError(f"contrast_lift.{name} must be a number between 0 and 100, got {value!r}")

    @classmethod
    def from_card(cls, card: Mapping) -> "ContrastLift | None":
        """The card's settings, or None when the card asks for no lift (paper preset, imports)."""
        settings = card.get("contrast_lift")
        return cls(**settings) if settings else None

    def to_json(self) -> dict:
        return asdict(self)


def local_contrast(image: np.ndarray, mask: np.ndarray, radius_px: float = 6.0) -> float | None:
    """Spread of `image` minus its Gaussian mean over the `mask` pixels; None when too few to measure."""
    if mask.sum() < MIN_MEASURED_PX:
        return None
    return float((image - ndi.gaussian_filter(image, radius_px))[mask].std())


def excellent_contrast(cells: Iterable[np.ndarray], radius_px: float = 6.0, data_range: float = 1.0) -> float:
    """The median local contrast of excellent cells over their background: the level `lift_contrast`
    lifts toward."""
    values = []
    for cell in cells:
        background, threshold = background_and_threshold(cell, data_range)
        value = local_contrast(cell, chromosome_mask(cell, threshold), radius_px)
        if value is not None:
            values.append(value / background)
    if not values:
        raise ValueError("no chromosome in the excellent cells to measure local contrast on")
    return float(np.median(values))


def _curve_offset(image: np.ndarray, threshold: float) -> np.ndarray:
    """The curve at strength 1: darkness u (0 at the threshold, 1 at black) gets t·u²(1−u) more."""
    darkness = np.clip((threshold - ndi.gaussian_filter(image, BASE_SIGMA_PX)) / threshold, 0, 1)
    return np.where(image < threshold, threshold * darkness**2 * (1 - darkness), 0.0)


def lift_contrast(
    output: np.ndarray, model_input: np.ndarray, settings: ContrastLift, data_range: float = 1.0
) -> np.ndarray:
    """`output` (a model output) darkened in its mid-tones until its local contrast reaches the lesser
    of `max_gain` × the input's and the excellent level; unchanged where it already does. The
    chromosome mask and threshold come from `model_input`. Same shape and range."""
    background, threshold = background_and_threshold(model_input, data_range)
    mask = chromosome_mask(model_input, threshold)
    before = local_contrast(model_input / data_range, mask, settings.radius_px)
    if before is None:
        return output
    want = min(settings.max_gain * before, settings.target_contrast * background / data_range)
    image = output.astype(np.float64) / data_range
    offset = _curve_offset(image, threshold / data_range)
    high_image = (image - ndi.gaussian_filter(image, settings.radius_px))[mask]
    high_offset = (offset - ndi.gaussian_filter(offset, settings.radius_px))[mask]
    high_image, high_offset = high_image - high_image.mean(), high_offset - high_offset.mean()
    # contrast² at strength k: mean((h_i − k h_o)²) = a k² − 2 b k + c; the least k ≥ 0 where it reaches want²
    a, b, c = (high_offset**2).mean(), (high_image * high_offset).mean(), (high_image**2).mean()
    if c >= want**2 or a <= 0:
        return output
    strength = min(settings.max_strength, (b + np.sqrt(b * b + a * (want**2 - c))) / a)
    return (np.clip(image - strength * offset, 0, 1) * data_range).astype(output.dtype)
