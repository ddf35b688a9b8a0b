"""Staining depth after the model: deepen a pale karyogram's chromosomes toward an excellent
karyogram's mean darkness, by one gain for all its cells, never past that level.

Pale staining is a degradation an enhancement may honestly restore, and a reader sees it karyogram by
karyogram: an export whose chromosomes are all pale (one slide, one stain) reads as faint however
sharp its bands. The per-cell steps cannot tell: their local contrast counts grain as detail, and a
cell's own darkness depends on which chromosome it holds (19 is pale on any slide). So this step
measures the darkness of the whole karyogram, the mean of 1 − grey/background over all its outputs'
chromosome pixels, and where it is below the excellent level (the median of the excellent training
cells' own means) it finds the one gain g ≤ `max_gain` that brings it there. Darkness below each
cell's chromosome threshold, read from a copy smoothed at σ 2 px, is multiplied by g, easing into black
(a quadratic toe), and each pixel is shifted as its neighbourhood is: grain gets no gain of its own
(the smoothing is wide enough for a small export's upsampled grain), a pixel darker than its
neighbourhood is deepened no further than its own grey scaled alike, so nothing but black becomes
black, and no pixel crosses the input's threshold, so no outline moves. The change fades to nothing on
the outline pixels, only the input's chromosome pixels change, and both homologs of every pair get the
same curve. Karyograms as dark as excellent ones come back unchanged. The gain is the karyogram's, read
over all its cells, but black limits it cell by cell: a cell whose darkest bands already reach black
(over `SATURATED_SHARE` of its chromosome pixels, `black_limit.black_share`) keeps its tones, since its
black bands can darken no further and deepening its mid-tones would only draw its pale bands toward
them (seen on the Wellcome 45,X print: the pale band between 13's two black q-arm bands shut); any
other cell is deepened no further than turns `black_limit.MAX_NEW_BLACK` of it black. Measured (README, "Steps after the
network"): on the synthetic pairs it moves only karyograms the network left paler than their truths, and
it lifts foreground SSIM there. What it did (`Deepening`) goes with the result, so the user sees the
gain beside the guard's verdicts.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import ClassVar

import numpy as np
from scipy import ndimage as ndi

from .black_limit import black_share, within_black_allowance
from .card_steps import CardStep, excellent_median
from .metrics import MIN_MEASURED_PX, cell_chromosomes
from .sharpening import outline_fade

SMOOTH_SIGMA_PX = 2.0  # σ of the smoothed copy the curve reads (see `_Cell.of`)
GAIN_STEPS = 16  # bisection steps for the gain: 2⁻¹⁶ of the range, far below a grey level
SATURATED_SHARE = 0.01  # a cell with more of its chromosome pixels black than this keeps its tones


@dataclass(frozen=True)
class StainingDepth(CardStep):
    """What a model card asks of the staining depth (the `"staining_depth"` entry)."""

    CARD_KEY: ClassVar[str] = "staining_depth"
    LIMITS: ClassVar[dict[str, float]] = {"max_gain": 2.0}  # past 2 the curve would not end at the threshold
    target_darkness: float  # median in-mask darkness (1 − grey/background) of the excellent training cells
    max_gain: float = 1.5  # darkness below the threshold never multiplied by more


@dataclass(frozen=True)
class Deepening:
    """What the staining depth did to one karyogram: the gain given to all its cells (1: none) and its
    darkness before and after, against the excellent level. Kept with the result and shown to the user."""

    gain: float
    darkness: float | None  # the karyogram's darkness as the model left it; None: too little to measure
    deepened_to: float | None  # its darkness after the gain
    target: float  # the excellent level
    max_gain: float
    limited: int = 0  # cells deepened less than the gain, or not at all: their bands are or would turn black

    def describe(self) -> str:
        """One line for the result page, the API and the CLI."""
        if self.darkness is None:
            return "staining left as it was: too little chromosome to measure its depth"
        if self.gain <= 1:
            return (
                f"staining left as it was: already as dark as excellent karyograms (darkness "
                f"{self.darkness:.2f}, excellent {self.target:.2f})"
            )
        limit = f", the most allowed (×{self.max_gain:g})" if self.gain >= self.max_gain else ""
        cells = "every cell"
        if self.limited:
            cells += f", less in {self.limited} whose bands are black already or would turn black"
        return (
            f"staining deepened ×{self.gain:.2f}{limit}: darkness {self.darkness:.2f} → {self.deepened_to:.2f} "
            f"(excellent {self.target:.2f}), one gain for {cells}"
        )

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping) -> "Deepening":
        """The record `to_json` wrote; one stored before a field was added takes that field's default."""
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


