"""Band sharpening after the model: bring a cell's fine band detail up to an excellent cell's, never past it.

The restoring model brings tone back and removes grain, but leaves strongly defocused cells softer
than excellent ones: on the real-content pairs its output keeps about 60 % of the truth's fine detail,
and fine bands merge (band recall below the poor input's). This step measures a cell's band detail
(`band_detail`) and, only where it is below the excellent level recorded in the model card, adds the
cell's own high-pass back (unsharp masking) with amount target/detail − 1, at most `max_amount`: what
would reach the target if detail grew with the amount; it grows a little less, so a cell ends at or below.
The high-pass is taken within the chromosome mask, so the outline is not an edge to it, and its gain
fades to nothing on the outline pixels: no halo, no outline moved. Cells as detailed as excellent ones
(most real exports, whose grain counts as detail) come back unchanged. The fidelity guard then judges
the sharpened output.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import ndimage as ndi

from .card_steps import CardStep, excellent_median
from .metrics import MIN_MEASURED_PX, cell_chromosomes

MEASURE_INSET_PX = 2  # detail is measured this far inside the outline, clear of the edge
FEATHER_PX = 2.0  # the added detail grows from none on the outline pixels to full this much deeper


@dataclass(frozen=True)
class BandSharpening(CardStep):
    """What a model card asks of band sharpening (the `"band_sharpening"` entry)."""

    CARD_KEY: ClassVar[str] = "band_sharpening"
    target_detail: float  # the median band detail of the excellent cells the model was trained toward
    radius_px: float = 2.0  # σ of the Gaussian whose residual is the band detail, at model scale
    max_amount: float = 1.0  # unsharp amount never exceeded, however soft the cell


def _local_mean(image: np.ndarray, mask: np.ndarray, radius_px: float) -> np.ndarray:
    """Gaussian mean of `image` over the chromosome pixels only (normalised convolution)."""
    weight = mask.astype(np.float64)
    return ndi.gaussian_filter(image * weight, radius_px) / np.maximum(
        ndi.gaussian_filter(weight, radius_px), 1e-3
    )


def band_detail(
    image: np.ndarray, mask: np.ndarray, background: float, radius_px: float = 2.0
) -> float | None:
    """Spread of the chromosome's high-pass (image − its Gaussian mean within `mask`) over its mean
    darkness, inside the mask: fine band contrast independent of staining depth. None: too small."""
    inner = ndi.binary_erosion(mask, iterations=MEASURE_INSET_PX)
    if inner.sum() < MIN_MEASURED_PX:
        return None
    residual = image - _local_mean(image, mask, radius_px)
    return float(residual[inner].std() / max(background - float(image[inner].mean()), 1e-6))


def excellent_detail(cells: Iterable[np.ndarray], radius_px: float = 2.0, data_range: float = 1.0) -> float:
    """The median band detail of excellent cells: the level `sharpen_bands` restores toward."""
    return excellent_median(cells, lambda cell, mask, bg: band_detail(cell, mask, bg, radius_px), data_range)


def outline_fade(mask: np.ndarray) -> np.ndarray:
    """0 on a mask's outline pixels rising to 1 at `FEATHER_PX` inside (0 outside): the weight of a change
    that must not draw an edge or move the outline."""
    return np.clip((ndi.distance_transform_edt(mask) - 1) / FEATHER_PX, 0, 1)


def sharpen_bands(
    output: np.ndarray, model_input: np.ndarray, settings: BandSharpening, data_range: float = 1.0
) -> np.ndarray:
    """`output` (a model output) with its band detail raised to `settings.target_detail` where it is
    lower; the chromosome mask comes from `model_input`. Same shape and range."""
    mask, background, _ = cell_chromosomes(model_input, data_range)
    detail = band_detail(output, mask, background, settings.radius_px)
    if detail is None or detail >= settings.target_detail:
        return output
    amount = min(settings.max_amount, settings.target_detail / max(detail, 1e-6) - 1)
    fade = outline_fade(mask)
    residual = output - _local_mean(output, mask, settings.radius_px)
    return np.clip(output + amount * fade * residual, 0, data_range).astype(output.dtype)
