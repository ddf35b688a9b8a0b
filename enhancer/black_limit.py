"""How much of a cell the tone steps after the network may turn black.

Darkness cannot grow past black, so a curve that deepens a cell's tones compresses them near black:
bands that were dark grey with some variation along them become one solid block, a pale band between
two black ones closes, a dark band reads broader. The contrast lift and the staining depth therefore
measure the share of a cell's chromosome pixels that are black (their σ 1 px neighbourhood darker than
`BLACK` × the background) and keep each cell's new black within `MAX_NEW_BLACK` of its chromosome
pixels, lowering their strength for that cell where they would pass it. Measured (README, "Steps after
the network"): on the zoomed CytoVision export the uncapped lift took rows 2–4 from 1–3 % black to
6–17 %, and the staining depth's ×1.5 took two cells of CytoVision 100955 from none to 4 %.
"""

from collections.abc import Callable

import numpy as np
from scipy import ndimage as ndi

BLACK = 0.08  # a pixel whose σ 1 px neighbourhood is darker than this × the background is black
BLACK_SIGMA_PX = 1.0
MAX_NEW_BLACK = 0.02  # at most this share of a cell's chromosome pixels may turn black in a tone step
BISECTION_STEPS = 12  # strength found to 2⁻¹² of its range


def black_share(image: np.ndarray, mask: np.ndarray, background: float) -> float:
    """The share of the `mask` pixels of `image` that are black (0 for an empty mask)."""
    if not mask.any():
        return 0.0
    smooth = ndi.gaussian_filter(np.asarray(image, np.float64), BLACK_SIGMA_PX)
    return float((smooth[mask] < BLACK * background).mean())


def within_black_allowance(
    step: Callable[[float], np.ndarray], strength: float, mask: np.ndarray, background: float, before: float
) -> float:
    """The largest strength in [0, `strength`] at which `step(strength)`, an image that darkens as the
    strength grows, has at most `MAX_NEW_BLACK` more of the `mask` black than `before` (bisection)."""

    def allowed(s: float) -> bool:
        return black_share(step(s), mask, background) <= before + MAX_NEW_BLACK

    if allowed(strength):
        return strength
    low, high = 0.0, strength
    for _ in range(BISECTION_STEPS):
        middle = (low + high) / 2
        low, high = (middle, high) if allowed(middle) else (low, middle)
    return low
