"""Run a trained generator on cells: load it for inference and feed it batches.

One home for what inference, evaluation and the benches share: batch-norm generators run with
per-image statistics (the reference's test.py without --eval), or with the running statistics
gathered in training where the model card says `"running_statistics": true` (models trained on
crops: each whole cell's own statistics differ from a batch of crops'); images in [0, 1] become the
model's [-1, 1], and cells go through in chunks (`chunk_size`) on the generator's device (bounded memory).
A model card with `"self_ensemble": true` runs the generator on the four mirror images of each cell
and averages them back (geometric self-ensemble): steadier restorations, four times the arithmetic.
"""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from .checkpoint import load_generator
from .networks import UnetGenerator, per_image_normalisation

CHUNK = 32  # cells per forward pass on an accelerator: a whole karyogram (24) in one, memory bounded
# On the CPU batching this small network loses (README "Speed": 24 cells 2.5 s one per pass, 4.6 s in one),
# and single passes are what a progress bar can follow.
CPU_CHUNK = 1


def ready_for_inference(
    generator: UnetGenerator, norm: str, running_statistics: bool = False
) -> UnetGenerator:
    """`generator` (changed in place) as inference runs it, in eval mode: batch norm with per-image
    statistics, or with its running statistics when `running_statistics`."""
    if norm == "batch" and not running_statistics:
        per_image_normalisation(generator)
    return generator.eval()


class MirrorEnsemble(torch.nn.Module):
    """`generator` applied to a batch, its left-right, up-down and both-ways mirrors in one pass,
    each output mirrored back, the four averaged. Exact with per-image normalisation."""

    MIRRORS = ((), (-1,), (-2,), (-2, -1))

    def __init__(self, generator: torch.nn.Module):
        super().__init__()
        self.generator = generator

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        mirrored = torch.cat([batch.flip(dims) if dims else batch for dims in self.MIRRORS])
        outputs = self.generator(mirrored).chunk(len(self.MIRRORS))
        return torch.stack(
            [y.flip(dims) if dims else y for y, dims in zip(outputs, self.MIRRORS, strict=True)]
        ).mean(0)


def load_for_inference(
    directory: str | Path, device: torch.device | str = "cpu"
) -> tuple[torch.nn.Module, dict]:
    """The generator of a model directory ready for inference as its card asks (running statistics,
    mirror ensemble), and its model card."""
    generator, card = load_generator(directory, device)
    ready = ready_for_inference(
        generator, card["architecture"]["norm"], card.get("running_statistics", False)
    )
    return (MirrorEnsemble(ready) if card.get("self_ensemble") else ready), card


def unit_to_model(images: np.ndarray) -> torch.Tensor:
    """Float images in [0, 1] (N × S × S) to a model batch in [-1, 1] (N × 1 × S × S)."""
    return torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32))[:, None] * 2 - 1


def model_to_unit(batch: torch.Tensor) -> np.ndarray:
    """A model output batch in [-1, 1] (N × 1 × S × S) to float images in [0, 1] (N × S × S)."""
    return ((batch[:, 0].float().cpu().numpy() + 1) / 2).clip(0, 1)


def chunk_size(device: torch.device | str) -> int:
    """Cells per forward pass on `device`: a whole karyogram on an accelerator, one on the CPU."""
    return CPU_CHUNK if torch.device(device).type == "cpu" else CHUNK


@torch.inference_mode()
def run_generator(
    generator: torch.nn.Module,
    images: np.ndarray,
    device: torch.device | str,
    on_chunk: Callable[[int], None] | None = None,
    chunk: int | None = None,
) -> np.ndarray:
    """N×S×S images in [0, 1] → the generator's images in [0, 1], `chunk` cells per forward pass (default
    `chunk_size(device)`); `on_chunk(done)` is told how many cells are through after each pass."""
    if len(images) == 0:
        return np.asarray(images, np.float32)
    step, outputs = chunk or chunk_size(device), []
    for start in range(0, len(images), step):
        outputs.append(model_to_unit(generator(unit_to_model(images[start : start + step]).to(device))))
        if on_chunk is not None:
            on_chunk(min(start + step, len(images)))
    return np.concatenate(outputs)
