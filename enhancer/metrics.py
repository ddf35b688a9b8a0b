"""Metrics for enhanced cells and karyograms, on float images with an explicit data_range.

SSIM uses the Wang et al. (2004) convention (Gaussian window σ 1.5, population
covariance). `_fg` variants average inside the dilated chromosome mask, because
background is most of a cell and would otherwise dominate. Fidelity measures (mask IoU,
length, band peaks) segment with one fixed, reference-derived threshold for both images.

Band measures follow each chromosome's medial axis (skeleton, longest path), not image
rows: chromosomes bend and homologs stand side by side. The darkness profile along the axis
has one peak per dark band; an output peak with no reference band near it is an invented
band, the clinical risk of a generative enhancer.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi
from scipy.optimize import linear_sum_assignment
from scipy.signal import find_peaks
from skimage.graph import MCP_Geometric
from skimage.measure import label, regionprops
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from skimage.morphology import remove_small_objects, skeletonize

from .segmentation import background_level

FG_DILATION_PX = 3
# Chromosome masks are cut this far from the background towards the typical chromosome grey: at
# halfway, pale G-light bands sit at the threshold and chromosomes fall apart into band blobs (and a
# faithful sharpening splits them differently), so a third of the way keeps each chromosome whole.
OUTLINE_LEVEL = 0.3
# A band is a peak of the darkness profile at least this prominent, in units of data_range: 0.03 is
# 8 grey levels of 255, about the smallest step a reader sees on a screen, and 3× the noise left in a
# profile of a moderately noisy cell (σ 0.03 per pixel, averaged over the 7-px strip).
BAND_PROMINENCE = 0.03
# A reference band "is there" for matching when it reaches this fraction of BAND_PROMINENCE: a faint
# band that an enhancement makes visible is restored, not invented (hysteresis, as in edge detection).
WEAK_BAND_FRACTION = 0.5
BAND_TOLERANCE_PX = 3  # along the axis, at cell scale (256 px): about half the spacing of 550-band bands
TIP_TRIM = 1.5  # half-widths of skeleton cut off each end before running straight to the tip
# Peaks this close to a tip are the outline fading (blur makes a tip paler), not bands.
TIP_MARGIN_PX = 5
AXIS_REACH_PX = 20  # `LengthReference` looks this far past each tip for a lengthened chromosome
STRIP_HALF_WIDTH_PX = 3  # the profile averages darkness ±3 px across the axis
MIN_OBJECT_PX = 60  # smaller objects are specks, not chromosomes
MIN_MEASURED_PX = 30  # fewer chromosome pixels than this: a step after the network has nothing to measure
PROFILE_SAMPLES = 64  # homolog profiles are compared after resampling to this many points
DETAIL_SIGMA_PX = 6  # band contrast: detail above a Gaussian of this width
# Grid energies below this (units of data_range) are noise: 8-bit quantisation alone gives 0.0006, so
# ratios are taken of values floored here, not of two near-zeros (a smooth blurred cell).
GRID_FLOOR = 1e-3


@dataclass(frozen=True)
class Axis:
    """One chromosome's medial axis, sampled at 1 px steps from its top end."""

    points: np.ndarray  # (n, 2) row, column
    normals: np.ndarray  # (n, 2) unit vectors across the axis
    length: float  # tip to tip, in pixels


def ssim_map(gt: np.ndarray, y: np.ndarray, data_range: float = 1.0) -> tuple[float, np.ndarray]:
    return structural_similarity(
        gt, y, data_range=data_range, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, full=True
    )


def chromosome_threshold(
    gt: np.ndarray, background: float, data_range: float = 1.0, level: float = OUTLINE_LEVEL
) -> float:
    """`level` of the way from the background to the typical chromosome grey of the reference image."""
    dark = gt[gt < background - 0.08 * data_range]
    if not dark.size:
        return background - 0.1 * data_range
    return background - level * (background - float(np.median(dark)))


def chromosome_mask(image: np.ndarray, threshold: float) -> np.ndarray:
    """Chromosome pixels under a fixed threshold, without noise specks and spurs."""
    return clean_mask(image < threshold)


