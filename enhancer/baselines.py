"""Classical enhancement baselines, fed the same cells as the CycleGAN (float [0, 1] in and out).

BM3D is used only when the optional `bm3d` package is installed: its licence is
non-commercial, so it is never a dependency of the product.
"""

from collections.abc import Callable
from functools import partial
from itertools import product

import numpy as np
from scipy import ndimage as ndi
from skimage import exposure, filters, restoration

Method = Callable[[np.ndarray], np.ndarray]


def identity(x: np.ndarray) -> np.ndarray:
    return x


def histogram_equalisation(x: np.ndarray) -> np.ndarray:
    return exposure.equalize_hist(x)


def clahe(x: np.ndarray) -> np.ndarray:
    return exposure.equalize_adapthist(x, clip_limit=0.01)


def unsharp(x: np.ndarray, radius: float = 2.0, amount: float = 1.0) -> np.ndarray:
    return filters.unsharp_mask(x, radius=radius, amount=amount, preserve_range=True).clip(0, 1)


def noise_sigma(x: np.ndarray) -> float:
    """Noise level from the residual to a 3×3 median, over the pixels that are not flat
    background (cells are filled with one background value outside the chromosomes)."""
    residual = x - ndi.median_filter(x, size=3)
    busy = ndi.binary_dilation(np.abs(x - np.median(x)) > 1e-6, iterations=2)
    if busy.sum() < 64:
        return 1e-3
    return max(1.4826 * 1.12 * float(np.median(np.abs(residual[busy]))), 1e-3)


def nlm(x: np.ndarray, strength: float = 0.8) -> np.ndarray:
    sigma = noise_sigma(x)
    return restoration.denoise_nl_means(
        x, h=strength * sigma, sigma=sigma, patch_size=5, patch_distance=6, fast_mode=True
    )


def bm3d_available() -> bool:
    try:
        import bm3d  # noqa: F401
    except ImportError:
        return False
    return True


def bm3d_denoise(x: np.ndarray) -> np.ndarray:
    import bm3d

    return np.asarray(bm3d.bm3d(x, sigma_psd=noise_sigma(x))).clip(0, 1)


def classical_pipeline(
    x: np.ndarray, nlm_strength: float, low: float, high: float, amount: float
) -> np.ndarray:
    """Denoise (NLM) → contrast stretch between percentiles → mild unsharp mask."""
    y = nlm(x, nlm_strength)
    lo, hi = np.percentile(y, (low, high))
    y = exposure.rescale_intensity(y, in_range=(lo, hi), out_range=(0.0, 1.0))
    return unsharp(y, radius=1.5, amount=amount)


def tune_classical(
    validation: list[tuple[np.ndarray, np.ndarray]], score: Callable[[np.ndarray, np.ndarray], float]
) -> tuple[Method, dict]:
    """Grid-search the classical pipeline on (poor, ground truth) validation cells."""
    best, best_params = -np.inf, {}
    for strength, low, high, amount in product((0.6, 1.0), (0.5, 2.0), (99.5, 100.0), (0.3, 0.7)):
        params = {"nlm_strength": strength, "low": low, "high": high, "amount": amount}
        value = np.mean([score(gt, classical_pipeline(x, **params)) for x, gt in validation])
        if value > best:
            best, best_params = value, params
    return partial(classical_pipeline, **best_params), best_params


BASELINES: dict[str, Method] = {
    "identity": identity,
    "he": histogram_equalisation,
    "clahe": clahe,
    "unsharp": unsharp,
    "nlm": nlm,
}
