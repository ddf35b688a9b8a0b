"""How plain filters, with no model, move the real-karyogram targets: band contrast, homolog band
agreement, grid energy, mask IoU and length, as ../shared/tools/real_eval.py reads them.

    .venv/bin/python bench/real_targets.py OUT_DIR

Each real karyogram in ../shared that slices is filtered whole (Gaussian blur, unsharp masking, the
issue's denoise-then-unsharp recipe, a σ 6 band gain, a darkness gain about the chromosome threshold)
and measured against its original, one row per filter, so that what a target costs the others is seen
without the network in the way. The karyograms stay in ../shared; OUT_DIR gets the filtered copies.
"""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np
from PIL import Image
from scipy import ndimage as ndi
from skimage import filters

from bench.guard import classical, real_eval, real_karyograms
from enhancer.cells import slice_cells
from enhancer.io import read_karyogram
from enhancer.metrics import background_and_threshold
from enhancer.slicing import LayoutError


def darkness_gain(gain: float) -> Callable[[np.ndarray], np.ndarray]:
    """Darkness below the chromosome threshold × `gain`: deeper bands, every profile an affine copy."""

    def apply(x: np.ndarray) -> np.ndarray:
        _, threshold = background_and_threshold(x, 1.0)
        return np.where(x < threshold, threshold - gain * (threshold - x), x).clip(0, 1)

    return apply


def band_gain(gain: float, sigma: float = 6.0) -> Callable[[np.ndarray], np.ndarray]:
    """The image's own σ-residual added back × (`gain` − 1): what real_eval's band contrast reads."""
    return lambda x: (x + (gain - 1) * (x - ndi.gaussian_filter(x, sigma))).clip(0, 1)


FILTERS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "gaussian σ 1": lambda x: ndi.gaussian_filter(x, 1.0),
    "unsharp r 2 a 0.5": lambda x: filters.unsharp_mask(x, radius=2, amount=0.5, preserve_range=True).clip(
        0, 1
    ),
    "recipe (σ 1, unsharp r 4 a 1)": classical,
    "band gain 1.2 (σ 6)": band_gain(1.2),
    "darkness gain 1.3": darkness_gain(1.3),
    "darkness gain 1.5": darkness_gain(1.5),
}
COLUMNS = ("mask_iou", "skeleton_length_ratio", "band_contrast_ratio", "grid_artifact_ratio")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("output", type=Path)
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    print(
        "| karyogram | filter | mask IoU | length | band contrast | grid | homolog corr (original → filtered) |"
    )
    print("|---|---|---|---|---|---|---|")
    for path in real_karyograms():
        karyogram = read_karyogram(path)
        try:
            layout = slice_cells(karyogram.grey).layout
        except LayoutError as exc:
            print(f"| {path.name} | skipped: {exc} | | | | | |")
            continue
        layout_path = args.output / f"{path.stem}.layout.json"
        layout.save(layout_path)
        grey = karyogram.grey.astype(np.float64)
        for number, (name, apply) in enumerate(FILTERS.items()):
            out = args.output / f"{path.stem}.filter{number}.png"  # lossless, so only the filter differs
            Image.fromarray(np.round(apply(grey) * 255).astype(np.uint8)).save(out)
            figures = real_eval(path, out, layout_path)
            before, after = figures["homolog_corr"]
            cells = " | ".join(f"{figures[c]:.3f}" for c in COLUMNS)
            print(f"| {path.stem} | {name} | {cells} | {before} → {after} |", flush=True)


if __name__ == "__main__":
    main()
