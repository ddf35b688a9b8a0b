"""Keep the background background: an enhanced cell may lighten, never darken, the pixels its input
shows on the background side of the chromosome threshold.

So no chromosome grows, and nothing beside one (the dark cut line of a cut-and-paste karyogram, a
speck, a neighbour's edge) is turned into chromosome. Restoration loses nothing by it: deblurring an
outline darkens the pixels inside it and lightens the fringe outside. Measured on the Wellcome 45,X
karyogram, whose model output darkened the cut lines: mask IoU against the original 0.931 → 0.952.
"""

import numpy as np

from .metrics import background_and_threshold


def keep_background(output: np.ndarray, model_input: np.ndarray, data_range: float = 1.0) -> np.ndarray:
    """`output` with every pixel that `model_input` shows as background no darker than it was there."""
    _, threshold = background_and_threshold(model_input, data_range)
    outside = model_input >= threshold
    return np.where(outside, np.maximum(output, model_input), output).astype(output.dtype)
