"""What an enhancement did to a whole karyogram, measured on the delivered result against the original.

The fidelity guard judges each cell alone, with bounds wide enough for single cells; a karyogram can pass
it cell by cell and still come back changed as a whole (every homolog pair a little less alike, say). So
the result is also measured whole, with no ground truth, as the product's targets for real karyograms
are stated: mask IoU and length along the original's medial axes, grid energy, band contrast, and the
agreement of the homologs' band profiles before and after (`metrics.KaryogramReference`). The CLI prints
it and the web app shows it on the job page and in the API, saying plainly where a target does not hold.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from .metrics import KaryogramReference

# The product's targets for a real karyogram as a whole (tighter than the guard's per-cell bounds).
MIN_MASK_IOU = 0.95
MAX_LENGTH_CHANGE = 0.03
MAX_GRID_RATIO = 1.1
MIN_BAND_CONTRAST = 1.2
# Homolog agreement is said to be lower when it falls by more than this (the third decimal is noise).
HOMOLOG_TOLERANCE = 0.005


@dataclass(frozen=True)
class Figure:
    """One figure of the report, with the target it is held to."""

    name: str
    value: str  # as shown, e.g. "0.968" or "0.844 → 0.835"
    target: str  # e.g. "≥ 0.95"
    holds: bool | None  # None: not measured (no homolog pair could be compared)
    meaning: str  # what the figure says, in plain words


@dataclass(frozen=True)
class KaryogramReport:
    """The no-reference figures of one enhanced karyogram against its original."""

    mask_iou: float  # chromosome masks (one threshold, from the original), inside the slot boxes
    length_ratio: float  # the result's chromosomes along the original's medial axes, over the original's
    grid_ratio: float  # period-2 (checkerboard) energy inside the chromosomes, over the original's
    band_contrast_ratio: (
        float  # spread of the band-scale residual inside the chromosomes, over the original's
    )
    homolog_corr_before: float | None  # mean band-profile correlation of the homolog pairs; None: no pair
    homolog_corr_after: float | None
    homolog_pairs: int

    def figures(self) -> list[Figure]:
        """Each figure beside its target, in the order a reader checks them; a target is judged on the
        value as shown, so that what a reader sees and the verdict agree (1.030 is within 3 %)."""
        iou, length = round(self.mask_iou, 3), round(self.length_ratio, 3)
        grid, contrast = round(self.grid_ratio, 2), round(self.band_contrast_ratio, 2)
        before, after = self.homolog_corr_before, self.homolog_corr_after
        measured = before is not None and after is not None
        return [
            Figure(
                "mask IoU",
                f"{iou:.3f}",
                f"≥ {MIN_MASK_IOU:g}",
                iou >= MIN_MASK_IOU,
                "how much of the original's chromosome area the result keeps, and no more",
            ),
            Figure(
                "length",
                f"{length:.3f}",
                f"within {MAX_LENGTH_CHANGE:.0%}",
                round(abs(length - 1), 3) <= MAX_LENGTH_CHANGE,
                "chromosome length along the original's medial axes, over the original's",
            ),
            Figure(
                "grid texture",
                f"{grid:.2f}×",
                f"≤ {MAX_GRID_RATIO:g}×",
                grid <= MAX_GRID_RATIO,
                "checkerboard (period-2) energy inside the chromosomes, over the original's",
            ),
            Figure(
                "band contrast",
                f"{contrast:.2f}×",
                f"≥ {MIN_BAND_CONTRAST:g}×",
                contrast >= MIN_BAND_CONTRAST,
                "band-scale contrast inside the chromosomes, over the original's; an export already as "
                "contrasted as excellent ones is left near 1×",
            ),
            Figure(
                "homolog agreement",
                f"{before:.3f} → {after:.3f}" if measured else "—",
                "not lower",
                round(before - after, 3) <= HOMOLOG_TOLERANCE if measured else None,
                f"band-profile correlation of the two homologs, mean of {self.homolog_pairs} pairs, "
                "original → result"
                if measured
                else "no homolog pair could be compared",
            ),
        ]

    def shortfalls(self) -> list[str]:
        """The targets that do not hold, in plain words (empty: all that were measured hold)."""
        return [f"{f.name} {f.value} (target {f.target})" for f in self.figures() if f.holds is False]

    def describe(self) -> str:
        """One line for a person: every figure, then the targets missed."""
        shown = ", ".join(f"{f.name} {f.value}" for f in self.figures())
        missed = self.shortfalls()
        verdict = f"below target: {'; '.join(missed)}" if missed else "every target measured holds"
        return f"whole karyogram against the original: {shown}; {verdict}"

    def to_json(self) -> dict:
        """The figures as stored (a job's `report`)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping) -> "KaryogramReport":
        """The report `to_json` stored."""
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


def _measured(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


def report_against(reference: KaryogramReference, enhanced: np.ndarray) -> KaryogramReport:
    """The report of `enhanced` (grey, the original's shape) against an original measured once."""
    figures = reference.measure(enhanced)
    return KaryogramReport(
        mask_iou=round(figures["mask_iou"], 4),
        length_ratio=round(figures["length_ratio"], 4),
        grid_ratio=round(figures["grid_ratio"], 4),
        band_contrast_ratio=round(figures["band_contrast_ratio"], 4),
        homolog_corr_before=_measured(figures["homolog_corr_before"]),
        homolog_corr_after=_measured(figures["homolog_corr_after"]),
        homolog_pairs=int(figures["homolog_pairs"]),
    )


def report_karyogram(
    original: np.ndarray,
    enhanced: np.ndarray,
    boxes: Sequence[tuple[int, int, int, int]],
    data_range: float = 1.0,
) -> KaryogramReport:
    """The report of `enhanced` against `original` (grey images of one shape), measured inside the slot
    `boxes` (x0, y0, x1, y1), where the chromosomes are, so that labels and headers do not count."""
    return report_against(KaryogramReference(original, boxes, data_range), enhanced)
