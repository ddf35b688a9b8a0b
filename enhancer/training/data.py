"""Unpaired cell images for training: one folder (or manifest) per domain, held in memory.

Cell files are the model inputs written by `python -m enhancer cells` and are named
`<karyogram>_<label>.png`, so chromosomes can be excluded by label (13-22, X, Y by default).
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image


@dataclass
class CellSet:
    images: torch.Tensor  # uint8, N × 1 × S × S
    names: list[str]

    def __len__(self) -> int:
        return len(self.names)

    def summary(self) -> dict:
        digest = hashlib.sha256("\n".join(self.names).encode()).hexdigest()
        return {"cells": len(self), "names_sha256": digest}


def label_of(path: Path) -> str:
    return path.stem.rsplit("_", 1)[-1]


def load_cells(source: str | Path, excluded: tuple[str, ...], size: int) -> CellSet:
    """Cells from a folder of PNGs, or from a JSON manifest listing their paths."""
    source = Path(source)
    if source.is_file():
        paths = [Path(p) for p in json.loads(source.read_text())]
    else:
        paths = sorted(source.glob("*.png"))
    paths = [p for p in paths if label_of(p) not in excluded]
    if not paths:
        raise ValueError(f"no training cells in {source} (after excluding {', '.join(excluded)})")
    images = np.stack([_load(p, size) for p in paths])
    return CellSet(torch.from_numpy(images)[:, None], [p.name for p in paths])


def _load(path: Path, size: int) -> np.ndarray:
    image = Image.open(path).convert("L")
    if image.size != (size, size):
        image = image.resize((size, size), Image.BILINEAR)
    return np.asarray(image, dtype=np.uint8)


def to_model_range(batch: torch.Tensor) -> torch.Tensor:
    """uint8 images to float in [-1, 1], as the reference's Normalize(0.5, 0.5)."""
    return batch.float() / 127.5 - 1.0


def gather_batch(
    images: torch.Tensor, index: torch.Tensor, flips: torch.Tensor | None = None
) -> torch.Tensor:
    """A model batch from uint8 cells where they live (e.g. resident on the GPU): pick, scale, mirror.

    `index` and `flips` (booleans, one per picked image) must be on the same device as `images`.
    """
    batch = to_model_range(images.index_select(0, index))
    if flips is None:
        return batch
    return torch.where(flips[:, None, None, None], batch.flip(-1), batch)
