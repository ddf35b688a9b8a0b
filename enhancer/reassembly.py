"""Paste processed cells back into a copy of the original karyogram.

Only chromosome pixels (each cell's mask) change, and only by the model's change:
out = original + strength · (model output − model input), both mapped back to the slot.
An identity model therefore returns the original pixels exactly, background, labels and
underlines are never touched, and cells larger than the model's 256 px keep their
full-resolution detail. Colour and 16-bit originals are handled in their native values.
"""

from collections.abc import Mapping

import numpy as np

from .cells import CellTransform, from_model_output
from .io import Karyogram
from .slicing import Layout


def cell_deltas(
    model_inputs: Mapping[str, np.ndarray],
    model_outputs: Mapping[str, np.ndarray],
    transforms: Mapping[str, CellTransform],
) -> dict[str, np.ndarray]:
    """Per cell, the model's change in grey [0, 1] units on the slot's pixel grid."""
    return {
        label: from_model_output(model_outputs[label], transforms[label])
        - from_model_output(model_inputs[label], transforms[label])
        for label in model_outputs
    }


def reassemble(
    karyogram: Karyogram,
    layout: Layout,
    deltas: Mapping[str, np.ndarray],
    strength: float | Mapping[str, float] = 1.0,
) -> np.ndarray:
    """Native pixels of the enhanced karyogram: the original plus each cell's masked change."""
    info = karyogram.info
    out = karyogram.pixels.astype(np.float64)
    for cell in layout.cells:
        if cell.label not in deltas or not cell.mask.any():
            continue
        s = strength.get(cell.label, 1.0) if isinstance(strength, Mapping) else strength
        if not 0.0 <= s <= 1.0:
            raise ValueError(f"strength for cell {cell.label} must be in [0, 1], got {s}")
        x0, y0, x1, y1 = cell.box
        change = np.where(cell.mask, deltas[cell.label] * (s * info.max_value), 0.0)
        region = out[y0:y1, x0:x1]
        if region.ndim == 3:
            region[..., :3] += change[..., None]
        else:
            region += change
    return np.clip(np.rint(out), 0, info.max_value).astype(karyogram.pixels.dtype)
