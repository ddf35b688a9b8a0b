"""Paste processed cells back into a copy of the original karyogram.

Only chromosome pixels (each cell's mask) change, and only by the model's change:
out = original + strength · (model output − model input), both mapped back to the slot.
An identity model therefore returns the original pixels exactly, background, labels and
underlines are never touched, and cells larger than the model's 256 px keep their
full-resolution detail. Colour and 16-bit originals are handled in their native values.
`blend` is the last step of enhancing a karyogram, in `Enhancer.enhance` and in the web pipeline.
"""

from collections.abc import Mapping

import numpy as np

from .cells import CellTransform, PreparedCells, from_model_output
from .fidelity import Verdict, capped_strengths
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
    pixels: np.ndarray,
    data_range: int,
    layout: Layout,
    deltas: Mapping[str, np.ndarray],
    strength: float | Mapping[str, float] = 1.0,
) -> np.ndarray:
    """Native pixels of the enhanced karyogram: the original `pixels` (values 0..`data_range`, e.g. 255
    or 65535) plus each cell's masked change."""
    out = pixels.astype(np.float64)
    for cell in layout.cells:
        if cell.label not in deltas or not cell.mask.any():
            continue
        s = strength.get(cell.label, 1.0) if isinstance(strength, Mapping) else strength
        if not 0.0 <= s <= 1.0:
            raise ValueError(f"strength for cell {cell.label} must be in [0, 1], got {s}")
        x0, y0, x1, y1 = cell.box
        change = np.where(cell.mask, deltas[cell.label] * (s * data_range), 0.0)
        region = out[y0:y1, x0:x1]
        if region.ndim == 3:
            region[..., :3] += change[..., None]
        else:
            region += change
    return np.clip(np.rint(out), 0, data_range).astype(pixels.dtype)


def blend(
    pixels: np.ndarray,
    data_range: int,
    cells: PreparedCells,
    outputs: Mapping[str, np.ndarray],
    strength: float | Mapping[str, float],
    verdicts: Mapping[str, Verdict],
) -> np.ndarray:
    """The enhanced karyogram: each cell's model change blended into the original `pixels` at the
    strength asked for it, capped by its fidelity-guard verdict (none: not capped). No model runs."""
    return reassemble(
        pixels,
        data_range,
        cells.layout,
        cell_deltas(cells.inputs, outputs, cells.transforms),
        capped_strengths(strength, verdicts, outputs),
    )