def cell_darkness(cell: np.ndarray, mask: np.ndarray, background: float) -> float | None:
    """Mean darkness, 1 − grey/background, of a cell's chromosome pixels; None when too few."""
    if mask.sum() < MIN_MEASURED_PX:
        return None
    return float((1 - cell[mask] / max(background, 1e-6)).mean())


def excellent_darkness(cells: Iterable[np.ndarray], data_range: float = 1.0) -> float:
    """The median darkness of excellent cells: the level `deepen_staining` deepens toward."""
    return excellent_median(cells, cell_darkness, data_range)  # a ratio to the background: any range


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
    fade: np.ndarray  # `outline_fade` of the input's chromosomes, at `where`
    counted: np.ndarray  # which of the `where` pixels are also the output's own chromosome pixels
    pixels: int  # how many chromosome pixels the output has: its darkness is read over them
    darkness_sum: float  # the sum of their darkness, 1 − grey/background, before deepening
    mask: np.ndarray  # the input's chromosome pixels
    black: float  # the share of them black in the output, before deepening

    @classmethod
    def of(cls, output: np.ndarray, model_input: np.ndarray) -> "_Cell":
        mask, background, threshold = cell_chromosomes(model_input)
        image = output.astype(np.float64)
        base = ndi.gaussian_filter(image, SMOOTH_SIGMA_PX)
        where = mask & (base < threshold)
        measured = cell_chromosomes(image)[0]
        return cls(
            output=image,
            threshold=threshold,
            background=max(background, 1e-6),
            where=where,
            lightness=np.clip(base[where] / threshold, 0, 1),
            fade=outline_fade(mask)[where],
            counted=measured[where],
            pixels=int(measured.sum()),
            darkness_sum=float((1 - image[measured] / max(background, 1e-6)).sum()),
            mask=mask,
            black=black_share(image, mask, background),
        )

    def deepened(self, gain: float) -> np.ndarray:
        """The output deepened by `gain` (a copy)."""
        image = self.output.copy()
        image[self.where] = self._deepened_pixels(gain)
        return image

    def allowed_gain(self, gain: float) -> float:
        """The most of `gain` this cell takes: none where its darkest bands already reach black, else no
        more than turns `MAX_NEW_BLACK` of it black."""
        if gain <= 1 or self.black > SATURATED_SHARE:
            return 1.0
        extra = within_black_allowance(
            lambda more: self.deepened(1 + more), gain - 1, self.mask, self.background, self.black
        )
        return 1 + extra

    def darkness_at(self, gain: float) -> float:
        """The sum of the output's chromosome pixels' darkness, had it been deepened by `gain`."""
        darker = self.output[self.where] - self._deepened_pixels(gain)
        return self.darkness_sum + float(darker[self.counted].sum()) / self.background

    def _deepened_pixels(self, gain: float) -> np.ndarray:
        """The `where` pixels deepened by `gain`: each by its smoothed neighbourhood's shift, but a pixel
        darker than its neighbourhood no further than its grey scaled as the neighbourhood's is, so dark
        grain is not deepened past its share and nothing but black becomes black; and no pixel lighter
        than the threshold crosses it."""
        pixels = self.output[self.where]
        curve = toe_curve(self.lightness, gain)
        ratio = np.divide(curve, self.lightness, out=np.ones_like(curve), where=self.lightness > 0)
        shift = self.threshold * (self.lightness - curve) * self.fade  # the neighbourhood's deepening
        scaled = pixels * (1 - self.fade * (1 - ratio))  # the pixel's grey scaled as its neighbourhood's
        deeper = np.maximum(pixels - shift, scaled)
        return np.where(pixels >= self.threshold, np.maximum(deeper, self.threshold), deeper)


