"""Full-reference metrics for enhanced cells, on float images with an explicit data_range.

SSIM uses the Wang et al. (2004) convention (Gaussian window σ 1.5, population
covariance). `_fg` variants average inside the dilated chromosome mask, because
background is most of a cell and would otherwise dominate. Fidelity measures (mask IoU,
length ratio) segment with one fixed, ground-truth-derived threshold for both images.
"""

import numpy as np
from scipy import ndimage as ndi
from scipy.stats import pearsonr
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from skimage.measure import label, regionprops
from skimage.morphology import disk, opening, remove_small_objects

FG_DILATION_PX = 3


def ssim_map(gt: np.ndarray, y: np.ndarray, data_range: float = 1.0) -> tuple[float, np.ndarray]:
    return structural_similarity(gt, y, data_range=data_range, gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False, full=True)


def chromosome_threshold(gt: np.ndarray, background: float) -> float:
    """Halfway between the background and the typical chromosome grey of the ground truth."""
    dark = gt[gt < background - 0.08]
    return background - 0.5 * (background - float(np.median(dark))) if dark.size else background - 0.1


def cell_metrics(gt: np.ndarray, y: np.ndarray, background: float, data_range: float = 1.0) -> dict[str, float]:
    """All metrics of one enhanced cell `y` against its ground truth `gt` (same shape, [0, 1])."""
    threshold = chromosome_threshold(gt, background)
    mask_gt = _clean(gt < threshold)
    mask_y = _clean(y < threshold)
    fg = ndi.binary_dilation(mask_gt, iterations=FG_DILATION_PX)
    ssim, smap = ssim_map(gt, y, data_range)
    mse_fg = float(np.mean((gt[fg] - y[fg]) ** 2)) if fg.any() else 0.0
    return {
        "psnr": float(peak_signal_noise_ratio(gt, y, data_range=data_range)),
        "ssim": float(ssim),
        "psnr_fg": float(10 * np.log10(data_range**2 / max(mse_fg, 1e-10))),
        "ssim_fg": float(smap[fg].mean()) if fg.any() else float(ssim),
        "band_corr": band_correlation(gt, y, mask_gt),
        "length_ratio": _length(mask_y) / max(_length(mask_gt), 1),
        "mask_iou": float((mask_gt & mask_y).sum() / max((mask_gt | mask_y).sum(), 1)),
    }


def band_profile(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean darkness per row inside the mask (cells hold upright chromosomes)."""
    rows = mask.any(axis=1)
    darkness = np.where(mask, 1 - image, 0).sum(axis=1)
    return darkness[rows] / mask.sum(axis=1)[rows]


def band_correlation(gt: np.ndarray, y: np.ndarray, mask: np.ndarray) -> float:
    """Pearson correlation of the band profiles of `gt` and `y`, both sampled through the GT mask."""
    a, b = band_profile(gt, mask), band_profile(y, mask)
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return 0.0
    return float(pearsonr(a, b).statistic)


def _clean(mask: np.ndarray) -> np.ndarray:
    """Drop noise specks and spurs so that skeleton length measures chromosomes, not noise."""
    return ndi.binary_fill_holes(remove_small_objects(opening(mask, disk(1)), max_size=20))


def _length(mask: np.ndarray) -> float:
    """Total length of the chromosomes in a mask: the sum of each object's major axis, in pixels."""
    return float(sum(r.axis_major_length for r in regionprops(label(mask))))
