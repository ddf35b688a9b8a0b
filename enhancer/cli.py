"""Command line: `python -m enhancer {slice,synth} ...`. Works with no database or server."""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from .io import ImageError, read_karyogram
from .slicing import LayoutError, slice_karyogram


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m enhancer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    slicer = commands.add_parser("slice", help="cut a karyogram into one cell image per slot")
    slicer.add_argument("karyogram", type=Path)
    slicer.add_argument("-o", "--output", type=Path, required=True, help="folder for layout.json and cells/")
    slicer.add_argument("--cells", type=int, choices=(23, 24), default=24)
    slicer.add_argument("--layout", type=Path, help="JSON with labelled boxes instead of detection")
    slicer.set_defaults(run=_slice)

    synth = commands.add_parser("synth", help="write synthetic karyograms with ground truth")
    synth.add_argument("-o", "--output", type=Path, required=True)
    synth.add_argument("-n", type=int, default=1, help="number of karyograms")
    synth.add_argument("--quality", choices=("excellent", "poor", "pair"), default="pair")
    synth.add_argument("--karyotype", help='ISCN, e.g. "47,XY,+8" (default: drawn per karyogram)')
    synth.add_argument("--severity", choices=("mild", "moderate", "severe"), default="moderate")
    synth.add_argument("--seed", type=int, default=0, help="first seed; karyogram i uses seed + i")
    synth.add_argument("--width", type=int, default=1200)
    synth.add_argument("--height", type=int, default=1000)
    synth.set_defaults(run=_synth)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ImageError, LayoutError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _slice(args) -> int:
    karyogram = read_karyogram(args.karyogram)
    given = json.loads(args.layout.read_text()) if args.layout else None
    layout = slice_karyogram(karyogram.grey, cells=args.cells, layout=given)
    cells_dir = args.output / "cells"
    cells_dir.mkdir(parents=True, exist_ok=True)
    layout.save(args.output / "layout.json")
    for cell in layout.cells:
        x0, y0, x1, y1 = cell.box
        crop = karyogram.pixels[y0:y1, x0:x1]
        Image.fromarray(crop[..., :3] if crop.ndim == 3 else crop).save(cells_dir / f"{cell.label}.png")
    print(f"{len(layout.cells)} cells written to {cells_dir}; layout in {args.output / 'layout.json'}")
    return 0


def _synth(args) -> int:
    from .synthetic import random_karyotype, synthesize, synthesize_pair

    args.output.mkdir(parents=True, exist_ok=True)
    size = {"width": args.width, "height": args.height}
    for i in tqdm(range(args.n), desc="karyograms", unit="kg"):
        seed = args.seed + i
        karyotype = args.karyotype or random_karyotype(np.random.default_rng([seed, 7]))
        if args.quality == "pair":
            made = synthesize_pair(karyotype, seed, args.severity, **size)
        else:
            made = (synthesize(karyotype, seed, args.quality, args.severity, **size),)
        for item in made:
            stem = args.output / f"synth_{seed:06d}_{item.truth['quality']}"
            Image.fromarray(item.image).save(stem.with_suffix(".png"))
            stem.with_suffix(".json").write_text(json.dumps(item.truth, indent=1))
    return 0
