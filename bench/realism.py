"""Realism of the synthetic chromosomes against real ones (`enhancer.synthetic.realism`).

    .venv/bin/python bench/realism.py [--karyograms 4] [--json OUT.json] [--before BEFORE.json]

Real crops are read in place from ../shared (evaluation only): sharp ones from the single
G-band crops, the NHGRI karyogram, the Wellcome karyogram and the CIL metaphases; poor ones
from the CytoVision exports. Synthetic crops are cut the same way from
excellent and poor synthetic karyograms. Prints the classifier accuracies (50 % = the crops
cannot be told apart) and the medians of the simple statistics; with --before, a before/after table.
"""

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PIL import Image

from enhancer.synthetic import random_karyotype, synthesize, synthesize_pair
from enhancer.synthetic.degrade import FAMILIES, HELD_OUT_FAMILY
from enhancer.synthetic.realism import (
    STATISTICS,
    Crop,
    background_noise,
    chromosome_crops,
    compare,
    crop_statistics,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SHARP = [
    *sorted((DATA / "real" / "chromosomes").glob("gband_pool_*.png")),
    DATA / "real" / "karyograms" / "nhgri_46XY_unlabeled_4rows.png",
    *sorted((DATA / "train").glob("*.jpg")),
]
POOR = sorted(
    (DATA / "real" / "karyograms").glob("cytovision_*")
)  # the journal figure is too small (4 px wide)


def real_crops(paths: list[Path]) -> list[Crop]:
    crops = []
    for path in paths:
        grey = np.asarray(Image.open(path).convert("L"), dtype=np.float64) / 255
        if path.parent.name == "chromosomes":  # a tight single crop: give it a background border
            grey = np.pad(grey, 8, constant_values=np.percentile(grey, 90))
        crops += chromosome_crops(grey)
    return crops


def synthetic_crops(n: int, quality: str, seed: int) -> list[Crop]:
    crops = []
    for i in range(n):
        rng = np.random.default_rng([seed + i, 7])
        severity = ("mild", "moderate", "severe")[i % 3]
        made = synthesize(random_karyotype(rng), seed + i, quality, severity)
        crops += chromosome_crops(made.image.astype(np.float64) / 255)
    return crops


ROWS = [
    ("classifier accuracy, pixels (50 % = indistinguishable)", "classifier_pixels"),
    ("classifier accuracy, statistics", "classifier_statistics"),
    ("in-mask darkness, Wasserstein distance", "darkness_wasserstein"),
]


def table(results: dict[str, dict], columns: list[str]) -> str:
    lines = ["| measure | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    first = next(iter(results.values()))
    lines.append(
        "| crops (real / synthetic) | "
        + " | ".join(f"{results[c]['n_real']} / {results[c]['n_synthetic']}" for c in columns)
        + " |"
    )
    for name, key in ROWS:
        lines.append(f"| {name} | " + " | ".join(f"{results[c][key]:.3f}" for c in columns) + " |")
    for stat in STATISTICS:
        lines.append(
            f"| {stat}: real {first[stat + '_real']:.3f}, synthetic | "
            + " | ".join(f"{results[c][stat + '_synthetic']:.3f}" for c in columns)
            + " |"
        )
    return "\n".join(lines)


CALIBRATION = ("edge_width", "mean_darkness", "profile_contrast", "fine_band_power", "grain")


def calibration_row(images: list[np.ndarray]) -> str:
    """Medians of the statistics that the degradation families are calibrated on, and the noise."""
    stats = [crop_statistics(c) for image in images for c in chromosome_crops(image)]
    cells = [f"{np.median([s[k] for s in stats]):.3f}" for k in CALIBRATION]
    return " | ".join(cells) + f" | {np.median([background_noise(i) for i in images]):.4f} |"


def family_table(n: int, seed: int, severity: float) -> str:
    """Each degradation family at one severity beside the real poor and real sharp karyograms."""

    def load(p):
        return np.asarray(Image.open(p).convert("L"), dtype=np.float64) / 255

    lines = [
        "| images | " + " | ".join(CALIBRATION) + " | background noise |",
        "|---" * 7 + "|",
        "| real poor (CytoVision exports) | " + calibration_row([load(p) for p in POOR]),
        "| real sharp karyograms | "
        + calibration_row([load(p) for p in SHARP if p.parent.name != "chromosomes"]),
    ]
    pairs = [
        synthesize_pair(random_karyotype(np.random.default_rng([seed + i, 7])), seed + i) for i in range(n)
    ]
    lines.append("| synthetic excellent | " + calibration_row([e.image / 255 for e, _ in pairs]))
    for family in FAMILIES:
        images = [
            synthesize_pair(
                random_karyotype(np.random.default_rng([seed + i, 7])), seed + i, severity, family=family
            )[1].image
            / 255
            for i in range(n)
        ]
        name = f"{family} (held out)" if family == HELD_OUT_FAMILY else family
        lines.append(f"| synthetic poor, {name}, severity {severity} | " + calibration_row(images))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--karyograms", type=int, default=4, help="synthetic karyograms per quality")
    parser.add_argument("--seed", type=int, default=70000)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--before", type=Path, help="figures of an earlier run, printed beside these")
    parser.add_argument("--families", type=int, default=0, help="also calibrate each family on N pairs")
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"../shared is absent ({DATA}): no real crops to compare with")

    results = {}
    for name, paths, quality in (
        ()
        if not args.karyograms
        else (
            ("excellent vs real sharp", SHARP, "excellent"),
            ("poor vs real poor", POOR, "poor"),
        )
    ):
        results[name] = compare(real_crops(paths), synthetic_crops(args.karyograms, quality, args.seed))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    for name, figures in results.items():
        columns = {"now": figures}
        if args.before:
            columns = {"before": json.loads(args.before.read_text())[name], "after": figures}
        print(f"== synthetic {name}\n" + table(columns, list(columns)) + "\n")
    if args.families:
        print("== degradation families against real images (medians per chromosome crop)")
        print(family_table(args.families, args.seed, 0.6))


if __name__ == "__main__":
    main()
