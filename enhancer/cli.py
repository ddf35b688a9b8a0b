"""Command line: `python -m enhancer {slice,panels,synth,cells,train,enhance,evaluate} ...`. Works with no
database or server. `enhance` prints one line per cell the fidelity guard held back, with the reason, and the
whole result measured against the original (`karyogram_report`)."""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from .io import READABLE_SUFFIXES, ImageError, read_karyogram
from .panels import find_panels, panel_files
from .slicing import LayoutError, slice_karyogram
from .synthetic.degrade import FAMILIES, HELD_OUT_FAMILY
from .synthetic.layouts import STYLES
from .training.config import PRESETS, parse_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m enhancer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    slicer = commands.add_parser("slice", help="cut a karyogram into one cell image per slot")
    slicer.add_argument("karyogram", type=Path)
    slicer.add_argument("-o", "--output", type=Path, required=True, help="folder for layout.json and cells/")
    slicer.add_argument("--cells", type=int, choices=(23, 24), default=24)
    slicer.add_argument("--layout", type=Path, help="JSON with labelled boxes instead of detection")
    slicer.set_defaults(run=_slice)

    splitter = commands.add_parser("panels", help="split a figure of several karyograms into one file each")
    splitter.add_argument("figure", type=Path)
    splitter.add_argument("-o", "--output", type=Path, required=True, help="folder for the panel files")
    splitter.set_defaults(run=_panels)

    synth = commands.add_parser("synth", help="write synthetic karyograms with ground truth")
    synth.add_argument("-o", "--output", type=Path, required=True)
    synth.add_argument("-n", type=int, default=1, help="number of karyograms")
    synth.add_argument("--quality", choices=("excellent", "poor", "pair"), default="pair")
    synth.add_argument("--karyotype", help='ISCN, e.g. "47,XY,+8" (default: drawn per karyogram)')
    synth.add_argument(
        "--severity",
        choices=("mild", "moderate", "severe", "mixed"),
        default="moderate",
        help="mixed cycles through mild, moderate and severe",
    )
    synth.add_argument(
        "--family",
        choices=FAMILIES,
        help=f"degradation family of poor karyograms (default: drawn per seed from all but the "
        f"held-out {HELD_OUT_FAMILY!r}, so training data never holds it)",
    )
    synth.add_argument("--seed", type=int, default=0, help="first seed; karyogram i uses seed + i")
    synth.add_argument("--width", type=int, default=1200)
    synth.add_argument("--height", type=int, default=1000)
    synth.add_argument("--style", default="cytovision", choices=STYLES, help="layout style of the export")
    synth.set_defaults(run=_synth)

    cells = commands.add_parser("cells", help="write the model inputs (256×256) of every cell of karyograms")
    cells.add_argument("karyograms", type=Path, help="folder of karyogram images")
    cells.add_argument("-o", "--output", type=Path, required=True)
    cells.add_argument("--cells", type=int, choices=(23, 24), default=24)
    cells.set_defaults(run=_cells)

    pairs = commands.add_parser("pairs", help="write aligned poor/excellent training cells (for --pairs)")
    pairs.add_argument("-o", "--output", type=Path, required=True, help="folder for poor/ and excellent/")
    pairs.add_argument("--synthetic", type=Path, help="folder from `synth --quality pair`")
    pairs.add_argument(
        "--real-images", type=Path, help="folder of sharp real G-banded images (licensed for training)"
    )
    pairs.add_argument("--per-image", type=int, default=300, help="cells cut from each real image")
    pairs.add_argument("--seed", type=int, default=0)
    pairs.set_defaults(run=_pairs)

    trainer = commands.add_parser("train", help="train the CycleGAN on unpaired poor and excellent cells")
    trainer.add_argument("--poor", type=Path, required=True, help="folder or JSON manifest of poor cells")
    trainer.add_argument(
        "--excellent", type=Path, required=True, help="folder or manifest of excellent cells"
    )
    trainer.add_argument("-o", "--output", type=Path, required=True, help="run directory")
    trainer.add_argument("--preset", default="cpu-restore", choices=sorted(PRESETS))
    trainer.add_argument("--resume", action="store_true", help="continue from RUN_DIR/checkpoint")
    trainer.add_argument("--device", default="auto")
    trainer.add_argument("--pairs", type=Path, help="aligned excellent cells for the supervised L1 term")
    trainer.add_argument("--lambda-supervised", type=float)
    trainer.add_argument("--epochs", type=int, help="epochs at constant learning rate")
    trainer.add_argument("--epochs-decay", type=int, help="epochs of linear decay")
    trainer.add_argument("--seed", type=int)
    trainer.add_argument("--include-all", action="store_true", help="do not exclude chromosomes 13-22, X, Y")
    trainer.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override any training setting of the preset, e.g. --set upsample=transpose --set lambda_gan=0",
    )
    trainer.add_argument(
        "--max-minutes", type=float, help="stop after the epoch that passes this wall time, keeping the model"
    )
    trainer.add_argument(
        "--init-from",
        type=Path,
        metavar="MODEL_DIR",
        help="fine-tune: start from this model's generators (same architecture), e.g. the shipped model",
    )
    trainer.set_defaults(run=_train)

    enhance = commands.add_parser("enhance", help="enhance a karyogram: slice, enhance all cells, reassemble")
    enhance.add_argument("karyogram", type=Path)
    enhance.add_argument(
        "-o", "--output", type=Path, required=True, help="output file (same format as input)"
    )
    enhance.add_argument("--model", type=Path, help="model directory (default: the shipped model)")
    enhance.add_argument("--strength", type=float, default=1.0, help="0 = original, 1 = full enhancement")
    enhance.add_argument("--cells", type=int, choices=(23, 24), default=24)
    enhance.add_argument("--layout", type=Path, help="JSON with labelled boxes instead of detection")
    enhance.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    enhance.set_defaults(run=_enhance)

    importer = commands.add_parser("import-reference", help="convert a reference latest_net_G_A.pth")
    importer.add_argument("weights", type=Path)
    importer.add_argument("-o", "--output", type=Path, required=True, help="model directory to write")
    importer.set_defaults(run=_import_reference)

    evaluation = commands.add_parser("evaluate", help="compare a model with classical baselines on pairs")
    evaluation.add_argument("--model", type=Path, help="model directory (default: the shipped model)")
    evaluation.add_argument("--data", type=Path, required=True, help="folder from `synth --quality pair`")
    evaluation.add_argument("--json", type=Path, required=True, help="where to write the summary")
    evaluation.add_argument("--report", type=Path, help="folder for report.md and pictures")
    evaluation.add_argument("--limit", type=int, help="use at most this many karyograms")
    evaluation.add_argument(
        "--held-out-data",
        type=Path,
        help="pairs degraded by a family kept out of training (`synth --quality pair`)",
    )
    evaluation.add_argument(
        "--real", type=Path, help="folder of real karyograms: real-content pairs from its sharp ones"
    )
    evaluation.add_argument("--device", default="auto")
    evaluation.set_defaults(run=_evaluate)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ImageError, LayoutError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        if getattr(exc, "panels", None):
            print("`python -m enhancer panels FIGURE -o DIR` writes one file per panel.", file=sys.stderr)
        if getattr(exc, "boxes_help", False):
            print(
                "Give the slot boxes as a layout instead: `--layout FILE`, labelled boxes in the JSON that "
                "`slice` writes to layout.json.",
                file=sys.stderr,
            )
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
    from .synthetic.files import write_synthetic

    args.output.mkdir(parents=True, exist_ok=True)
    for i in tqdm(range(args.n), desc="karyograms", unit="kg"):
        severity = ("mild", "moderate", "severe")[i % 3] if args.severity == "mixed" else args.severity
        write_synthetic(
            args.output,
            args.seed + i,
            args.quality,
            args.karyotype,
            severity,
            args.family,
            width=args.width,
            height=args.height,
            style=args.style,
        )
    return 0


