"""The fidelity guard: per cell, check what the model did to its input before it reaches a karyogram.

An enhancement may sharpen, denoise and restore contrast; it must not change a chromosome's
outline or length, paint a texture, or draw or erase bands. Each cell's output, brought to the
input's contrast by one gain about the background, is measured against its own input: mask IoU
with one fixed threshold from the input, length along the input's medial axes, period-2 grid
energy, band peaks created or erased along those axes, and how much less alike the bands of the
two homologs became (a reader compares them side by side). Outline and length are measured after
blurring the output to the input's edge width (`edge_sigma`), so that deblurring an edge, which
moves where a blurred outline crosses the threshold, is not read as a new outline; bands and grid
are measured on the output as it is. A cell that fails at full strength
is tried at GUARD_STRENGTHS' lower values (the blend the reassembly applies) and capped at the
first that passes, else left as original. The CLI prints the verdicts, the web app stores them.
"""

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import ndimage as ndi

from .metrics import (
    LengthReference,
    axis_profile,
    background_and_threshold,
    band_agreement,
    chromosome_mask,
    grid_energy,
    homolog_axes,
    mask_iou,
    medial_axes,
    profile_correlation,
)

GUARD_STRENGTHS = (1.0, 0.5)  # tried in this order; below the last, the cell is left as original
# Thresholds, chosen with `bench/guard.py calibrate` on the 116 cells of the five real karyograms in
# ../shared that slice and on synthetic poor karyograms: the identity, a ×1.5 contrast stretch and NLM
# pass on every cell, the classical recipe (Gaussian σ 1, unsharp radius 4 amount 1) on ~90 %
# of real cells (its misses are sharpened pale tips and split pale bands), while the outlines,
# lengths, grids and barcode stripes of the shipped CycleGAN fail (docs/fidelity-guard.md).
MIN_MASK_IOU = 0.90  # outline; the product target is ≥ 0.95 per karyogram, single cells vary more
MAX_LENGTH_CHANGE = 0.08  # |length ratio − 1|; 3 % is the per-karyogram target, ragged real tips vary more
MAX_GRID_RATIO = (
    1.5  # period-2 energy over the input's; the classical recipe stays below 1.4 on 95 % of cells
)
MAX_CREATED_BANDS = 0.34  # band peaks the input does not show, per input band (and more than MIN_BAND_COUNT)
MAX_ERASED_BANDS = (
    0.34  # input band peaks gone from the output, per input band (and more than MIN_BAND_COUNT)
)
MIN_BAND_COUNT = 2
# Fall in the correlation of the two homologs' band profiles. The shipped product's largest on the 113
# pairs of the five real karyograms is 0.11 (grain smoothed away); the old painting model's up to 0.43.
MAX_HOMOLOG_DROP = 0.15
# Judged only where the input's homologs agree at least this well: below, one is bent, overlapped or
# cut differently and their profiles are not comparable.
MIN_HOMOLOG_AGREEMENT = 0.5
TONE_FIT_PX = 3  # the output's contrast is matched to the input's within this distance of the chromosomes
CROP_MARGIN_PX = 12  # measured in the box around the input's chromosomes, this much larger
OUTLINE_TOLERANCE_PX = (
    1  # outline moves within this distance of the input's are not counted (sub-pixel in most slots)
)
MAX_REBLUR_PX = (
    3.0  # the most blur the outline test adds to an output (σ, px): a sharpened edge, not a new shape
)


@dataclass(frozen=True)
class Verdict:
    """The guard's decision on one cell: the highest strength it allows and why."""

    strength_cap: float  # 1.0 passed; lower: enhanced at most this much; 0.0: left as original
    reason: str  # plain words for the person reading the result; "" when the cell passed
    measures: dict[str, float] = field(default_factory=dict)  # of the model's full-strength output

    @property
    def passed(self) -> bool:
        return self.strength_cap >= GUARD_STRENGTHS[0]

    def describe(self, label: str) -> str:
        return f"cell {label}: {self.reason or 'enhanced, passed the fidelity guard'}"

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping) -> "Verdict":
        return cls(float(data["strength_cap"]), str(data["reason"]), dict(data.get("measures", {})))


