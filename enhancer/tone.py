"""Contrast lift after the model: a mid-tone curve that deepens a faint cell's staining toward an
excellent cell's local contrast, by at most a set factor over the input's own.

The restoring model and band sharpening restore what a degradation took, so a real export that is
faint but not degraded (pale staining, a zoomed export whose bands are wide and soft) comes back about
as faint as it went in, and an output the model made softer than its input is lifted back too. The
curve invents nothing: in darkness u (0 at the input's chromosome threshold, 1 at black) it is
u + k·u²(1−u), k ≤ 1, so it is smooth, fixed at the threshold and at black and monotone: the outline
stays where it was, no pixel becomes lighter or is crushed to black, and both homologs get the same
curve. It reads a lightly smoothed copy, so pixel grain gets no offset of its own (and tone order is
kept to within what that copy blurs).
Local contrast is the spread, inside the input's chromosome mask, of the image minus its Gaussian mean
(the background included, as a reader sees it); it is linear in k, so the k that reaches the target is
the root of a quadratic. A card may also ask for a floor (`min_gain`): at least that × the input's own
local contrast, past the excellent level where the input already reaches it; the shipped card asks for
none (README, "Real karyograms through the product": what a floor gains and costs).
Near black the curve's slope falls to 1 − k, so a cell whose dark bands are near black would have them
crushed into solid blocks: the strength is lowered until the cell turns no more of its chromosome black
than `black_limit` allows. The fidelity guard then judges the result.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import ndimage as ndi

from .black_limit import black_share, within_black_allowance
from .card_steps import CardStep, excellent_median
from .metrics import MIN_MEASURED_PX, cell_chromosomes

BASE_SIGMA_PX = 1.0  # σ of the smoothed copy the curve reads


@dataclass(frozen=True)
class ContrastLift(CardStep):
    """What a model card asks of the contrast lift (the `"contrast_lift"` entry)."""

    CARD_KEY: ClassVar[str] = "contrast_lift"
    LIMITS: ClassVar[dict[str, float]] = {"max_strength": 1.0}  # past 1 the curve folds over near black
    target_contrast: float  # median local contrast of the excellent training cells, over their background
    max_gain: float = 1.5  # never past this × the input's own local contrast
    min_gain: float | None = None  # a floor: at least this × the input's own, past the excellent level
    radius_px: float = 6.0  # σ of the Gaussian whose residual is the local contrast, at model scale
    max_strength: float = 1.0  # the curve's k never exceeded, however faint the cell

    def __post_init__(self):
        super().__post_init__()
        if self.min_gain is not None and self.min_gain > self.max_gain:
            raise ValueError(
                f"contrast_lift.min_gain ({self.min_gain:g}) must not exceed max_gain ({self.max_gain:g})"
            )


def local_contrast(image: np.ndarray, mask: np.ndarray, radius_px: float = 6.0) -> float | None:
    """Spread of `image` minus its Gaussian mean over the `mask` pixels; None when too few to measure."""
    if mask.sum() < MIN_MEASURED_PX:
        return None
    image = np.asarray(image, np.float64)
    return float((image - ndi.gaussian_filter(image, radius_px))[mask].std())


def excellent_contrast(cells: Iterable[np.ndarray], radius_px: float = 6.0, data_range: float = 1.0) -> float:
    """The median local contrast of excellent cells over their background: the level `lift_contrast`
    lifts toward."""

    def over_background(cell: np.ndarray, mask: np.ndarray, background: float) -> float | None:
        value = local_contrast(cell, mask, radius_px)
        return None if value is None else value / background

    return excellent_median(cells, over_background, data_range)


def _curve_offset(image: np.ndarray, mask: np.ndarray, threshold: float) -> np.ndarray:
    """The curve at k = 1 inside `mask`: darkness u (0 at the threshold, 1 at black) gets t·u²(1−u) more."""
    darkness = np.clip((threshold - ndi.gaussian_filter(image, BASE_SIGMA_PX)) / threshold, 0, 1)
    return np.where(mask & (image < threshold), threshold * darkness**2 * (1 - darkness), 0.0)


def lift_contrast(
    output: np.ndarray, model_input: np.ndarray, settings: ContrastLift, data_range: float = 1.0
) -> np.ndarray:
    """`output` (a float model output) darkened in its mid-tones until its local contrast reaches the
    lesser of `max_gain` × the input's and the excellent level (or `min_gain` × the input's, where the
    card asks for that floor and it is higher); unchanged where it already does. Only pixels the input
    shows as chromosome change. Same shape, dtype and range."""
    mask, background, threshold = cell_chromosomes(model_input, data_range)
    before = local_contrast(model_input / data_range, mask, settings.radius_px)
    if before is None:
        return output
    excellent = settings.target_contrast * background / data_range
    floor = settings.min_gain * before if settings.min_gain is not None else 0.0
    want = min(settings.max_gain * before, max(floor, excellent))
    image = output.astype(np.float64) / data_range
    offset = _curve_offset(image, mask, threshold / data_range)
    high_image = (image - ndi.gaussian_filter(image, settings.radius_px))[mask]
    high_offset = (offset - ndi.gaussian_filter(offset, settings.radius_px))[mask]
    high_image, high_offset = high_image - high_image.mean(), high_offset - high_offset.mean()
    # contrast² at strength k: mean((h_i − k h_o)²) = a k² − 2 b k + c; its one positive root at want²
    a, b, c = (high_offset**2).mean(), (high_image * high_offset).mean(), (high_image**2).mean()
    shortfall = want**2 - c
    if shortfall <= 0 or a <= 0:
        return output
    strength = min(settings.max_strength, shortfall / (np.sqrt(b * b + a * shortfall) - b))
    level = background / data_range
    strength = within_black_allowance(
        lambda k: image - k * offset, strength, mask, level, black_share(image, mask, level)
    )
    # with b > 0 contrast first dips as k grows: a k capped inside the dip would lower it, not lift it
    if a * strength**2 - 2 * b * strength <= 0:
        return output
    return (np.clip(image - strength * offset, 0, 1) * data_range).astype(output.dtype)
