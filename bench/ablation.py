"""Compare trained models on the evaluation's pairs, raw and as the product shows them (guarded).

    python bench/ablation.py --data D --held-out-data H --real ../shared/data/real/karyograms \
        NAME=MODEL_DIR [NAME=MODEL_DIR ...] [--json OUT.json]

The same sets as `python -m enhancer evaluate` (synthetic test karyograms, the held-out family,
real-content pairs), without the classical baselines: one row per model, identity first.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from enhancer.evaluation import by_karyogram, evaluation_sets, guarded, mean_metrics, metrics_per_cell
from enhancer.inference import Enhancer

COLUMNS = ("psnr_fg", "ssim_fg", "band_corr", "band_precision", "band_recall", "false_band_rate",
           "length_ratio", "mask_iou", "grid_ratio")  # fmt: skip


def means(cells: list[dict], outputs) -> dict[str, float]:
    values = mean_metrics(metrics_per_cell(cells, outputs))
    return {k: values[k] for k in COLUMNS}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("models", nargs="+", help="NAME=MODEL_DIR")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--held-out-data", type=Path)
    parser.add_argument("--real", type=Path)
    parser.add_argument("--strengths", default="1", help="comma-separated strengths, e.g. 1,0.75")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    _, sets = evaluation_sets(args.data, held_out_dir=args.held_out_data, real_dir=args.real)
    strengths = [float(s) for s in args.strengths.split(",")]
    results: dict = {}
    for set_name, cells in sets.items():
        inputs = np.stack([c["input"] for c in cells])
        rows = {"identity": means(cells, inputs)}
        for spec in args.models:
            name, _, model_dir = spec.partition("=")
            raw = by_karyogram(Enhancer(Path(model_dir)), cells, inputs)
            for strength in strengths:
                blended = inputs + strength * (raw - inputs)
                suffix = "" if strength == 1 else f" @{strength:g}"
                rows[f"{name}{suffix}"] = means(cells, blended)
                rows[f"{name}{suffix} + guard"] = means(cells, guarded(cells, blended))
        results[set_name] = rows
        print(f"\n{set_name} ({len(cells)} cells)\n| model | " + " | ".join(COLUMNS) + " |")
        print("|---" * (len(COLUMNS) + 1) + "|")
        for name, values in rows.items():
            print(f"| {name} | " + " | ".join(f"{values[k]:.3f}" for k in COLUMNS) + " |", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
