"""Synthetic karyograms on disk, as `python -m enhancer synth` and the web app's model evaluation
write them: `synth_<seed>_<quality>.png` and its ground truth beside it as JSON (what
`evaluation.paired_cells` reads back)."""

import json
from pathlib import Path

import numpy as np
from PIL import Image

from .karyogram import synthesize, synthesize_pair
from .karyotype import random_karyotype


def write_synthetic(
    directory: str | Path,
    seed: int,
    quality: str = "pair",
    karyotype: str | None = None,
    severity: str | float = "moderate",
    family: str | None = None,
    **layout,
) -> list[Path]:
    """Write the karyogram of `seed` (`quality` "excellent", "poor", or "pair" for both, pixel-aligned)
    and its truth into `directory`; the karyotype is drawn from the seed unless given. `layout` goes to
    the renderer (width, height, style). Returns the PNG paths."""
    karyotype = karyotype or random_karyotype(np.random.default_rng([seed, 7]))
    if quality == "pair":
        made = synthesize_pair(karyotype, seed, severity, family=family, **layout)
    else:
        made = (synthesize(karyotype, seed, quality, severity, family=family, **layout),)
    written = []
    for item in made:
        stem = Path(directory) / f"synth_{seed:06d}_{item.truth['quality']}"
        Image.fromarray(item.image).save(stem.with_suffix(".png"))
        stem.with_suffix(".json").write_text(json.dumps(item.truth, indent=1))
        written.append(stem.with_suffix(".png"))
    return written
