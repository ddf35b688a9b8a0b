"""Evaluate a model against classical baselines on paired synthetic karyograms.

Every method sees identical inputs: the poor cells normalised as for the model. Ground
truth is the excellent cell of the same karyogram through the same transform. Also runs
the paper's own protocol (poor made by the model's reverse generator, then enhanced
back) and the same after a light JPEG, which exposes steganographic cycle-consistency.
"""

import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from . import baselines
from .cells import to_model_input
from .fidelity import guard_cells
from .inference import Enhancer
from .io import read_karyogram
from .metrics import cell_metrics, ssim_map
from .model.runtime import load_for_inference, run_generator
from .segmentation import background_level
from .slicing import layout_from_boxes
from .synthetic.real_content import real_content_pairs

VALIDATION_FRACTION = 0.15
# Sharp real karyograms of ../shared/data/real whose cells make real-content pairs (evaluation only).
SHARP_REAL_KARYOGRAMS = ("nhgri_46XY_unlabeled_4rows.png", "wellcome_45X_turner_labeled.jpg")
REAL_CONTENT_CELLS_PER_IMAGE = 60
REAL_CONTENT_SEED = 424242
FLAT_TOLERANCE = 1e-4  # a cell pixel this close to its background fill is background, not chromosome


def paired_cells(data_dir: Path, limit: int | None = None) -> list[dict]:
    """(poor input, ground truth) cells of every `synth --quality pair` karyogram in `data_dir`."""
    cells = []
    excellent_files = sorted(Path(data_dir).glob("*_excellent.png"))[:limit]
    if not excellent_files:
        raise ValueError(f"no synthetic pairs (*_excellent.png with *_poor.png) in {data_dir}")
    for exc_path in excellent_files:
        poor_path = exc_path.with_name(exc_path.name.replace("_excellent", "_poor"))
        truth = json.loads(exc_path.with_suffix(".json").read_text())
        spec = {"image": truth["image"], "cells": truth["slots"]}
        excellent, poor = read_karyogram(exc_path), read_karyogram(poor_path)
        layout_e, layout_p = layout_from_boxes(excellent.grey, spec), layout_from_boxes(poor.grey, spec)
        bg_e, bg_p = background_level(excellent.grey), background_level(poor.grey)
        for cell_e, cell_p in zip(layout_e.cells, layout_p.cells, strict=True):
            if cell_e.objects == 0:
                continue
            gt, _ = to_model_input(excellent.grey, cell_e, bg_e)
            x, _ = to_model_input(poor.grey, cell_p, bg_p)
            cells.append(
                {
                    "karyogram": exc_path.stem,
                    "label": cell_e.label,
                    "input": x,
                    "truth": gt,
                    "background": bg_e,
                    "input_background": bg_p,
                }
            )
    return cells


def real_content_cells(
    real_dir: Path, per_image: int = REAL_CONTENT_CELLS_PER_IMAGE, seed: int = REAL_CONTENT_SEED
) -> list[dict]:
    """Pairs whose truth is real: cell-like crops of the sharp real karyograms in `real_dir`,
    degraded by the family held out of training (evaluation only; never trained on)."""
    paths = [Path(real_dir) / name for name in SHARP_REAL_KARYOGRAMS if (Path(real_dir) / name).exists()]
    if not paths:
        raise ValueError(f"none of {', '.join(SHARP_REAL_KARYOGRAMS)} in {real_dir}")
    return [
        {
            "karyogram": pair["source"],
            "label": "real",
            "input": pair["input"],
            "truth": pair["truth"],
            "background": pair["background"],
            "input_background": pair["background"],
        }
        for pair in real_content_pairs(paths, per_image, seed, held_out=True)
    ]


def evaluation_sets(
    data_dir: Path,
    limit: int | None = None,
    held_out_dir: Path | None = None,
    real_dir: Path | None = None,
    real_per_image: int = REAL_CONTENT_CELLS_PER_IMAGE,
) -> tuple[list[dict], dict[str, list[dict]]]:
    """The validation cells (for tuning classical methods) and the named test sets `evaluate` uses."""
    cells = paired_cells(data_dir, limit)
    karyograms = sorted({c["karyogram"] for c in cells})
    n_val = max(1, int(len(karyograms) * VALIDATION_FRACTION))
    validation = [c for c in cells if c["karyogram"] in karyograms[:n_val]]
    sets = {"synthetic": [c for c in cells if c["karyogram"] not in karyograms[:n_val]] or validation}
    if held_out_dir is not None:
        sets["synthetic_held_out"] = paired_cells(held_out_dir, limit)
    if real_dir is not None:
        sets["real_content"] = real_content_cells(real_dir, real_per_image)
    return validation, sets


