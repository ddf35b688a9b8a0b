"""Slicing speed and accuracy: real exports (from ../shared, when present) and synthetic ones.

    .venv/bin/python bench/slicing.py [--n 200] [--repeats 5]

Prints the median slicing time per karyogram (one core: OMP/BLAS threads pinned to 1), and
label and object-count accuracy on synthetic karyograms across seeds, karyotypes,
qualities and severities.
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

import numpy as np  # noqa: E402

from enhancer.io import grey_of, read_karyogram  # noqa: E402
from enhancer.slicing import LABELS_24, LayoutError, slice_karyogram  # noqa: E402
from enhancer.synthetic import random_karyotype, synthesize  # noqa: E402

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "karyograms"


def median_ms(grey: np.ndarray, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        try:
            slice_karyogram(grey)
        except LayoutError:
            pass
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    print("== time per karyogram (median, 1 thread)")
    if REAL.exists():
        for path in sorted(REAL.iterdir()):
            k = read_karyogram(path)
            print(f"  real {path.name:40s} {k.info.width}x{k.info.height}  {median_ms(k.grey, args.repeats):7.0f} ms")
    big = synthesize("46,XY", 1, "poor", "mild", width=2000, height=1500)
    print(f"  synthetic 2000x1500 (poor, mild)             {median_ms(grey_of(big.image, 8), args.repeats):7.0f} ms")

    print(f"== accuracy on {args.n} synthetic karyograms")
    tally = collections.defaultdict(lambda: collections.Counter())
    for seed in range(args.n):
        rng = np.random.default_rng([seed, 99])
        quality = ("excellent", "poor")[seed % 2]
        severity = ("mild", "moderate", "severe")[(seed // 2) % 3]
        group = quality if quality == "excellent" else f"poor/{severity}"
        made = synthesize(random_karyotype(rng), seed, quality, severity, header=bool(rng.random() < 0.3),
                          background="grey" if rng.random() < 0.3 else "white")
        truth = collections.Counter(c["label"] for c in made.truth["chromosomes"])
        t = tally[group]
        t["karyograms"] += 1
        try:
            layout = slice_karyogram(grey_of(made.image, 8))
        except LayoutError:
            t["refused"] += 1
            continue
        t["labels_right"] += [c.label for c in layout.cells] == list(LABELS_24)
        t["cells"] += 24
        t["counts_right"] += sum(c.objects == truth[c.label] for c in layout.cells)
    for group, t in sorted(tally.items()):
        sliced = t["karyograms"] - t["refused"]
        print(f"  {group:14s} {t['karyograms']:4d} karyograms: refused {t['refused']:3d}, "
              f"labels right {t['labels_right']}/{sliced}, object counts right {t['counts_right']}/{t['cells']}"
              f" ({100 * t['counts_right'] / max(t['cells'], 1):.1f}%)")


if __name__ == "__main__":
    main()
