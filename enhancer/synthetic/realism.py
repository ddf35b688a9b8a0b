"""How far synthetic chromosomes are from real ones, measured rather than eyeballed.

Chromosome crops are cut from any grey image by simple thresholding (the same code for real
and synthetic images), straightened to a vertical major axis, and described by simple
statistics (width/length, width variation, edge width, in-mask darkness, band-profile
spectrum, chromatin grain). A two-sample test asks small classifiers to tell real crops from
synthetic ones; a cross-validated accuracy of 50 % means they cannot.
"""

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi
from scipy.stats import wasserstein_distance
from skimage.filters import threshold_otsu
from skimage.measure import label, regionprops
from skimage.morphology import skeletonize
from skimage.transform import resize, rotate
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .degrade import chromosome_width

CROP_SHAPE = (48, 16)  # rows × columns every crop is resized to for the pixel classifier
STATISTICS = (
    "width_over_length",
    "width_cv",
    "edge_width",
    "mean_darkness",
    "profile_contrast",
    "fine_band_power",
    "grain",
)


@dataclass(frozen=True)
class Crop:
    """One chromosome, upright: `darkness` = 1 − grey/background (0..1) and its mask."""

    darkness: np.ndarray
    mask: np.ndarray


def darkness_of(grey: np.ndarray, data_range: float = 1.0) -> np.ndarray:
    """Darkness relative to the image's background (its brightest common level), 0 = background."""
    x = grey.astype(np.float64) / data_range
    background = float(np.percentile(x, 90))
    return np.clip(1 - x / max(background, 1e-6), 0, 1)


def chromosome_crops(grey: np.ndarray, data_range: float = 1.0, min_area: int = 60) -> list[Crop]:
    """Chromosomes of a grey image (karyogram, metaphase or single crop), cut by thresholding.

    Text, underlines, specks and objects cut by the image border are dropped by their width:
    a chromosome is about as wide as the typical large object of the image.
    """
    dark = darkness_of(grey, data_range)
    smooth = ndi.gaussian_filter(dark, 1.0)
    level = max(0.5 * threshold_otsu(smooth), 0.08)
    labels = label(smooth > level)
    regions = [
        r
        for r in regionprops(labels, intensity_image=dark)
        if r.area >= min_area and not _touches_border(r, labels.shape)
    ]
    if not regions:
        return []
    shape = {
        r.label: (chromosome_width(r.image), np.percentile(r.image_intensity[r.image], 90)) for r in regions
    }
    big = sorted(regions, key=lambda r: r.area)[len(regions) // 2 :]
    typical_width = float(np.median([shape[r.label][0] for r in big]))
    typical_ink = float(np.median([shape[r.label][1] for r in big]))
    crops = []
    for r in regions:
        width, ink = shape[r.label]
        if (
            not 0.6 * typical_width <= width <= 1.6 * typical_width
            or r.axis_major_length < 1.3 * width
            or ink < 0.5 * typical_ink
            or _endpoints(r.image) > 3
        ):
            continue  # text, lines, specks, faint blotches, overlapping chromosomes
        mask = np.zeros_like(labels, dtype=bool)
        y0, x0, y1, x1 = r.bbox
        mask[y0:y1, x0:x1] = ndi.binary_fill_holes(r.image)
        crops.append(_upright(dark, mask, r, margin=int(np.ceil(0.5 * width)) + 2))
    return crops


def crop_statistics(crop: Crop) -> dict[str, float]:
    """The simple statistics of one upright crop (see STATISTICS); lengths relative to its width."""
    mask, dark = crop.mask, crop.darkness
    distance = ndi.distance_transform_edt(mask)
    skeleton = skeletonize(mask)
    radii = distance[skeleton]
    width = 2 * float(radii.mean())
    length = float(skeleton.sum()) + width
    inside = dark[mask]
    profile = _profile(crop, width)
    return {
        "width_over_length": width / length,
        "width_cv": float(radii.std() / radii.mean()),
        "edge_width": _edge_width(dark, mask) / width,
        "mean_darkness": float(inside.mean()),
        "profile_contrast": float(profile.std() / max(profile.mean(), 1e-6)),
        "fine_band_power": _fine_band_power(profile),
        "grain": _grain(dark, mask, width),
    }


def crop_pixels(crop: Crop) -> np.ndarray:
    """The crop resized to CROP_SHAPE, and its high-pass detail, as one feature vector."""
    small = resize(crop.darkness, CROP_SHAPE, order=1, anti_aliasing=True)
    detail = np.abs(small - ndi.gaussian_filter(small, 1.0))
    return np.concatenate([small.ravel(), detail.ravel()])


def two_sample_accuracy(
    real: np.ndarray, synthetic: np.ndarray, seed: int = 0, folds: int = 5
) -> tuple[float, float]:
    """Cross-validated accuracy (mean, sd over folds) of a logistic regression telling the rows of
    `real` from those of `synthetic`; the larger set is subsampled so that chance is 50 %."""
    rng = np.random.default_rng(seed)
    n = min(len(real), len(synthetic))
    x = np.vstack([real[rng.permutation(len(real))[:n]], synthetic[rng.permutation(len(synthetic))[:n]]])
    y = np.repeat([1, 0], n)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.05, max_iter=2000))
    scores = cross_val_score(model, x, y, cv=StratifiedKFold(folds, shuffle=True, random_state=seed))
    return float(scores.mean()), float(scores.std())