def evaluate(
    model_dir: Path,
    data_dir: Path,
    limit: int | None = None,
    device: str = "auto",
    held_out_dir: Path | None = None,
    real_dir: Path | None = None,
    real_per_image: int = REAL_CONTENT_CELLS_PER_IMAGE,
    progress: Callable[[float], None] = lambda done: None,
) -> tuple[dict, dict]:
    """Means per cell of every metric for every method, on each set of pairs; also per-cell values.

    Sets: `synthetic` (the test part of `data_dir`), `synthetic_held_out` (pairs degraded by a
    family kept out of training), `real_content` (sharp real karyograms in `real_dir`, degraded).
    `summary["methods"]` is the synthetic set's table. `progress` is told the share done (0 to 1) after
    each stage, for a progress bar.
    """
    validation, sets = evaluation_sets(data_dir, limit, held_out_dir, real_dir, real_per_image)
    progress(0.1)
    methods: dict[str, baselines.Method] = dict(baselines.BASELINES)
    tuned_params = {}
    pairs = [(c["input"], c["truth"]) for c in validation[:24]]
    denoised: dict = {}  # NLM outputs, shared by the denoiser's tuning and the classical pipeline's
    for name, (method, grid) in baselines.tuned_baselines().items():
        methods[name], tuned_params[name] = baselines.tune(
            method, grid, pairs, lambda gt, y: float(ssim_map(gt, y)[0]), denoised
        )
    enhancer = Enhancer(model_dir, device=device)
    progress(0.25)

    summary: dict = {"tuned_params": tuned_params, "validation_cells": len(validation), "sets": {}}
    details: dict = {}
    for done, (set_name, test) in enumerate(sets.items(), 1):
        raw = by_karyogram(enhancer, test, np.stack([c["input"] for c in test]))
        outputs = {"cyclegan": list(raw), "cyclegan_guarded": guarded(test, raw)}
        for name, method in tqdm(methods.items(), desc=f"baselines ({set_name})", leave=False):
            outputs[name] = [method(c["input"]).astype(np.float32) for c in test]
        per_cell = {name: metrics_per_cell(test, ys) for name, ys in outputs.items()}
        summary["sets"][set_name] = {
            "n": len(test),
            "methods": {name: mean_metrics(rows) for name, rows in per_cell.items()},
        }
        details[set_name] = {"cells": test, "outputs": outputs, "per_cell": per_cell}
        progress(0.25 + 0.65 * done / len(sets))
    summary["n"], summary["methods"] = (
        summary["sets"]["synthetic"]["n"],
        summary["sets"]["synthetic"]["methods"],
    )
    reverse = Path(model_dir) / "reverse"
    if reverse.exists():
        summary["paper_protocol"] = paper_protocol(enhancer, reverse, sets["synthetic"])
    progress(1.0)
    return summary, details


def karyogram_groups(karyograms: Sequence[str]) -> list[list[int]]:
    """The indices of each karyogram's cells, karyograms in order of first appearance (`karyograms[i]`
    names cell i's): a step over a whole karyogram must not pool several."""
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(karyograms):
        groups.setdefault(name, []).append(i)
    return list(groups.values())


def by_karyogram(enhancer: Enhancer, cells: list[dict], images: np.ndarray) -> np.ndarray:
    """`enhancer` on `images` (one per cell of `cells`, same order), one karyogram's cells at a time, as
    the product runs them."""
    outputs = np.empty_like(images)
    for at in karyogram_groups([c["karyogram"] for c in cells]):
        outputs[at] = enhancer.enhance_cells(images[at])[0]
    return outputs


def metrics_per_cell(cells: list[dict], outputs) -> list[dict[str, float]]:
    """`cell_metrics` of each output against its pair's truth (grid measured against the input)."""
    return [
        cell_metrics(c["truth"], y, c["background"], model_input=c["input"])
        for c, y in zip(cells, outputs, strict=True)
    ]


