"""The fidelity guard measured: how often it passes honest enhancements and the model, and its cost.

    .venv/bin/python bench/guard.py calibrate [--synthetic 6]
    .venv/bin/python bench/guard.py real OUT_DIR [--model DIR]

`calibrate` judges every cell of the real karyograms in ../shared (those that slice) and of
synthetic poor karyograms, enhanced by honest methods (identity, ×1.5 contrast stretch,
Gaussian σ 1 then unsharp radius 4 amount 1, NLM) and by the model, and prints per method the
share of cells passed, capped and left as original, the quantiles of each measure, the black it adds
(`enhancer.black_limit`) and what failed.
`real` enhances each real karyogram with the guard on and off, writes both, prints
`enhancer.metrics.KaryogramReference` and ../shared/tools/real_eval.py for each, and the guard's
time per karyogram.
"""

import argparse
import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np
from scipy import ndimage as ndi
from skimage import filters

from enhancer.baselines import nlm
from enhancer.black_limit import black_share
from enhancer.cells import slice_cells
from enhancer.fidelity import guard_cells, judge_cell, problems
from enhancer.inference import SHIPPED_MODEL, Enhancer
from enhancer.io import ImageInfo, encode_karyogram, read_karyogram, write_karyogram
from enhancer.metrics import KaryogramReference, cell_chromosomes
from enhancer.segmentation import background_level
from enhancer.slicing import LayoutError
from enhancer.synthetic import synthesize

SHARED = ROOT.parent / "shared"
REAL = SHARED / "data" / "real" / "karyograms"
REAL_EVAL = SHARED / "tools" / "real_eval.py"


def stretch(x: np.ndarray) -> np.ndarray:
    """×1.5 contrast about the background, less where that would clip the darkest band."""
    background = background_level(x)
    gain = min(1.5, background / max(background - float(x.min()), 1e-6))
    return np.clip(background - gain * (background - x), 0, 1)


def classical(x: np.ndarray) -> np.ndarray:
    return filters.unsharp_mask(ndi.gaussian_filter(x, 1.0), radius=4, amount=1.0, preserve_range=True).clip(
        0, 1
    )


def added_black(model_input: np.ndarray, output: np.ndarray) -> float:
    """The share of the input's chromosome pixels black in `output` and not in the input (`black_limit`)."""
    mask, background, _ = cell_chromosomes(model_input)
    return black_share(output, mask, background) - black_share(model_input, mask, background)


def real_karyograms() -> list[Path]:
    return sorted(p for p in REAL.iterdir() if p.is_file())


