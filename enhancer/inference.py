"""Enhance whole karyograms: slice, run every cell through G_A in ONE batch, reassemble.

`Enhancer` loads a model once and is reused (a worker process keeps one). Batch-norm
models run with per-image statistics, exactly as the reference's test.py without --eval.
Every cell's output passes the fidelity guard (`enhancer.fidelity`), which caps its strength.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .cells import CellTransform, to_model_input
from .fidelity import Verdict, capped_strengths, guard_cells
from .io import Karyogram
from .model.checkpoint import load_generator
from .model.device import select_device
from .model.networks import per_image_normalisation
from .reassembly import cell_deltas, reassemble
from .segmentation import background_level
from .slicing import Layout, slice_karyogram
from .training.data import unit_to_model

SHIPPED_MODEL = Path(__file__).with_name("models") / "chromoenhancer-cpu-restore"


@dataclass
class EnhancedKaryogram:
    pixels: np.ndarray  # native pixels, same shape, dtype and channels as the original
    layout: Layout
    inputs: dict[str, np.ndarray]  # per cell, the 256×256 model input in [0, 1]
    outputs: dict[str, np.ndarray]  # per cell, the model output in [0, 1]
    transforms: dict[str, CellTransform]
    guard: dict[str, Verdict]  # per cell, the fidelity guard's verdict (empty when the guard was off)

    def reblend(self, karyogram: Karyogram, strength: float | dict[str, float]) -> np.ndarray:
        """Pixels for other strengths without running the model again (the blend only), capped by the guard."""
        return reassemble(
            karyogram,
            self.layout,
            cell_deltas(self.inputs, self.outputs, self.transforms),
            capped_strengths(strength, self.guard, self.outputs),
        )


class Enhancer:
    def __init__(self, model_dir: str | Path = SHIPPED_MODEL, device: str = "auto"):
        self.device = select_device(device)
        generator, self.card = load_generator(model_dir, self.device)
        if self.card["architecture"]["norm"] == "batch":
            per_image_normalisation(generator)
        self.generator = generator.eval()

    @torch.inference_mode()
    def enhance_cells(self, images: np.ndarray) -> np.ndarray:
        """N×256×256 images in [0, 1] → enhanced images in [0, 1], in a single forward pass."""
        if len(images) == 0:
            return images
        batch = unit_to_model(images).to(self.device)
        out = self.generator(batch)
        return ((out[:, 0].float().cpu().numpy() + 1) / 2).clip(0, 1)

    def enhance_batches(self, images: np.ndarray, batch: int = 32) -> np.ndarray:
        """Like `enhance_cells` for any number of cells, `batch` at a time (bounded memory)."""
        if len(images) == 0:
            return images
        return np.concatenate(
            [self.enhance_cells(images[i : i + batch]) for i in range(0, len(images), batch)]
        )

    def enhance(
        self,
        karyogram: Karyogram,
        cells: int = 24,
        strength: float | dict[str, float] = 1.0,
        layout: dict | None = None,
        guard: bool = True,
    ) -> EnhancedKaryogram:
        """Slice, enhance every cell in one batch, check each with the fidelity guard, reassemble.

        `guard=False` skips the guard (for measuring the model itself); the product always guards."""
        found = slice_karyogram(karyogram.grey, cells=cells, layout=layout)
        background = background_level(karyogram.grey)
        inputs, transforms = {}, {}
        for cell in found.cells:
            if cell.objects:
                inputs[cell.label], transforms[cell.label] = to_model_input(karyogram.grey, cell, background)
        labels = list(inputs)
        enhanced = self.enhance_cells(
            np.stack([inputs[k] for k in labels]) if labels else np.empty((0, 256, 256))
        )
        outputs = dict(zip(labels, enhanced, strict=True))
        verdicts = guard_cells(inputs, outputs) if guard else {}
        pixels = reassemble(
            karyogram,
            found,
            cell_deltas(inputs, outputs, transforms),
            capped_strengths(strength, verdicts, outputs),
        )
        return EnhancedKaryogram(pixels, found, inputs, outputs, transforms, verdicts)