def _measurable(cells: Sequence[_Cell]) -> bool:
    """Whether the cells hold enough chromosome pixels to read a darkness from."""
    return sum(c.pixels for c in cells) >= MIN_MEASURED_PX


def _darkness(cells: Sequence[_Cell], gains: Sequence[float] | None = None) -> float:
    """Mean darkness over all the cells' chromosome pixels, each cell deepened by its gain in `gains`
    (None: as they are)."""
    gains = gains if gains is not None else [1.0] * len(cells)
    total = sum(c.darkness_at(g) if g > 1 else c.darkness_sum for c, g in zip(cells, gains, strict=True))
    return total / max(sum(c.pixels for c in cells), 1)


def _darkness_at(cells: Sequence[_Cell], gain: float) -> float:
    """`_darkness` with one gain for every cell."""
    return _darkness(cells, [gain] * len(cells))


def karyogram_darkness(
    outputs: Sequence[np.ndarray], inputs: Sequence[np.ndarray], gain: float = 1.0
) -> float:
    """The darkness `staining_gain` reads of one karyogram's cells, had they been deepened by `gain`: the
    mean of 1 − grey/background over the outputs' own chromosome pixels (background: each input's)."""
    return _darkness_at([_Cell.of(y, x) for y, x in zip(outputs, inputs, strict=True)], gain)


def staining_gain(
    outputs: Sequence[np.ndarray], inputs: Sequence[np.ndarray], settings: StainingDepth
) -> float:
    """The one gain that brings the karyogram of these cells to the excellent darkness (at most
    `max_gain`; 1 where it is already there or has too little chromosome to measure)."""
    return _gain([_Cell.of(y, x) for y, x in zip(outputs, inputs, strict=True)], settings)


def _gain(cells: Sequence[_Cell], settings: StainingDepth) -> float:
    """`staining_gain` on cells already measured (the darkness rises with the gain: bisection)."""
    if not _measurable(cells):
        return 1.0
    if _darkness(cells) >= settings.target_darkness:
        return 1.0
    if _darkness_at(cells, settings.max_gain) <= settings.target_darkness:
        return settings.max_gain
    low, high = 1.0, settings.max_gain
    for _ in range(GAIN_STEPS):
        middle = (low + high) / 2
        darker = _darkness_at(cells, middle) < settings.target_darkness
        low, high = (middle, high) if darker else (low, middle)
    return high


def deepen_staining(
    outputs: np.ndarray, inputs: np.ndarray, settings: StainingDepth
) -> tuple[np.ndarray, Deepening]:
    """The cells of one karyogram (N×H×W outputs in [0, 1] and their model inputs) with their darkness
    below each cell's threshold multiplied by the one gain `staining_gain` finds, less in a cell where
    black limits it (same shape and dtype), and what was done."""
    cells = [_Cell.of(y, x) for y, x in zip(outputs, inputs, strict=True)]
    gain = _gain(cells, settings)
    gains = [cell.allowed_gain(gain) for cell in cells]
    measured = _measurable(cells)
    done = Deepening(
        gain=round(gain, 4),
        darkness=round(_darkness(cells), 4) if measured else None,
        deepened_to=round(_darkness(cells, gains), 4) if measured else None,
        target=settings.target_darkness,
        max_gain=settings.max_gain,
        limited=sum(g < gain for g in gains),
    )
    if gain <= 1:
        return outputs, done
    deepened = [cell.deepened(g) if g > 1 else cell.output for cell, g in zip(cells, gains, strict=True)]
    return np.stack(deepened).astype(outputs.dtype), done