def _cells(args) -> int:
    from .cells import prepare_cells
    from .slicing import layout_from_boxes

    args.output.mkdir(parents=True, exist_ok=True)
    paths = sorted(p for p in args.karyograms.iterdir() if p.suffix.lower() in READABLE_SUFFIXES)
    written = refused = 0
    for path in tqdm(paths, desc="karyograms", unit="kg"):
        karyogram = read_karyogram(path)
        truth = path.with_suffix(".json")
        try:
            if truth.exists():  # synthetic ground truth: the known slot boxes
                spec = json.loads(truth.read_text())
                given = layout_from_boxes(karyogram.grey, {"image": spec["image"], "cells": spec["slots"]})
                layout = slice_karyogram(karyogram.grey, args.cells, layout=given.to_json())
            else:
                layout = slice_karyogram(karyogram.grey, args.cells)
        except LayoutError as exc:
            refused += 1
            tqdm.write(f"{path.name}: {exc}")
            continue
        for label, image in prepare_cells(karyogram.grey, layout).inputs.items():
            Image.fromarray(np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)).save(
                args.output / f"{path.stem}_{label}.png"
            )
            written += 1
    print(f"{written} cells from {len(paths) - refused} karyograms in {args.output}; {refused} refused")
    return 0


def _panels(args) -> int:
    figure = read_karyogram(args.figure)
    panels = find_panels(figure.grey)
    if not panels:
        raise ValueError(f"{args.figure.name}: no long lines divide it into panels; it is one karyogram.")
    args.output.mkdir(parents=True, exist_ok=True)
    for number, (box, (data, suffix)) in enumerate(zip(panels, panel_files(figure, panels), strict=True), 1):
        path = args.output / f"{args.figure.stem}-panel{number}{suffix}"
        path.write_bytes(data)
        print(f"panel {number} {list(box)} → {path}")
    return 0