def background_and_threshold(image: np.ndarray, data_range: float = 1.0) -> tuple[float, float]:
    """An image's background level and chromosome threshold, both from the image itself (a cell, a
    karyogram): the one rule the metrics, the guard and the steps after the network cut chromosomes by."""
    background = background_level(image / data_range) * data_range
    return background, chromosome_threshold(image, background, data_range)


def cell_chromosomes(image: np.ndarray, data_range: float = 1.0) -> tuple[np.ndarray, float, float]:
    """A cell's chromosome mask, background level and threshold, by that one rule."""
    background, threshold = background_and_threshold(image, data_range)
    return chromosome_mask(image, threshold), background, threshold


def cell_metrics(
    gt: np.ndarray,
    y: np.ndarray,
    background: float,
    data_range: float = 1.0,
    model_input: np.ndarray | None = None,
) -> dict[str, float]:
    """All metrics of one enhanced cell `y` against its ground truth `gt` (same shape).

    `grid_ratio` compares the output's period-2 energy with `model_input`'s when given (how much
    grid the method added), else with the ground truth's.
    """
    threshold = chromosome_threshold(gt, background, data_range)
    mask_gt, mask_y = chromosome_mask(gt, threshold), chromosome_mask(y, threshold)
    fg = ndi.binary_dilation(mask_gt, iterations=FG_DILATION_PX)
    ssim, smap = ssim_map(gt, y, data_range)
    mse_fg = float(np.mean((gt[fg] - y[fg]) ** 2)) if fg.any() else 0.0
    axes = medial_axes(mask_gt)
    bands = band_agreement(
        [axis_profile(gt, a, mask_gt, data_range) for a in axes],
        [axis_profile(y, a, mask_gt, data_range) for a in axes],
    )
    grid_reference = gt if model_input is None else model_input
    return {
        "psnr": float(peak_signal_noise_ratio(gt, y, data_range=data_range)),
        "ssim": float(ssim),
        "psnr_fg": float(10 * np.log10(data_range**2 / max(mse_fg, 1e-10))),
        "ssim_fg": float(smap[fg].mean()) if fg.any() else float(ssim),
        "band_corr": band_correlation(gt, y, mask_gt),
        "band_precision": bands.precision,
        "band_recall": bands.recall,
        "false_band_rate": bands.false_band_rate,
        "grid_ratio": grid_ratio(y, grid_reference, mask_gt, data_range),
        "halo": halo(y, mask_gt, background, data_range) - halo(gt, mask_gt, background, data_range),
        "length_ratio": length_ratio(mask_gt, mask_y, axes),
        "mask_iou": mask_iou(mask_gt, mask_y),
    }


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


# --- medial axis and band profiles -------------------------------------------------------------------


def medial_axes(mask: np.ndarray, min_area: int = MIN_OBJECT_PX) -> list[Axis]:
    """The medial axis of every chromosome object in `mask` (boolean, or labels whose regions are
    kept apart), ordered by position (left first)."""
    axes = []
    for region in sorted(regionprops(label(mask)), key=lambda r: (r.bbox[1], r.bbox[0])):
        if region.area < min_area:
            continue
        axis = _resample(_longest_path(skeletonize(region.image)), region.image)
        axes.append(Axis(axis.points + np.array(region.bbox[:2]), axis.normals, axis.length))
    return axes


class LengthReference:
    """A reference mask's chromosomes, measured once, to take other masks' lengths against: along each
    reference medial axis, plus the unbroken run past each tip (up to `reach` px) while it stays nearer
    that chromosome than any other. So each chromosome counts on its own: two that blur joins into one
    outline, side by side or end to end, keep their own lengths; a lengthened tip counts, a shortened
    one or a gap does; a side spur, a neighbour in line and the far half of a bridge to it do not."""

    def __init__(self, reference: np.ndarray, axes: Sequence[Axis] | None = None, reach: int = AXIS_REACH_PX):
        axes = medial_axes(reference) if axes is None else axes
        objects = label(reference)
        nearest = ndi.distance_transform_edt(objects == 0, return_distances=False, return_indices=True)
        territory = objects[tuple(nearest)]  # every pixel: the reference chromosome nearest to it
        self._paths = []  # per axis: its points, and per tip the path outward and which of it is its own
        for axis in axes:
            own = territory[_middle(axis)]
            ends = min(5, len(axis.points) - 1)
            tips = []
            for tip, inner in (
                (axis.points[0], axis.points[ends]),
                (axis.points[-1], axis.points[-1 - ends]),
            ):
                outward = (tip - inner) / max(float(np.hypot(*(tip - inner))), 1e-9)
                path = tip + np.arange(1, reach + 1)[:, None] * outward
                tips.append((path, _sample(territory, path) == own))
            self._paths.append((axis.points, tips))
        self.length = self._along(reference)

    def ratio(self, mask: np.ndarray) -> float:
        """`mask`'s chromosome length over the reference's."""
        return self._along(mask) / max(self.length, 1.0)

    def _along(self, mask: np.ndarray) -> float:
        mask = mask.astype(np.uint8)
        total = 0
        for points, tips in self._paths:
            total += int(_sample(mask, points).sum())
            for path, own in tips:
                run = _sample(mask, path).astype(bool) & own
                total += len(run) if run.all() else int(np.argmin(run))
        return float(total)


