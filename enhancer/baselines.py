"""Classical enhancement baselines, fed the same cells as the CycleGAN (float [0, 1] in and out).

The denoisers' noise level and the classical pipeline's settings are picked by `tune` on validation
pairs (`tuned_baselines`), so each is compared at its best rather than at a guess.

BM3D is used only when the optional `bm3d` package is installed: its licence is
non-commercial, so it is never a dependency of the product.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import product

import numpy as np
from skimage import exposure, filters, restoration

Method = Callable[[np.ndarray], np.ndarray]

# Noise levels the denoisers are tuned over. A cell's noise cannot be estimated from its own pixels: at
# model scale it is resampled (spatially correlated) and most of the cell is one flat background value,
# so pixel-wise estimators read about 0 there and a denoiser set by them is the identity.
DENOISE_SIGMAS = (0.005, 0.01, 0.02, 0.04, 0.06, 0.08)
NLM_H_PER_SIGMA = 0.8  # NLM's filtering strength h, in units of the noise level


def identity(x: np.ndarray) -> np.ndarray:
    return x


def histogram_equalisation(x: np.ndarray) -> np.ndarray:
    return exposure.equalize_hist(x)


def clahe(x: np.ndarray) -> np.ndarray:
    return exposure.equalize_adapthist(x, clip_limit=0.01)


def unsharp(x: np.ndarray, radius: float = 2.0, amount: float = 1.0) -> np.ndarray:
    return filters.unsharp_mask(x, radius=radius, amount=amount, preserve_range=True).clip(0, 1)


def nlm(x: np.ndarray, sigma: float = 0.02) -> np.ndarray:
    """Non-local means for noise of standard deviation `sigma` (grey units, data range 1)."""
    return restoration.denoise_nl_means(
        x, h=NLM_H_PER_SIGMA * sigma, sigma=sigma, patch_size=5, patch_distance=6, fast_mode=True
    )


def bm3d_available() -> bool:
    try:
        import bm3d  # noqa: F401
    except ImportError:
        return False
    return True


def bm3d_denoise(x: np.ndarray, sigma: float = 0.02) -> np.ndarray:
    import bm3d

    return np.asarray(bm3d.bm3d(x, sigma_psd=sigma)).clip(0, 1)


def stretch_and_sharpen(y: np.ndarray, low: float, high: float, amount: float) -> np.ndarray:
    """Contrast stretch between the `low` and `high` percentiles, then a mild unsharp mask."""
    lo, hi = np.percentile(y, (low, high))
    y = exposure.rescale_intensity(y, in_range=(lo, hi), out_range=(0.0, 1.0))
    return unsharp(y, radius=1.5, amount=amount)


@dataclass(frozen=True)
class TwoSteps:
    """A method made of a slow first step and a fast second one. `tune` runs the first step once per
    setting of its own parameters, not once per setting of the whole grid."""

    first: Callable[..., np.ndarray]
    first_params: Mapping[str, str]  # the method's parameter → the first step's name for it
    then: Callable[..., np.ndarray]

    def split(self, params: Mapping[str, float]) -> tuple[dict, dict]:
        """`params` as (the first step's keywords, the second step's); one left out keeps its default."""
        first = {inner: params[outer] for outer, inner in self.first_params.items() if outer in params}
        return first, {name: value for name, value in params.items() if name not in self.first_params}

    def __call__(self, x: np.ndarray, **params: float) -> np.ndarray:
        first, then = self.split(params)
        return self.then(self.first(x, **first), **then)


# Denoise (NLM) → contrast stretch between percentiles → mild unsharp mask.
classical_pipeline = TwoSteps(nlm, {"nlm_sigma": "sigma"}, stretch_and_sharpen)


def tune(
    method: Callable[..., np.ndarray],
    grid: Mapping[str, Sequence[float]],
    validation: list[tuple[np.ndarray, np.ndarray]],
    score: Callable[[np.ndarray, np.ndarray], float],
    first_outputs: dict | None = None,
) -> tuple[Method, dict]:
    """Grid-search `method`'s keyword parameters on (poor, ground truth) validation cells; the best
    scoring setting, bound, and its parameters. `first_outputs`: a TwoSteps method's first-step outputs
    by step and setting, to share between the tunings of methods with the same first step on the same
    `validation` list (empty at first; it remembers that list and refuses another)."""
    if not validation:
        raise ValueError("no validation pairs to tune on")
    first_outputs = {} if first_outputs is None else first_outputs
    if first_outputs.setdefault("cells", validation) is not validation:
        raise ValueError("first_outputs was filled from other validation cells")

    def outputs(params: dict) -> list[np.ndarray]:
        if not isinstance(method, TwoSteps):
            return [method(x, **params) for x, _ in validation]
        first, then = method.split(params)
        key = (method.first, *sorted(first.items()))
        if key not in first_outputs:
            first_outputs[key] = [method.first(x, **first) for x, _ in validation]
        return [method.then(y, **then) for y in first_outputs[key]]

    best, best_params = -np.inf, {}
    for values in product(*grid.values()):
        params = dict(zip(grid, values, strict=True))
        value = np.mean([score(gt, y) for (_, gt), y in zip(validation, outputs(params), strict=True)])
        if value > best:
            best, best_params = value, params
    return partial(method, **best_params), best_params


BASELINES: dict[str, Method] = {
    "identity": identity,
    "he": histogram_equalisation,
    "clahe": clahe,
    "unsharp": unsharp,
}


def tuned_baselines() -> dict[str, tuple[Callable[..., np.ndarray], dict[str, tuple[float, ...]]]]:
    """The baselines whose settings `tune` picks on validation pairs, with the grid of each (BM3D
    only when its optional package is installed)."""
    methods = {
        "nlm": (TwoSteps(nlm, {"sigma": "sigma"}, identity), {"sigma": DENOISE_SIGMAS}),
        "classical_best": (
            classical_pipeline,
            {"nlm_sigma": DENOISE_SIGMAS, "low": (0.5, 2.0), "high": (99.5, 100.0), "amount": (0.3, 0.7)},
        ),
    }
    if bm3d_available():
        methods["bm3d"] = (bm3d_denoise, {"sigma": DENOISE_SIGMAS})
    return methods