def real_eval(original: Path, enhanced: Path, layout: Path) -> dict:
    """The project-independent figures of ../shared/tools/real_eval.py for an enhanced real karyogram."""
    done = subprocess.run(
        [sys.executable, str(REAL_EVAL), str(original), str(enhanced), "--layout", str(layout)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def cell_inputs(karyogram) -> dict[str, np.ndarray]:
    return slice_cells(karyogram.grey).inputs


def calibrate(args) -> None:
    sources = []
    for path in real_karyograms():
        try:
            sources.append((path.name, cell_inputs(read_karyogram(path))))
        except LayoutError:
            print(f"{path.name}: does not slice, skipped")
    for i in range(args.synthetic):
        made = synthesize(
            "46,XY",
            seed=70000 + i,
            quality="poor",
            severity=("mild", "moderate", "severe")[i % 3],
            width=1200,
            height=1000,
        )
        try:
            sources.append(
                (
                    f"synthetic-{i}",
                    cell_inputs(
                        read_karyogram(encode_karyogram(made.image, ImageInfo("PNG", 1200, 1000, 1, 8)))
                    ),
                )
            )
        except LayoutError as exc:
            print(f"synthetic-{i}: does not slice ({exc}), skipped")
    enhancer = Enhancer(args.model or SHIPPED_MODEL, device="cpu")
    methods = {
        "identity": lambda x: x,
        "stretch x1.5": stretch,
        "gauss+unsharp": classical,
        "nlm σ 0.02": nlm,
    }
    for kind in ("real", "synthetic"):
        chosen = [cells for name, cells in sources if name.startswith("synthetic") == (kind == "synthetic")]
        print(f"\n## {kind}: {len(chosen)} karyograms, {sum(len(c) for c in chosen)} cells")
        print(
            "| method | passed | capped | original | mask IoU p5 | length p5–p95 | grid p95 | created p95 |"
            " erased p95 | homolog r drop p95 (pairs judged) | new black p95 / max | failures |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name in [*methods, "model"]:
            verdicts, new_black = [], []
            for cells in chosen:
                if name == "model":
                    outputs = enhancer.enhance_inputs(cells).outputs
                else:
                    outputs = {k: methods[name](x).astype(np.float32) for k, x in cells.items()}
                verdicts += [judge_cell(cells[k], outputs[k]) for k in cells]
                new_black += [added_black(cells[k], outputs[k]) for k in cells]
            m = [v.measures for v in verdicts if v.measures]
            q = {
                k: np.percentile([x[k] for x in m], (5, 95))
                for k in ("mask_iou", "length_ratio", "grid_ratio", "bands_created", "bands_erased")
            }
            drops = [x["input_homolog_corr"] - x["homolog_corr"] for x in m if "homolog_corr" in x]
            homologs = f"{np.percentile(drops, 95):.3f} ({len(drops)})" if drops else "— (0)"
            reasons = Counter(
                re.sub(r" \(.*| by .*|\d+ (of the original's \d+ )?", "", p).replace("the model ", "")
                for x in m
                for p in problems(x)
            )
            caps = Counter(v.strength_cap for v in verdicts)
            print(
                f"| {name} | {caps[1.0]} | {caps[0.5]} | {caps[0.0]} | {q['mask_iou'][0]:.3f} | "
                f"{q['length_ratio'][0]:.3f}–{q['length_ratio'][1]:.3f} | {q['grid_ratio'][1]:.2f} | "
                f"{q['bands_created'][1]:.0f} | {q['bands_erased'][1]:.0f} | {homologs} | "
                f"{np.percentile(new_black, 95):.1%} / {max(new_black):.1%} | "
                + ", ".join(f"{k}: {n}" for k, n in reasons.most_common())
                + " |"
            )


def real(args) -> None:
    enhancer = Enhancer(args.model or SHIPPED_MODEL, device="cpu")
    args.output.mkdir(parents=True, exist_ok=True)
    for path in real_karyograms():
        karyogram = read_karyogram(path)
        given = None
        layout_file = args.layouts / f"{path.stem}.json" if args.layouts else None
        if layout_file and layout_file.exists():
            given = json.loads(layout_file.read_text())
        try:
            guarded = enhancer.enhance(karyogram, layout=given)
        except LayoutError as exc:
            print(f"{path.name}: skipped, {exc}")
            continue
        start = time.perf_counter()
        unguarded = enhancer.enhance(karyogram, layout=given, guard=False)
        whole = time.perf_counter() - start
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            guard_cells(guarded.inputs, guarded.outputs)
            timings.append(time.perf_counter() - start)
        layout_path = args.output / f"{path.stem}.layout.json"
        guarded.layout.save(layout_path)
        boxes = [c.box for c in guarded.layout.cells]
        caps = Counter(v.strength_cap for v in guarded.guard.values())
        print(
            f"\n## {path.name}: {len(guarded.guard)} cells, passed {caps[1.0]}, capped {caps[0.5]}, "
            f"original {caps[0.0]}; guard {1000 * min(timings):.0f} ms, enhance without it {1000 * whole:.0f} ms"
        )
        for label, verdict in guarded.guard.items():
            if not verdict.passed:
                print("   ", verdict.describe(label))
        reference = KaryogramReference(karyogram.grey, boxes)  # the original, measured once for both
        for name, result in (("guard off", unguarded), ("guard on", guarded)):
            out = args.output / f"{path.stem}.{name.replace(' ', '_')}{path.suffix}"
            write_karyogram(result.pixels, karyogram.info, out)
            ours = reference.measure(read_karyogram(out).grey)
            print(f"  {name}: ours " + json.dumps({k: round(v, 3) for k, v in ours.items()}))
            print(f"  {name}: real_eval " + json.dumps(real_eval(path, out, layout_path)))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    cal = commands.add_parser("calibrate")
    cal.add_argument("--synthetic", type=int, default=6)
    cal.add_argument("--model", type=Path)
    cal.set_defaults(run=calibrate)
    rea = commands.add_parser("real")
    rea.add_argument("output", type=Path)
    rea.add_argument("--model", type=Path)
    rea.add_argument(
        "--layouts", type=Path, help="folder of STEM.json layouts for karyograms that do not slice"
    )
    rea.set_defaults(run=real)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