def mean_metrics(rows: list[dict[str, float]]) -> dict[str, float]:
    """The mean over cells of every metric."""
    return {k: float(np.mean([m[k] for m in rows])) for k in rows[0]}


def guarded(cells: list[dict], outputs: np.ndarray) -> list[np.ndarray]:
    """The model's outputs as the product shows them: each cell's change capped by the fidelity
    guard and applied to the chromosome pixels only (cells are flat background elsewhere)."""
    verdicts = guard_cells(
        {str(i): c["input"] for i, c in enumerate(cells)}, {str(i): y for i, y in enumerate(outputs)}
    )
    return [
        np.where(
            np.abs(c["input"] - c["input_background"]) > FLAT_TOLERANCE,
            c["input"] + verdicts[str(i)].strength_cap * (y - c["input"]),
            c["input"],
        ).astype(np.float32)
        for i, (c, y) in enumerate(zip(cells, outputs, strict=True))
    ]


@torch.inference_mode()
def paper_protocol(enhancer: Enhancer, reverse_dir: Path, cells: list[dict]) -> dict:
    """PSNR/SSIM of G_A(G_B(x)) against x, as the paper reported, and after JPEG q90 of G_B(x)."""
    g_b, _ = load_for_inference(reverse_dir, enhancer.device)
    truths = np.stack([c["truth"] for c in cells])
    made_poor = run_generator(g_b, truths, enhancer.device)
    jpeg = np.stack([_jpeg(x, 90) for x in made_poor])
    result = {}
    for name, poor in (("reverse_generator", made_poor), ("reverse_generator_jpeg90", jpeg)):
        back = by_karyogram(enhancer, cells, poor)
        metrics = [cell_metrics(t, y, c["background"]) for t, y, c in zip(truths, back, cells, strict=True)]
        result[name] = {
            "psnr": float(np.mean([m["psnr"] for m in metrics])),
            "ssim": float(np.mean([m["ssim"] for m in metrics])),
        }
    result["paper"] = {"psnr": 40.795, "ssim": 0.988}
    return result


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)).save(
        buffer, "JPEG", quality=quality
    )
    return np.asarray(Image.open(buffer), dtype=np.float32) / 255


def markdown_table(methods: dict[str, dict[str, float]]) -> str:
    """One row per method, one column per metric."""
    keys = list(next(iter(methods.values())))
    lines = ["| method | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    lines += [
        f"| {name} | " + " | ".join(f"{values[k]:.3f}" for k in keys) + " |"
        for name, values in methods.items()
    ]
    return "\n".join(lines)


def write_report(summary: dict, details: dict, directory: Path, examples: int = 6) -> None:
    """Markdown table, per-cell distributions (like the paper's Figure 5) and a picture grid."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    details = details["synthetic"]
    text = "# Evaluation\n"
    for set_name, table in summary["sets"].items():
        text += f"\n## {set_name} ({table['n']} cells)\n\n" + markdown_table(table["methods"]) + "\n"
    if "paper_protocol" in summary:
        text += "\n## Paper protocol\n\n```\n" + json.dumps(summary["paper_protocol"], indent=2) + "\n```\n"
    (directory / "report.md").write_text(text)

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
    for ax, metric in zip(axes, ("psnr", "ssim_fg"), strict=True):
        names = list(details["per_cell"])
        ax.boxplot([[m[metric] for m in details["per_cell"][n]] for n in names], tick_labels=names)
        ax.set_title(metric)
        ax.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    fig.savefig(directory / "distributions.png", dpi=90)
    plt.close(fig)

    names = ["input", "truth", *details["outputs"]]
    rows = []
    for i in range(min(examples, len(details["cells"]))):
        cell = details["cells"][i]
        images = [cell["input"], cell["truth"], *[details["outputs"][n][i] for n in details["outputs"]]]
        rows.append(np.concatenate([np.asarray(im, np.float32) for im in images], axis=1))
    grid = (np.concatenate(rows, axis=0).clip(0, 1) * 255).astype(np.uint8)
    Image.fromarray(grid).save(directory / "cells_by_method.png")
    (directory / "cells_by_method.txt").write_text("columns: " + ", ".join(names) + "\n")