class _Reference:
    """What the guard needs from a cell's input, computed once for every strength tried."""

    def __init__(self, image: np.ndarray, data_range: float):
        self.data_range = data_range
        self.background, self.threshold = background_and_threshold(image, data_range)
        # Everything is measured in the box around the chromosomes (most of a cell is background).
        rows, cols = np.nonzero(image < self.threshold)
        if len(rows):
            self.box = (
                slice(max(rows.min() - CROP_MARGIN_PX, 0), rows.max() + CROP_MARGIN_PX + 1),
                slice(max(cols.min() - CROP_MARGIN_PX, 0), cols.max() + CROP_MARGIN_PX + 1),
            )
        else:
            self.box = (slice(None), slice(None))
        self.image = image = image[self.box]
        self.mask = chromosome_mask(image, self.threshold)
        self.near = ndi.binary_dilation(self.mask, iterations=TONE_FIT_PX)
        outline_band = ndi.binary_dilation(self.mask, iterations=OUTLINE_TOLERANCE_PX) & ~ndi.binary_erosion(
            self.mask, iterations=OUTLINE_TOLERANCE_PX
        )
        self.settled = ~outline_band  # farther than OUTLINE_TOLERANCE_PX from the input's outline
        self.inner = ndi.binary_erosion(self.mask, iterations=2)
        self.grid = grid_energy(image, self.inner, data_range, eroded=True)
        self.darkness = self.background - image[self.near]
        self.axes = medial_axes(self.mask)
        self.profiles = [axis_profile(image, a, self.mask, data_range) for a in self.axes]
        self.lengths = LengthReference(self.mask, self.axes)
        pair = homolog_axes(self.mask, self.axes) or ()
        self.homologs = [
            i for i, axis in enumerate(self.axes) if any(axis is h for h in pair)
        ]  # into profiles
        agreement = self.homolog_agreement(self.profiles) if pair else 0.0
        self.homolog_corr = agreement if agreement >= MIN_HOMOLOG_AGREEMENT else None
        self.edge_sigma = edge_sigma(image, self.mask, self.background)

    def homolog_agreement(self, profiles: list[np.ndarray]) -> float:
        """How alike the homolog pair's band profiles are, from the profiles along every axis."""
        return profile_correlation(*(profiles[i] for i in self.homologs))

    def tone_matched(self, candidate: np.ndarray) -> np.ndarray:
        """`candidate` scaled about the background to the input's contrast (least squares near the
        chromosomes), so that honestly restored contrast is not read as a new outline or texture."""
        darkness = self.background - candidate[self.near]
        gain = float(darkness @ self.darkness) / max(float(darkness @ darkness), 1e-12)
        return self.background - gain * (self.background - candidate)

    def blur_matched(self, candidate: np.ndarray) -> np.ndarray:
        """`candidate` blurred until its edges are as wide as the input's (unchanged if they are already)."""
        extra = self.edge_sigma**2 - edge_sigma(candidate, self.mask, self.background) ** 2
        if extra <= 0:
            return candidate
        return ndi.gaussian_filter(candidate, min(float(np.sqrt(extra)), MAX_REBLUR_PX))

    def measure(self, candidate: np.ndarray, until_wrong: bool = False) -> dict[str, float]:
        """The guard's measures of `candidate`, cheapest first; with `until_wrong`, only up to the first
        that fails (enough to reject a lower strength)."""
        candidate = self.tone_matched(candidate[self.box])
        measures: dict[str, float] = {
            "grid_ratio": round(
                grid_energy(candidate, self.inner, self.data_range, eroded=True) / self.grid,
                3,
            )
        }
        if until_wrong and problems(measures):
            return measures
        profiles = [axis_profile(candidate, a, self.mask, self.data_range) for a in self.axes]
        bands = band_agreement(self.profiles, profiles)
        measures |= {
            "input_bands": bands.reference,
            "bands_created": bands.created,
            "bands_erased": bands.erased,
        }
        if self.homolog_corr is not None:
            measures |= {
                "input_homolog_corr": round(self.homolog_corr, 3),
                "homolog_corr": round(self.homolog_agreement(profiles), 3),
            }
        if until_wrong and problems(measures):
            return measures
        mask = chromosome_mask(self.blur_matched(candidate), self.threshold)
        measures["mask_iou"] = round(mask_iou(self.mask & self.settled, mask & self.settled), 4)
        if until_wrong and problems(measures):
            return measures
        measures["length_ratio"] = round(self.lengths.ratio(mask), 4)
        return measures