def compare(real: list[Crop], synthetic: list[Crop], seed: int = 0) -> dict[str, float]:
    """Realism of `synthetic` against `real`: classifier accuracies, per-statistic medians and the
    Wasserstein distance between the pooled in-mask darkness distributions."""
    stats_real = np.array([[crop_statistics(c)[k] for k in STATISTICS] for c in real])
    stats_synth = np.array([[crop_statistics(c)[k] for k in STATISTICS] for c in synthetic])
    pixels_acc, pixels_sd = two_sample_accuracy(
        np.array([crop_pixels(c) for c in real]), np.array([crop_pixels(c) for c in synthetic]), seed
    )
    stats_acc, stats_sd = two_sample_accuracy(stats_real, stats_synth, seed)
    result = {
        "n_real": len(real),
        "n_synthetic": len(synthetic),
        "classifier_pixels": pixels_acc,
        "classifier_pixels_sd": pixels_sd,
        "classifier_statistics": stats_acc,
        "classifier_statistics_sd": stats_sd,
        "darkness_wasserstein": float(
            wasserstein_distance(
                np.concatenate([c.darkness[c.mask] for c in real]),
                np.concatenate([c.darkness[c.mask] for c in synthetic]),
            )
        ),
    }
    for i, name in enumerate(STATISTICS):
        result[f"{name}_real"] = float(np.median(stats_real[:, i]))
        result[f"{name}_synthetic"] = float(np.median(stats_synth[:, i]))
    return result


def background_noise(grey: np.ndarray, data_range: float = 1.0) -> float:
    """Noise level of an image: robust sd (MAD) of the fine detail over its flat background."""
    x = grey.astype(np.float64) / data_range
    detail = x - ndi.uniform_filter(x, 5)
    smooth = ndi.gaussian_filter(x, 3)
    flat = ndi.binary_erosion(smooth > np.percentile(smooth, 90) - 0.02, iterations=4)
    if not flat.any():
        return 0.0
    values = detail[flat]
    return float(1.4826 * np.median(np.abs(values - np.median(values))) / np.sqrt(1 - 1 / 25))


def _touches_border(region, shape: tuple[int, int]) -> bool:
    y0, x0, y1, x1 = region.bbox
    return y0 == 0 or x0 == 0 or y1 == shape[0] or x1 == shape[1]


def _endpoints(mask: np.ndarray) -> int:
    """Ends of the skeleton: 2 for one chromosome, more where chromosomes cross or touch."""
    skeleton = skeletonize(ndi.binary_fill_holes(np.pad(mask, 1)))
    neighbours = ndi.convolve(skeleton.astype(int), np.ones((3, 3), int), mode="constant") - 1
    return int((skeleton & (neighbours == 1)).sum())


def _upright(dark: np.ndarray, mask: np.ndarray, region, margin: int) -> Crop:
    """Cut the region with a margin and rotate it so that its major axis is vertical."""
    y0, x0, y1, x1 = region.bbox
    ys = slice(max(y0 - margin, 0), y1 + margin)
    xs = slice(max(x0 - margin, 0), x1 + margin)
    angle = -np.degrees(region.orientation)  # skimage: angle between rows axis and major axis
    d = rotate(dark[ys, xs], angle, resize=True, order=1, mode="constant", cval=0.0)
    m = rotate(mask[ys, xs].astype(float), angle, resize=True, order=1) > 0.5
    near = ndi.distance_transform_edt(~m) <= margin / 2
    d = np.where(near, d, 0.0)  # neighbours in the margin are not part of this chromosome's look
    rows, cols = np.nonzero(m)
    r0, r1 = max(rows.min() - margin, 0), rows.max() + margin + 1
    c0, c1 = max(cols.min() - margin, 0), cols.max() + margin + 1
    return Crop(d[r0:r1, c0:c1], m[r0:r1, c0:c1])


def _profile(crop: Crop, width: float) -> np.ndarray:
    """Mean darkness per row inside the mask, resampled to 8 samples per chromosome width."""
    rows = np.nonzero(crop.mask.any(axis=1))[0]
    mask = crop.mask[rows]
    profile = (crop.darkness[rows] * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1)
    n = max(round(len(profile) / width * 8), 8)
    return np.interp(np.linspace(0, len(profile) - 1, n), np.arange(len(profile)), profile)


def _fine_band_power(profile: np.ndarray) -> float:
    """Share of the band profile's power at periods shorter than one chromosome width."""
    x = profile - np.polyval(np.polyfit(np.arange(len(profile)), profile, 1), np.arange(len(profile)))
    power = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freq = np.fft.rfftfreq(len(x), d=1 / 8)  # cycles per chromosome width
    return float(power[freq > 1.0].sum() / max(power[freq > 0].sum(), 1e-12))


def _edge_width(dark: np.ndarray, mask: np.ndarray) -> float:
    """10–90 % rise of the median darkness across the outline, in pixels."""
    signed = ndi.distance_transform_edt(mask) - ndi.distance_transform_edt(~mask)
    bins = np.arange(-6, 7)
    levels = np.array(
        [
            np.median(dark[np.abs(signed - b) < 0.5]) if np.any(np.abs(signed - b) < 0.5) else np.nan
            for b in bins
        ]
    )
    valid = ~np.isnan(levels)
    bins, levels = bins[valid], np.maximum.accumulate(levels[valid])
    low, high = levels[0], levels[-1]
    if high - low < 1e-3:
        return 0.0
    frac = (levels - low) / (high - low)
    return float(np.interp(0.9, frac, bins) - np.interp(0.1, frac, bins))


def _grain(dark: np.ndarray, mask: np.ndarray, width: float) -> float:
    """Fine texture inside the chromosome: high-pass energy relative to the in-mask contrast."""
    core = ndi.binary_erosion(mask, iterations=max(1, int(width / 6)))
    if core.sum() < 10:
        core = mask
    detail = dark - ndi.gaussian_filter(dark, max(width / 8, 1.0))
    return float(detail[core].std() / max(dark[mask].std(), 1e-6))
