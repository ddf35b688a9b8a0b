"""Slicing speed and accuracy: real exports (from ../shared, when present) and synthetic ones.

    .venv/bin/python bench/slicing.py [--n 200] [--repeats 3]

Prints the median slicing time per karyogram (one core: OMP/BLAS threads pinned to 1; CPU time
of this process, which a busy shared machine does not inflate, and wall time), beside the
figure measured before the speed-up; then label and object-count accuracy on synthetic
karyograms across seeds, karyotypes, qualities and severities.
"""

import argparse
import collections
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from enhancer.io import grey_of, read_karyogram
from enhancer.slicing import LABELS_24, LayoutError, slice_karyogram
from enhancer.synthetic import random_karyotype, synthesize
from enhancer.synthetic.layouts import STYLES, corpus_case

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "karyograms"
# CPU ms per karyogram of this script's timing section, run on commit b7ab7eb (before the
# vectorised text finding), on this 2-core machine.
BEFORE_CPU_MS = {
    "excellent 1200x1000 (clean)": 228,
    "poor moderate 1200x1000 (noisy)": 1252,
    "poor severe 1200x1000 (noisy)": 1547,
    "poor mild 2000x1500": 1246,
    "cytovision_46XX_case100955_k.bmp": 159,
    "cytovision_46XX_case98917_k.jpg": 212,
    "cytovision_zoomed_46XX_lntk10.bmp": 161,
    "journal_two_panel_45X_47XXX.jpg": 49,
    "nhgri_46XY_unlabeled_4rows.png": 2312,
    "wellcome_45X_turner_labeled.jpg": 258,
}


def timed_ms(grey: np.ndarray, repeats: int) -> tuple[float, float]:
    """Median CPU and wall milliseconds of slicing `grey` (a refusal counts as done)."""
    cpu, wall = [], []
    for _ in range(repeats):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        try:
            slice_karyogram(grey)
        except LayoutError:
            pass
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return 1000 * statistics.median(cpu), 1000 * statistics.median(wall)


def synthetic_timings(repeats: int) -> dict[str, tuple[float, float]]:
    """Median CPU and wall ms per synthetic case, over 5 seeds each."""
    cases = {
        "excellent 1200x1000 (clean)": {"quality": "excellent"},
        "poor moderate 1200x1000 (noisy)": {"quality": "poor", "severity": "moderate"},
        "poor severe 1200x1000 (noisy)": {"quality": "poor", "severity": "severe"},
        "poor mild 2000x1500": {"quality": "poor", "severity": "mild", "width": 2000, "height": 1500},
    }
    results = {}
    for name, kwargs in cases.items():
        times = [
            timed_ms(grey_of(synthesize("46,XY", seed, **kwargs).image, 8), repeats) for seed in range(5)
        ]
        results[name] = (statistics.median(t[0] for t in times), statistics.median(t[1] for t in times))
    return results


def tally_slicing(made, t: collections.Counter) -> None:
    """Slice one synthetic karyogram and add to `t`: karyograms, refused, labels right, cells, counts right."""
    truth = collections.Counter(c["label"] for c in made.truth["chromosomes"])
    t["karyograms"] += 1
    try:
        layout = slice_karyogram(grey_of(made.image, 8))
    except LayoutError:
        t["refused"] += 1
        return
    t["labels_right"] += [c.label for c in layout.cells] == list(LABELS_24)
    t["cells"] += 24
    t["counts_right"] += sum(c.objects == truth[c.label] for c in layout.cells)


def style_corpus(per_style: int) -> None:
    """The layout-style corpus (excellent and mildly poor in turn): per style, labels and counts right."""
    print(f"== layout styles: {per_style} karyograms each, {per_style * len(STYLES)} in all")
    print(f"  {'style':14s} {'labels right':>14s} {'counts right':>16s} {'refused':>8s}")
    total = collections.Counter()
    for style in STYLES:
        t = collections.Counter()
        for index in range(per_style):
            tally_slicing(synthesize(**corpus_case(style, index)), t)
        total.update(t)
        print(
            f"  {style:14s} {100 * t['labels_right'] / t['karyograms']:13.1f}% "
            f"{100 * t['counts_right'] / (24 * t['karyograms']):15.1f}% {t['refused']:4d}/{t['karyograms']}"
        )
    print(
        f"  {'all':14s} {100 * total['labels_right'] / total['karyograms']:13.1f}% "
        f"{100 * total['counts_right'] / (24 * total['karyograms']):15.1f}% {total['refused']:4d}/{total['karyograms']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--per-style", type=int, default=15, help="karyograms per layout style")
    args = parser.parse_args()

    print("== time per karyogram (median, 1 thread): CPU ms, wall ms, CPU ms before")
    if REAL.exists():
        for path in sorted(REAL.iterdir()):
            k = read_karyogram(path)
            cpu, wall = timed_ms(k.grey, args.repeats)
            before = BEFORE_CPU_MS.get(path.name, "")
            print(
                f"  real {path.name:38s} {k.info.width}x{k.info.height:<5d} {cpu:7.0f} {wall:7.0f} {before:>7}"
            )
    for name, (cpu, wall) in synthetic_timings(args.repeats).items():
        print(f"  synthetic {name:44s} {cpu:7.0f} {wall:7.0f} {BEFORE_CPU_MS.get(name, ''):>7}")

    style_corpus(args.per_style)

    print(f"== accuracy on {args.n} synthetic karyograms")
    tally = collections.defaultdict(lambda: collections.Counter())
    for seed in range(args.n):
        rng = np.random.default_rng([seed, 99])
        quality = ("excellent", "poor")[seed % 2]
        severity = ("mild", "moderate", "severe")[(seed // 2) % 3]
        group = quality if quality == "excellent" else f"poor/{severity}"
        made = synthesize(
            random_karyotype(rng),
            seed,
            quality,
            severity,
            header=bool(rng.random() < 0.3),
            background="grey" if rng.random() < 0.3 else "white",
        )
        tally_slicing(made, tally[group])
    for group, t in sorted(tally.items()):
        sliced = t["karyograms"] - t["refused"]
        print(
            f"  {group:14s} {t['karyograms']:4d} karyograms: refused {t['refused']:3d}, "
            f"labels right {t['labels_right']}/{sliced}, object counts right {t['counts_right']}/{t['cells']}"
            f" ({100 * t['counts_right'] / max(t['cells'], 1):.1f}%)"
        )


if __name__ == "__main__":
    main()