def edge_sigma(image: np.ndarray, mask: np.ndarray, background: float) -> float:
    """Width of the chromosome edges along `mask`'s outline, as the σ (px) of a Gaussian-blurred step:
    the chromosome's typical darkness over the steepest slope found within 2 px of the outline."""
    outline = mask & ~ndi.binary_erosion(mask)
    if not outline.any():
        return 0.0
    slope = ndi.maximum_filter(ndi.gaussian_gradient_magnitude(image, 0.7), size=5)[outline]
    darkness = background - float(np.median(image[mask]))
    return darkness / max(float(np.median(slope)) * np.sqrt(2 * np.pi), 1e-9)


def problems(measures: Mapping[str, float]) -> list[str]:
    """What is wrong with an output, in plain words, most serious first (empty: it passes); only the
    measures present are judged."""
    found = []
    if measures.get("mask_iou", 1.0) < MIN_MASK_IOU:
        found.append(f"the model changed its outline (mask IoU {measures['mask_iou']:.2f})")
    change = measures.get("length_ratio", 1.0) - 1
    if abs(change) > MAX_LENGTH_CHANGE:
        found.append(f"the model made it {'longer' if change > 0 else 'shorter'} by {abs(change):.0%}")
    if measures["grid_ratio"] > MAX_GRID_RATIO:
        found.append(f"the model added a checkerboard texture ({measures['grid_ratio']:.1f}× the original's)")
    if "input_bands" in measures:
        allowed = max(MIN_BAND_COUNT, MAX_CREATED_BANDS * measures["input_bands"])
        if measures["bands_created"] > allowed:
            found.append(f"the model drew {measures['bands_created']} bands the original does not show")
        if measures["bands_erased"] > max(MIN_BAND_COUNT, MAX_ERASED_BANDS * measures["input_bands"]):
            found.append(
                f"the model erased {measures['bands_erased']} of the original's "
                f"{measures['input_bands']} bands"
            )
    if "homolog_corr" in measures:
        before, after = measures["input_homolog_corr"], measures["homolog_corr"]
        if round(before - after, 3) > MAX_HOMOLOG_DROP:
            found.append(f"the model made its two homologs' bands less alike (r {before:.3f} → {after:.3f})")
    return found


def judge_cell(model_input: np.ndarray, model_output: np.ndarray, data_range: float = 1.0) -> Verdict:
    """The verdict on one cell: the model's output against its own input (same shape)."""
    reference = _Reference(model_input, data_range)
    if not reference.axes:
        return Verdict(0.0, "left as original — no chromosome could be measured in this cell")
    full = reference.measure(model_output)
    wrong = problems(full)
    if not wrong:
        return Verdict(1.0, "", full)
    why = "; ".join(wrong)
    for strength in GUARD_STRENGTHS[1:]:
        if not problems(
            reference.measure(model_input + strength * (model_output - model_input), until_wrong=True)
        ):
            return Verdict(strength, f"enhanced at {strength:.0%} strength — at full strength {why}", full)
    return Verdict(0.0, f"left as original — {why}", full)


def guard_cells(
    inputs: Mapping[str, np.ndarray], outputs: Mapping[str, np.ndarray], data_range: float = 1.0
) -> dict[str, Verdict]:
    """Verdicts for every enhanced cell (labels of `outputs`)."""
    return {label: judge_cell(inputs[label], outputs[label], data_range) for label in outputs}


def capped_strength(asked: float, verdict: Verdict | None) -> float:
    """The strength a cell is blended at: as asked, at most what its verdict allows (if it has one)."""
    return min(asked, verdict.strength_cap) if verdict is not None else asked


def capped_strengths(
    strength: float | Mapping[str, float], verdicts: Mapping[str, Verdict], labels: Iterable[str]
) -> dict[str, float]:
    """Per-cell strengths the user asked for, each capped by its cell's verdict (if it has one)."""
    capped = {}
    for label in labels:
        asked = strength.get(label, 1.0) if isinstance(strength, Mapping) else strength
        if not 0.0 <= asked <= 1.0:
            raise ValueError(f"strength for cell {label} must be in [0, 1], got {asked}")
        capped[label] = capped_strength(asked, verdicts.get(label))
    return capped