def _pairs(args) -> int:
    from .evaluation import paired_cells
    from .synthetic.real_content import real_content_pairs

    if not (args.synthetic or args.real_images):
        raise ValueError("give --synthetic and/or --real-images")
    made = []
    if args.synthetic:
        made += [
            (f"{c['karyogram'].replace('_excellent', '')}_{c['label']}", c)
            for c in paired_cells(args.synthetic)
        ]
    if args.real_images:
        paths = sorted(p for p in args.real_images.iterdir() if p.suffix.lower() in READABLE_SUFFIXES)
        made += [
            (f"{Path(c['source']).stem}-{i:05d}_real", c)
            for i, c in enumerate(real_content_pairs(paths, args.per_image, args.seed))
        ]
    for domain, key in (("poor", "input"), ("excellent", "truth")):
        (args.output / domain).mkdir(parents=True, exist_ok=True)
        for name, cell in tqdm(made, desc=domain, unit="cell"):
            Image.fromarray(np.clip(np.rint(cell[key] * 255), 0, 255).astype(np.uint8)).save(
                args.output / domain / f"{name}.png"
            )
    print(f"{len(made)} aligned pairs in {args.output / 'poor'} and {args.output / 'excellent'}")
    return 0


def _train(args) -> int:
    from .training.config import preset
    from .training.loop import train

    overrides = {
        "n_epochs": args.epochs,
        "n_epochs_decay": args.epochs_decay,
        "seed": args.seed,
        "lambda_supervised": args.lambda_supervised,
        "init_from": str(args.init_from) if args.init_from else None,
    }
    if args.include_all:
        overrides["excluded_labels"] = ()
    config = preset(args.preset, **{**overrides, **parse_settings(args.set)})
    deadline = time.monotonic() + 60 * args.max_minutes if args.max_minutes is not None else None
    model_dir = train(
        config,
        args.poor,
        args.excellent,
        args.output,
        resume=args.resume,
        device=args.device,
        pairs=args.pairs,
        should_stop=(lambda: time.monotonic() >= deadline) if deadline is not None else None,
    )
    print(f"model written to {model_dir}")
    return 0


def _enhance(args) -> int:
    from .inference import SHIPPED_MODEL, Enhancer
    from .io import encode_as_written

    if not 0.0 <= args.strength <= 1.0:
        raise ValueError("--strength must be between 0 and 1")
    karyogram = read_karyogram(args.karyogram)
    enhancer = Enhancer(args.model or SHIPPED_MODEL, device=args.device)
    given = json.loads(args.layout.read_text()) if args.layout else None
    result = enhancer.enhance(karyogram, cells=args.cells, strength=args.strength, layout=given)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    data, written = encode_as_written(result.pixels, karyogram.info)
    args.output.write_bytes(data)
    guarded = {label: v for label, v in result.guard.items() if not v.passed}
    for label, verdict in guarded.items():
        print(verdict.describe(label))
    if result.staining is not None:
        print(result.staining.describe())
    print(result.report(karyogram, written).describe())
    print(
        f"enhanced {len(result.outputs)} cells on {enhancer.device} ({len(guarded)} held back by the fidelity "
        f"guard); written to {args.output}"
    )
    return 0


def _import_reference(args) -> int:
    from .model.reference_import import import_reference

    print(f"model written to {import_reference(args.weights, args.output)}")
    return 0


def _evaluate(args) -> int:
    from .evaluation import evaluate, write_report
    from .inference import SHIPPED_MODEL

    summary, details = evaluate(
        args.model or SHIPPED_MODEL,
        args.data,
        args.limit,
        args.device,
        held_out_dir=args.held_out_data,
        real_dir=args.real,
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(summary, indent=2))
    if args.report:
        write_report(summary, details, args.report)
    for set_name, table in summary["sets"].items():
        print(f"{set_name} ({table['n']} cells)")
        for name, values in table["methods"].items():
            print(f"  {name:15s} " + "  ".join(f"{k} {v:.3f}" for k, v in values.items()))
    return 0
