"""Enhance whole karyograms, in the steps the web pipeline runs one per task:

1. `cells.slice_cells` (or `prepare_cells` with a layout at hand): slots, chromosome masks, each
   cell's 256×256 model input and its transform back;
2. `Enhancer.enhance_inputs`: every cell through G_A, `model.runtime.chunk_size` cells per forward pass
   (a whole karyogram in one on an accelerator, one on the CPU) on the enhancer's device, then what the model card asks of each output:
   band sharpening (`sharpening`: soft cells brought up to an excellent cell's fine detail), a contrast
   lift (`tone`: faint cells' mid-tones deepened toward an excellent cell's local contrast) and a kept
   background (`background`: no pixel the input shows as background made darker); then, over all the
   karyogram's cells at once, its staining depth (`staining`: a pale karyogram's darkness brought
   toward an excellent one's by one gain);
3. `fidelity.guard_cells`: each output checked against its own input, which caps its strength;
4. `reassembly.blend`: the change of each cell blended into the original at its capped strength;
5. `karyogram_report`: the result measured whole against the original (`EnhancedKaryogram.report`).

`Enhancer` loads a model once and is reused (a worker process keeps one); `model.runtime` runs it
as its card asks (batch-norm statistics, mirror ensemble).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import SHIPPED_MODEL
from .background import keep_background
from .cells import CellTransform, PreparedCells, slice_cells
from .fidelity import Verdict, guard_cells
from .io import DecodedKaryogram, grey_of
from .karyogram_report import KaryogramReport, report_karyogram
from .model.device import select_device
from .model.runtime import load_for_inference, run_generator
from .reassembly import blend
from .sharpening import BandSharpening, sharpen_bands
from .slicing import Layout
from .staining import Deepening, StainingDepth, deepen_staining
from .tone import ContrastLift, lift_contrast

# told (steps done, steps in all): each cell through the network, then each cell finished after it
Progress = Callable[[int, int], None]


@dataclass
class EnhancedCells:
    """One karyogram's enhanced cells and what the step over all of them did."""

    outputs: dict[str, np.ndarray]  # per cell label, the model output in [0, 1]
    staining: Deepening | None  # the staining depth's gain (None: the card asks for no such step)


@dataclass
class EnhancedKaryogram:
    pixels: np.ndarray  # native pixels, same shape, dtype and channels as the original
    cells: PreparedCells  # slots, model inputs and transforms
    outputs: dict[str, np.ndarray]  # per cell, the model output in [0, 1]
    guard: dict[str, Verdict]  # per cell, the fidelity guard's verdict (empty when the guard was off)
    staining: Deepening | None  # what the staining depth did (None: the card asks for no such step)

    @property
    def layout(self) -> Layout:
        return self.cells.layout

    @property
    def inputs(self) -> dict[str, np.ndarray]:  # per cell, the 256×256 model input in [0, 1]
        return self.cells.inputs

    @property
    def transforms(self) -> dict[str, CellTransform]:
        return self.cells.transforms

    def reblend(self, karyogram: DecodedKaryogram, strength: float | dict[str, float]) -> np.ndarray:
        """Pixels for other strengths without running the model again (the blend only), capped by the guard."""
        return blend(
            karyogram.pixels, karyogram.info.max_value, self.cells, self.outputs, strength, self.guard
        )

    def report(self, karyogram: DecodedKaryogram, written: np.ndarray | None = None) -> KaryogramReport:
        """What this result did to `karyogram`, its original, as a whole (`karyogram_report`); `written`: its
        pixels as a file holds them, where that differs (a JPEG's, decoded again)."""
        pixels = self.pixels if written is None else written
        return report_karyogram(
            karyogram.grey, grey_of(pixels, karyogram.info.bit_depth), [c.box for c in self.layout.cells]
        )


class Enhancer:
    def __init__(self, model_dir: str | Path = SHIPPED_MODEL, device: str = "auto"):
        self.device = select_device(device)
        self.generator, self.card = load_for_inference(model_dir, self.device)
        self.sharpening = BandSharpening.from_card(self.card)
        self.contrast_lift = ContrastLift.from_card(self.card)
        self.keeps_background = bool(self.card.get("keep_background", False))
        self.staining_depth = StainingDepth.from_card(self.card)

    def enhance_cells(
        self, images: np.ndarray, on_progress: Progress | None = None
    ) -> tuple[np.ndarray, Deepening | None]:
        """The N×256×256 cells of one karyogram in [0, 1] → enhanced cells in [0, 1], `chunk_size` per forward
        pass, each then band-sharpened, contrast-lifted and its background kept against its own input,
        and all deepened together to the excellent staining depth, where the card asks (and what that did).
        `on_progress(done, total)` follows it for a progress bar: two steps per cell, the network's
        (told after each forward pass) and the steps after it."""
        total = 2 * len(images)
        tell = on_progress or (lambda done, total: None)
        outputs = run_generator(self.generator, images, self.device, lambda done: tell(done, total))
        for i, model_input in enumerate(images):
            outputs[i] = self.finish_cell(outputs[i], model_input)
            tell(len(images) + i + 1, total)
        return self.finish_karyogram(outputs, images)

    def finish_cell(self, output: np.ndarray, model_input: np.ndarray) -> np.ndarray:
        """One cell's network output through the steps after the network that the card asks for."""
        if self.sharpening is not None:
            output = sharpen_bands(output, model_input, self.sharpening)
        if self.contrast_lift is not None:
            output = lift_contrast(output, model_input, self.contrast_lift)
        return keep_background(output, model_input) if self.keeps_background else output

    def finish_karyogram(
        self, outputs: np.ndarray, inputs: np.ndarray
    ) -> tuple[np.ndarray, Deepening | None]:
        """The finished cells of one karyogram through the card's step over them all (staining depth), and
        what it did (None when the card asks for none)."""
        if self.staining_depth is None:
            return outputs, None
        return deepen_staining(outputs, inputs, self.staining_depth)

    def enhance_inputs(
        self, inputs: Mapping[str, np.ndarray], on_progress: Progress | None = None
    ) -> EnhancedCells:
        """The model outputs of one karyogram's labelled model inputs (e.g. `PreparedCells.inputs`), same
        labels: the staining depth is set over all of them. `on_progress` follows it (`enhance_cells`)."""
        labels = list(inputs)
        images = np.stack([inputs[k] for k in labels]) if labels else np.empty((0, 256, 256), np.float32)
        outputs, staining = self.enhance_cells(images, on_progress)
        return EnhancedCells(dict(zip(labels, outputs, strict=True)), staining)

    def enhance(
        self,
        karyogram: DecodedKaryogram,
        cells: int = 24,
        strength: float | dict[str, float] = 1.0,
        layout: dict | None = None,
        guard: bool = True,
    ) -> EnhancedKaryogram:
        """Slice, enhance every cell, check each with the fidelity guard, blend back (the steps above).

        `guard=False` skips the guard (for measuring the model itself); the product always guards."""
        prepared = slice_cells(karyogram.grey, cells=cells, layout=layout)
        enhanced = self.enhance_inputs(prepared.inputs)
        outputs = enhanced.outputs
        verdicts = guard_cells(prepared.inputs, outputs) if guard else {}
        pixels = blend(karyogram.pixels, karyogram.info.max_value, prepared, outputs, strength, verdicts)
        return EnhancedKaryogram(pixels, prepared, outputs, verdicts, enhanced.staining)