def length_ratio(reference: np.ndarray, mask: np.ndarray, axes: Sequence[Axis] | None = None) -> float:
    """Length of `mask`'s chromosomes over the `reference` mask's, along the reference's medial axes
    (`axes`, when already found), each chromosome on its own (`LengthReference`)."""
    return LengthReference(reference, axes).ratio(mask)


def _middle(axis: Axis) -> tuple[int, int]:
    """The pixel at the middle of an axis: inside its chromosome, to tell which object it belongs to."""
    row, column = np.rint(axis.points[len(axis.points) // 2]).astype(int)
    return int(row), int(column)


def _sample(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """`image` at the nearest pixel of each (row, column) point; 0 outside it."""
    return ndi.map_coordinates(image, points.T, order=0, mode="constant", cval=0)


def axis_profile(image: np.ndarray, axis: Axis, mask: np.ndarray, data_range: float = 1.0) -> np.ndarray:
    """Mean darkness (0 = white, 1 = black) across the axis at each 1-px step along it, inside `mask`."""
    offsets = np.arange(-STRIP_HALF_WIDTH_PX, STRIP_HALF_WIDTH_PX + 1)
    coords = axis.points[:, None, :] + offsets[None, :, None] * axis.normals[:, None, :]
    flat = coords.reshape(-1, 2).T
    values = ndi.map_coordinates(image, flat, order=1, mode="nearest").reshape(coords.shape[:2])
    inside = ndi.map_coordinates(mask.astype(np.uint8), flat, order=0, mode="nearest").reshape(
        coords.shape[:2]
    )
    inside[:, STRIP_HALF_WIDTH_PX] = 1  # the axis point itself always counts
    darkness = 1 - values / data_range
    return (darkness * inside).sum(axis=1) / inside.sum(axis=1)


def band_peaks(profile: np.ndarray, prominence: float = BAND_PROMINENCE) -> np.ndarray:
    """Positions (px along the axis) of the dark bands of a darkness profile, away from the tips."""
    peaks = find_peaks(profile, prominence=prominence)[0]
    return peaks[(peaks >= TIP_MARGIN_PX) & (peaks < len(profile) - TIP_MARGIN_PX)]


@dataclass(frozen=True)
class BandAgreement:
    """Band peaks of an output against those of a reference, summed over chromosomes."""

    reference: int  # bands of the reference
    output: int  # bands of the output
    output_matched: int  # output bands with a (possibly faint) reference band within the tolerance
    reference_matched: int  # reference bands with a (possibly faint) output band within the tolerance

    @property
    def created(self) -> int:
        return self.output - self.output_matched

    @property
    def erased(self) -> int:
        return self.reference - self.reference_matched

    @property
    def precision(self) -> float:
        return self.output_matched / self.output if self.output else 1.0

    @property
    def recall(self) -> float:
        return self.reference_matched / self.reference if self.reference else 1.0

    @property
    def false_band_rate(self) -> float:
        """Invented bands per reference band."""
        return self.created / max(self.reference, 1)


def band_agreement(
    reference: Sequence[np.ndarray], output: Sequence[np.ndarray], tolerance: float = BAND_TOLERANCE_PX
) -> BandAgreement:
    """Match the band peaks of output profiles to those of reference profiles (same axes, same order)."""
    counts = np.zeros(4, int)
    weak = BAND_PROMINENCE * WEAK_BAND_FRACTION
    for ref, out in zip(reference, output, strict=True):
        ref_peaks, out_peaks = band_peaks(ref), band_peaks(out)
        counts += (
            len(ref_peaks),
            len(out_peaks),
            _matched(out_peaks, band_peaks(ref, weak), tolerance),
            _matched(ref_peaks, band_peaks(out, weak), tolerance),
        )
    return BandAgreement(*(int(c) for c in counts))


def band_profile(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean darkness per row inside the mask (cells hold upright chromosomes)."""
    rows = mask.any(axis=1)
    darkness = np.where(mask, 1 - image, 0).sum(axis=1)
    return darkness[rows] / mask.sum(axis=1)[rows]


def band_correlation(gt: np.ndarray, y: np.ndarray, mask: np.ndarray) -> float:
    """Pearson correlation of the band profiles of `gt` and `y`, both sampled through the GT mask."""
    a, b = band_profile(gt, mask), band_profile(y, mask)
    return _correlation(a, b)


# --- texture and outline -------------------------------------------------------------------------------


def grid_energy(image: np.ndarray, mask: np.ndarray, data_range: float = 1.0, eroded: bool = False) -> float:
    """RMS of the 2×2 checkerboard response inside the mask eroded by 2 px (pass `eroded=True` when
    it is already): the period-2 grid that transposed convolutions paint, in units of data_range, at
    least GRID_FLOOR (so that a ratio of two is never one of near-zeros, nor of an empty mask's)."""
    inner = mask if eroded else ndi.binary_erosion(mask, iterations=2)
    if not inner.any():
        return GRID_FLOOR
    response = ndi.convolve(image.astype(np.float64), np.array([[1, -1], [-1, 1]]) / 4, mode="nearest")
    return max(float(np.sqrt(np.mean(response[inner] ** 2))) / data_range, GRID_FLOOR)


def grid_ratio(image: np.ndarray, reference: np.ndarray, mask: np.ndarray, data_range: float = 1.0) -> float:
    """Grid energy of `image` over that of `reference`."""
    return grid_energy(image, mask, data_range) / grid_energy(reference, mask, data_range)


def halo(image: np.ndarray, mask: np.ndarray, background: float, data_range: float = 1.0) -> float:
    """How pale the outline is, in units of the chromosome's contrast: the 2-px ring just inside the
    mask against the interior, plus any ring just outside that is lighter than the background."""
    interior = ndi.binary_erosion(mask, iterations=3)
    inner_ring = mask & ~ndi.binary_erosion(mask, iterations=2)
    outer_ring = ndi.binary_dilation(mask, iterations=2) & ~mask
    if not interior.any() or not outer_ring.any():
        return 0.0
    core = float(image[interior].mean())
    contrast = max(background - core, 0.02 * data_range)
    overshoot = max(float(image[outer_ring].mean()) - background, 0.0)
    return (float(image[inner_ring].mean()) - core + overshoot) / contrast


def band_contrast(image: np.ndarray, mask: np.ndarray) -> float:
    """Std of the detail above a Gaussian of DETAIL_SIGMA_PX inside the mask (band sharpness)."""
    detail = image - ndi.gaussian_filter(image.astype(np.float64), DETAIL_SIGMA_PX)
    return float(detail[mask].std()) if mask.any() else 0.0


# --- whole real karyograms, no reference -------------------------------------------------------------


class KaryogramReference:
    """An original karyogram measured once inside its slot boxes (x0, y0, x1, y1), to measure enhanced
    versions of it against with no ground truth (`measure`): its chromosome mask (one threshold, from the
    original), medial axes, homolog pairs and their agreement, band contrast and grid energy. A result
    re-blended at other strengths is measured again at a third of the cost. It keeps about one byte per
    pixel (the mask), no pixels."""

    def __init__(
        self, original: np.ndarray, boxes: Sequence[tuple[int, int, int, int]], data_range: float = 1.0
    ):
        original = np.asarray(original, np.float64)
        self.shape = original.shape
        self.data_range = data_range
        _, self.threshold = background_and_threshold(original, data_range)
        self.boxes = [tuple(int(v) for v in box) for box in boxes]
        self.mask = chromosome_mask(original, self.threshold) & self._in_slots()
        self.length = LengthReference(self.mask)
        # per slot with a homolog pair: its (rows, columns), its mask and the pair's axes
        self.pairs: list[tuple[tuple[slice, slice], np.ndarray, tuple[Axis, Axis]]] = []
        for x0, y0, x1, y1 in self.boxes:
            slot = self.mask[y0:y1, x0:x1]
            pair = homolog_axes(slot)
            if pair is not None:
                self.pairs.append(((slice(y0, y1), slice(x0, x1)), slot, pair))
        self.homolog_corr = self._homologs(original)
        self.band_contrast = band_contrast(original, self.mask)
        self.grid_energy = grid_energy(original, self.mask, data_range)

    def _in_slots(self) -> np.ndarray:
        """True inside the slot boxes."""
        inside = np.zeros(self.shape, bool)
        for x0, y0, x1, y1 in self.boxes:
            inside[y0:y1, x0:x1] = True
        return inside

    def _homologs(self, image: np.ndarray) -> float:
        """The mean band-profile agreement of the slots' homolog pairs in `image` (NaN: no pair)."""
        found = [homolog_correlation(image[at], slot, pair, self.data_range) for at, slot, pair in self.pairs]
        return float(np.mean(found)) if found else float("nan")

    def measure(self, enhanced: np.ndarray) -> dict[str, float]:
        """What `enhanced` did to the original: mask IoU and length along the original's medial axes, grid
        energy ratio, band contrast ratio, homolog band-profile correlation before/after."""
        enhanced = np.asarray(enhanced, np.float64)
        if enhanced.shape != self.shape:
            raise ValueError(f"the result is {enhanced.shape}, the original {self.shape}")
        mask = chromosome_mask(enhanced, self.threshold) & self._in_slots()
        return {
            "mask_iou": mask_iou(self.mask, mask),
            "length_ratio": self.length.ratio(mask),
            "grid_ratio": grid_energy(enhanced, self.mask, self.data_range) / self.grid_energy,
            "band_contrast_ratio": band_contrast(enhanced, self.mask) / max(self.band_contrast, 1e-9),
            "homolog_corr_before": self.homolog_corr,
            "homolog_corr_after": self._homologs(enhanced),
            "homolog_pairs": float(len(self.pairs)),
        }


def homolog_axes(mask: np.ndarray, axes: Sequence[Axis] | None = None) -> tuple[Axis, Axis] | None:
    """The axes of the two largest objects of a slot when they are alike in size (a homolog pair),
    picked from `axes` (the mask's `medial_axes`) when already found."""
    labels = label(mask)
    regions = sorted(regionprops(labels), key=lambda r: -r.area)[:2]
    if len(regions) < 2 or regions[1].area < 0.5 * regions[0].area:
        return None
    pair = {r.label for r in regions}
    if axes is None:
        axes = medial_axes(np.isin(labels, list(pair)))
    else:
        axes = [a for a in axes if labels[_middle(a)] in pair]
    if len(axes) != 2 or min(len(a.points) for a in axes) < 8:
        return None
    return axes[0], axes[1]


def homolog_correlation(
    image: np.ndarray, mask: np.ndarray, pair: tuple[Axis, Axis], data_range: float = 1.0
) -> float:
    """How alike the band profiles of a homolog pair are in `image`, taken along `pair`'s axes inside
    `mask` (`profile_correlation`)."""
    return profile_correlation(*(axis_profile(image, axis, mask, data_range) for axis in pair))


def profile_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson r of two band profiles after resampling both to one length (homologs differ in length)."""
    return _correlation(_resampled(a), _resampled(b))


# --- helpers -------------------------------------------------------------------------------------------


def clean_mask(mask: np.ndarray) -> np.ndarray:
    """Drop noise specks and spurs so that skeleton length measures chromosomes, not noise."""
    kept = remove_small_objects(
        ndi.binary_opening(mask, structure=_CROSS), max_size=20
    )  # opening with disk(1)
    gaps, _ = ndi.label(~kept)
    outside = np.unique(np.concatenate([gaps[0], gaps[-1], gaps[:, 0], gaps[:, -1]]))
    return kept | ((gaps > 0) & ~np.isin(gaps, outside))  # holes filled


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or np.ptp(a) < 1e-9 or np.ptp(b) < 1e-9:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


_CROSS = ndi.generate_binary_structure(2, 1)


def _resampled(profile: np.ndarray) -> np.ndarray:
    return np.interp(np.linspace(0, 1, PROFILE_SAMPLES), np.linspace(0, 1, len(profile)), profile)


def _matched(candidates: np.ndarray, references: np.ndarray, tolerance: float) -> int:
    """How many candidates pair one-to-one with a reference within `tolerance`."""
    if not len(candidates) or not len(references):
        return 0
    distance = np.abs(candidates[:, None] - references[None, :]).astype(float)
    rows, cols = linear_sum_assignment(np.where(distance <= tolerance, distance, 1e6))
    return int((distance[rows, cols] <= tolerance).sum())


def _longest_path(skeleton: np.ndarray) -> np.ndarray:
    """Pixels (row, column) of the longest geodesic path through a connected skeleton: the
    chromosome's axis without side spurs (two sweeps of minimum-cost paths, exact on a tree)."""
    nodes = np.argwhere(skeleton)
    if len(nodes) < 2:
        return nodes.astype(float)
    sweep = MCP_Geometric(np.where(skeleton, 1.0, np.inf))
    reached = sweep.find_costs([tuple(nodes[0])])[0]
    start = np.unravel_index(np.argmax(np.where(np.isfinite(reached), reached, -1)), skeleton.shape)
    reached = sweep.find_costs([start])[0]
    end = np.unravel_index(np.argmax(np.where(np.isfinite(reached), reached, -1)), skeleton.shape)
    return np.array(sweep.traceback(end), float)


def _resample(path: np.ndarray, mask: np.ndarray) -> Axis:
    """An axis at 1-px steps along a smoothed pixel path, from its upper end.

    Near a tip the skeleton forks towards the corners (and towards bumps of a noisy outline), so
    TIP_TRIM half-widths are cut off each end and the length runs on from the cut ends, straight
    along the axis, to the outline."""
    if path[0, 0] > path[-1, 0] or (path[0, 0] == path[-1, 0] and path[0, 1] > path[-1, 1]):
        path = path[::-1]
    if len(path) < 3:
        return Axis(path[:1], np.array([[0.0, 1.0]]), float(max(mask.shape)))
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(path, axis=0).T))])
    half_width = mask.sum() / (2 * (arc[-1] + 1))
    trim = min(TIP_TRIM * half_width, arc[-1] / 3)
    kept = (arc >= trim) & (arc <= arc[-1] - trim)
    path = path[kept] if kept.any() else path[len(path) // 2 : len(path) // 2 + 1]  # a short, ragged axis
    smooth = ndi.gaussian_filter1d(path, 2.0, axis=0, mode="nearest")
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(smooth, axis=0).T))])
    steps = np.arange(0.0, arc[-1] + 1e-9, 1.0)
    points = np.stack([np.interp(steps, arc, smooth[:, 0]), np.interp(steps, arc, smooth[:, 1])], axis=1)
    tangent = np.gradient(points, axis=0) if len(points) > 1 else np.array([[1.0, 0.0]])
    tangent /= np.maximum(np.hypot(*tangent.T), 1e-9)[:, None]
    ends = min(5, len(points) - 1)
    head = _run_to_outline(mask, points[0], points[0] - points[ends])
    tail = _run_to_outline(mask, points[-1], points[-1] - points[-1 - ends])
    normals = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    points = np.concatenate([head[::-1], points, tail])
    normals = np.concatenate(
        [np.repeat(normals[:1], len(head), 0), normals, np.repeat(normals[-1:], len(tail), 0)]
    )
    return Axis(points, normals, float(arc[-1]) + len(head) + len(tail))


def _run_to_outline(mask: np.ndarray, start: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Points at 1-px steps from `start` along `direction` while they stay inside the mask."""
    direction = direction / max(float(np.hypot(*direction)), 1e-9)
    coords = start[None, :] + np.arange(1, sum(mask.shape))[:, None] * direction[None, :]
    inside = ndi.map_coordinates(mask.astype(np.uint8), coords.T, order=0, mode="constant", cval=0)
    return coords[: int(np.argmin(inside)) if not inside.all() else len(coords)]
