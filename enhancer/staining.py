"""Staining depth after the model: deepen a pale karyogram's chromosomes toward an excellent
karyogram's mean darkness, by one gain for all its cells, never past that level.

Pale staining is a degradation an enhancement may honestly restore, and a reader sees it karyogram by
karyogram: an export whose chromosomes are all pale (one slide, one stain) reads as faint however
sharp its bands. The per-cell steps cannot tell: their local contrast counts grain as detail, and a
cell's own darkness depends on which chromosome it holds (19 is pale on any slide). So this step
measures the darkness of the whole karyogram, the mean over every cell's chromosome pixels of
1 − grey/background, and where it is below the median of the excellent training cells it finds the
one gain g ≤ `max_gain` that brings it there. Each cell's darkness below its chromosome threshold
is then multiplied by g, easing into black (a quadratic toe) so that nothing but black becomes black:
the curve is monotone and fixed at the threshold, so no outline moves and both homologs of every pair
get the same curve. It reads a lightly smoothed copy (grain gets no offset of its own) and fades to
nothing on the outline pixels. Karyograms as dark as excellent ones come back unchanged. Measured
(README, "Steps after the network"): on the synthetic pairs it moves only karyograms the network left
paler than their truths, and it lifts foreground SSIM there.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import ndimage as ndi

from .card_steps import CardStep, excellent_median
from .metrics import MIN_MEASURED_PX, cell_chromosomes
from .sharpening import FEATHER_PX

SMOOTH_SIGMA_PX = 2.0  # σ of the smoothed copy the curve reads (see `_Cell.of`)
GAIN_STEPS = 16  # bisection steps for the gain: 2⁻¹⁶ of the range, far below a grey level


@dataclass(frozen=True)
class StainingDepth(CardStep):
    """What a model card asks of the staining depth (the `"staining_depth"` entry)."""

    CARD_KEY: ClassVar[str] = "staining_depth"
    LIMITS: ClassVar[dict[str, float]] = {"max_gain": 2.0}  # past 2 the toe would fold over
    target_darkness: float  # median in-mask darkness (1 − grey/background) of the excellent training cells
    max_gain: float = 1.5  # darkness below the threshold never multiplied by more


def cell_darkness(cell: np.ndarray, mask: np.ndarray, background: float) -> float | None:
    """Mean darkness, 1 − grey/background, of a cell's chromosome pixels; None when too few."""
    if mask.sum() < MIN_MEASURED_PX:
        return None
    return float((1 - cell[mask] / max(background, 1e-6)).mean())


def excellent_darkness(cells: Iterable[np.ndarray], data_range: float = 1.0) -> float:
    """The median darkness of excellent cells: the level `deepen_staining` deepens toward."""
    return excellent_median(
        cells, lambda cell, mask, bg: cell_darkness(cell / data_range, mask, bg / data_range)
    )


def toe_curve(lightness: np.ndarray, gain: float) -> np.ndarray:
    """Lightness below the threshold (1 at it, 0 at black) with its darkness multiplied by `gain`,
    easing quadratically into black below the knee 2(g − 1)/g: monotone, 0 only at 0, 1 at 1."""
    if gain <= 1:
        return lightness
    knee = 2 * (gain - 1) / gain
    return np.where(lightness >= knee, gain * lightness - (gain - 1), (gain - 1) * (lightness / knee) ** 2)


@dataclass
class _Cell:
    """What the gain search needs of one cell, measured once: where it may change and how dark it is."""

    output: np.ndarray  # float64, in [0, 1]
    threshold: float
    background: float
    where: np.ndarray  # pixels the input shows as chromosome and the smoothed output below the threshold
    lightness: np.ndarray  # the smoothed output's lightness below the threshold, at `where`
    fade: np.ndarray  # 0 on the outline pixels, 1 from FEATHER_PX inside, at `where`
    measured: np.ndarray  # the output's own chromosome pixels, where its darkness is read

    @classmethod
    def of(cls, output: np.ndarray, model_input: np.ndarray) -> "_Cell":
        mask, background, threshold = cell_chromosomes(model_input)
        image = output.astype(np.float64)
        base = ndi.gaussian_filter(image, SMOOTH_SIGMA_PX)
        where = mask & (base < threshold)
        fade = np.clip((ndi.distance_transform_edt(mask) - 1) / FEATHER_PX, 0, 1)
        return cls(
            output=image,
            threshold=threshold,
            background=background,
            where=where,
            lightness=np.clip(base[where] / threshold, 0, 1),
            fade=fade[where],
            measured=cell_chromosomes(image)[0],
        )

    def deepened(self, gain: float) -> np.ndarray:
        image = self.output.copy()
        offset = self.threshold * (self.lightness - toe_curve(self.lightness, gain)) * self.fade
        image[self.where] = np.clip(image[self.where] - offset, 0, 1)
        return image

    def darkness_sum(self, gain: float) -> float:
        image = self.deepened(gain) if gain > 1 else self.output
        return float((1 - image[self.measured] / max(self.background, 1e-6)).sum())


def _darkness(cells: Sequence[_Cell], gain: float = 1.0) -> float:
    """Mean darkness over all the cells' chromosome pixels, at `gain`."""
    pixels = sum(int(c.measured.sum()) for c in cells)
    return sum(c.darkness_sum(gain) for c in cells) / max(pixels, 1)


def karyogram_darkness(
    outputs: Sequence[np.ndarray], inputs: Sequence[np.ndarray], gain: float = 1.0
) -> float:
    """The darkness `staining_gain` reads of one karyogram's cells, had they been deepened by `gain`: the
    mean of 1 − grey/background over the outputs' own chromosome pixels (background: each input's)."""
    return _darkness([_Cell.of(y, x) for y, x in zip(outputs, inputs, strict=True)], gain)


def staining_gain(
    outputs: Sequence[np.ndarray], inputs: Sequence[np.ndarray], settings: StainingDepth
) -> float:
    """The one gain that brings the karyogram of these cells to the excellent darkness (at most
    `max_gain`; 1 where it is already there or has too little chromosome to measure)."""
    return _gain([_Cell.of(y, x) for y, x in zip(outputs, inputs, strict=True)], settings)


def _gain(cells: Sequence[_Cell], settings: StainingDepth) -> float:
    if sum(int(c.measured.sum()) for c in cells) < MIN_MEASURED_PX:
        return 1.0
    if _darkness(cells) >= settings.target_darkness:
        return 1.0
    if _darkness(cells, settings.max_gain) <= settings.target_darkness:
        return settings.max_gain
    low, high = 1.0, settings.max_gain
    for _ in range(GAIN_STEPS):
        middle = (low + high) / 2
        low, high = (middle, high) if _darkness(cells, middle) < settings.target_darkness else (low, middle)
    return high


def deepen_staining(outputs: np.ndarray, inputs: np.ndarray, settings: StainingDepth) -> np.ndarray:
    """The cells of one karyogram (N×H×W outputs in [0, 1] and their model inputs) with their darkness
    below each cell's threshold multiplied by the one gain `staining_gain` finds. Same shape and dtype."""
    cells = [_Cell.of(y, x) for y, x in zip(outputs, inputs, strict=True)]
    gain = _gain(cells, settings)
    if gain <= 1:
        return outputs
    return np.stack([cell.deepened(gain) for cell in cells]).astype(outputs.dtype)
