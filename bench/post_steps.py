"""The shipped model's steps after the network, added one at a time and measured side by side: none,
band sharpening, then the contrast lift, then the kept background, then the staining depth over each
karyogram (the "+ staining depth" row: what the product runs), then any contrast-lift floors asked for.

    .venv/bin/python bench/post_steps.py --data D --held-out-data H [--real ../shared/data/real/karyograms]
        [--min-gain G ...] [--device auto]

D and H as for `python -m enhancer evaluate`. Prints, per set of pairs with a truth, the product's mean
figures (guard on) for each combination, then `../shared/tools/real_eval.py` on every real karyogram
that slices. The network runs once per set; only the steps after it change. Each `--min-gain G` adds
the product with its contrast lift's floor set to G × the input's local contrast (the card's `min_gain`).
"""

import argparse
import copy
import dataclasses
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.guard import REAL_EVAL, real_eval, real_karyograms  # noqa: E402
from enhancer import SHIPPED_MODEL  # noqa: E402
from enhancer.cells import slice_cells  # noqa: E402
from enhancer.evaluation import evaluation_sets, guarded, karyogram_groups, mean_metrics, metrics_per_cell  # noqa: E402
from enhancer.fidelity import guard_cells  # noqa: E402
from enhancer.inference import Enhancer  # noqa: E402
from enhancer.io import read_karyogram, write_karyogram  # noqa: E402
from enhancer.model.runtime import run_generator  # noqa: E402
from enhancer.reassembly import blend  # noqa: E402
from enhancer.slicing import LayoutError  # noqa: E402

COLUMNS = (
    "psnr_fg",
    "ssim_fg",
    "band_precision",
    "band_recall",
    "false_band_rate",
    "length_ratio",
    "mask_iou",
)


def variants(shipped: Enhancer, min_gains: list[float]) -> dict[str, Enhancer]:
    """The shipped enhancer with its card's steps after the network added one at a time (same network),
    then the whole product with each contrast-lift floor in `min_gains`."""
    made = {}
    for added, name in enumerate(
        ("network only", "+ band sharpening", "+ contrast lift", "+ kept background", "+ staining depth")
    ):
        made[name] = copy.copy(shipped)
        made[name].sharpening = shipped.sharpening if added >= 1 else None
        made[name].contrast_lift = shipped.contrast_lift if added >= 2 else None
        made[name].keeps_background = shipped.keeps_background and added >= 3
        made[name].staining_depth = shipped.staining_depth if added >= 4 else None
    for gain in min_gains:
        name = f"floor {gain:g}x"
        made[name] = copy.copy(shipped)
        made[name].contrast_lift = dataclasses.replace(shipped.contrast_lift, min_gain=gain)
    return made


def finished(enhancer: Enhancer, raw: np.ndarray, inputs: np.ndarray, karyograms: list[str]) -> np.ndarray:
    """`raw` network outputs through `enhancer`'s steps after the network, cell by cell, then over the
    cells of each karyogram (`karyograms[i]` names cell i's)."""
    outputs = np.stack([enhancer.finish_cell(y, x) for y, x in zip(raw, inputs, strict=True)])
    for at in karyogram_groups(karyograms):
        outputs[at] = enhancer.finish_karyogram(outputs[at], inputs[at])[0]
    return outputs


def pairs(args, enhancers: dict[str, Enhancer], shipped: Enhancer) -> None:
    _, sets = evaluation_sets(args.data, held_out_dir=args.held_out_data, real_dir=args.real)
    for set_name, cells in sets.items():
        inputs = np.stack([c["input"] for c in cells])
        raw = run_generator(shipped.generator, inputs, shipped.device)
        print(f"\n{set_name} ({len(cells)} cells), product (guard on):")
        print(f"  {'steps':20s}" + "".join(f"{c:>16s}" for c in COLUMNS))
        for name, enhancer in enhancers.items():
            outputs = finished(enhancer, raw, inputs, [c["karyogram"] for c in cells])
            means = mean_metrics(metrics_per_cell(cells, guarded(cells, outputs)))
            print(f"  {name:20s}" + "".join(f"{means[c]:16.3f}" for c in COLUMNS), flush=True)


def karyograms(enhancers: dict[str, Enhancer], shipped: Enhancer) -> None:
    print("\nreal karyograms (real_eval, guard on): mask IoU / band contrast / grid / homolog before → after")
    with tempfile.TemporaryDirectory() as scratch:
        for path in real_karyograms():
            karyogram = read_karyogram(path)
            try:
                cells = slice_cells(karyogram.grey)
            except LayoutError:
                continue
            inputs = np.stack(list(cells.inputs.values()))
            raw = run_generator(shipped.generator, inputs, shipped.device)
            layout_path = Path(scratch) / "layout.json"
            cells.layout.save(layout_path)
            for name, enhancer in enhancers.items():
                outputs = dict(
                    zip(cells.inputs, finished(enhancer, raw, inputs, [path.stem] * len(inputs)), strict=True)
                )
                pixels = blend(
                    karyogram.pixels,
                    karyogram.info.max_value,
                    cells,
                    outputs,
                    1.0,
                    guard_cells(cells.inputs, outputs),
                )
                out = Path(scratch) / f"out{path.suffix}"
                write_karyogram(pixels, karyogram.info, out)
                figures = real_eval(path, out, layout_path)
                before, after = figures["homolog_corr"]
                print(
                    f"  {path.stem[:28]:28s} {name:20s} {figures['mask_iou']:.3f} / "
                    f"{figures['band_contrast_ratio']:.3f} / {figures['grid_artifact_ratio']:.2f} / "
                    f"{before} → {after}",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--held-out-data", type=Path)
    parser.add_argument("--real", type=Path, help="folder of the sharp real karyograms (real-content pairs)")
    parser.add_argument("--min-gain", type=float, action="append", default=[], help="a contrast-lift floor")
    parser.add_argument("--device", default="cpu", help="where the network runs: cpu, auto, cuda")
    args = parser.parse_args()
    shipped = Enhancer(SHIPPED_MODEL, device=args.device)
    enhancers = variants(shipped, args.min_gain)
    pairs(args, enhancers, shipped)
    if REAL_EVAL.exists():
        karyograms(enhancers, shipped)


if __name__ == "__main__":
    main()
