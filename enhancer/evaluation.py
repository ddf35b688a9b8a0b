"""Evaluate a model against classical baselines on paired synthetic karyograms.

Every method sees identical inputs: the poor cells normalised as for the model. Ground
truth is the excellent cell of the same karyogram through the same transform. Also runs
the paper's own protocol (poor made by the model's reverse generator, then enhanced
back) and the same after a light JPEG, which exposes steganographic cycle-consistency.
"""

import io
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from . import baselines
from .cells import to_model_input
from .inference import Enhancer
from .io import read_karyogram
from .metrics import cell_metrics, ssim_map
from .model.checkpoint import load_generator
from .model.networks import per_image_normalisation
from .segmentation import background_level
from .slicing import layout_from_boxes
from .training.data import unit_to_model

VALIDATION_FRACTION = 0.15


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
            cells.append({"karyogram": exc_path.stem, "label": cell_e.label, "input": x, "truth": gt,
                          "background": bg_e})
    return cells


def evaluate(model_dir: Path, data_dir: Path, limit: int | None = None, device: str = "auto") -> tuple[dict, dict]:
    """Means per cell of every metric for every method; also returns per-cell values."""
    cells = paired_cells(data_dir, limit)
    karyograms = sorted({c["karyogram"] for c in cells})
    n_val = max(1, int(len(karyograms) * VALIDATION_FRACTION))
    validation = [c for c in cells if c["karyogram"] in karyograms[:n_val]]
    test = [c for c in cells if c["karyogram"] not in karyograms[:n_val]] or validation

    methods = dict(baselines.BASELINES)
    if baselines.bm3d_available():
        methods["bm3d"] = baselines.bm3d_denoise
    tuned, params = baselines.tune_classical([(c["input"], c["truth"]) for c in validation[:24]],
                                             lambda gt, y: float(ssim_map(gt, y)[0]))
    methods["classical_best"] = tuned

    enhancer = Enhancer(model_dir, device=device)
    outputs: dict[str, list[np.ndarray]] = {name: [] for name in methods}
    outputs["cyclegan"] = []
    for start in range(0, len(test), 32):
        chunk = np.stack([c["input"] for c in test[start:start + 32]])
        outputs["cyclegan"].extend(enhancer.enhance_cells(chunk))
    for name, method in tqdm(methods.items(), desc="baselines"):
        outputs[name] = [method(c["input"]).astype(np.float32) for c in test]

    per_cell = {name: [cell_metrics(c["truth"], y, c["background"]) for c, y in zip(test, ys, strict=True)]
                for name, ys in outputs.items()}
    summary = {"n": len(test), "validation_cells": len(validation), "classical_best_params": params,
               "methods": {name: {k: float(np.mean([m[k] for m in rows])) for k in rows[0]}
                           for name, rows in per_cell.items()}}
    reverse = Path(model_dir) / "reverse"
    if reverse.exists():
        summary["paper_protocol"] = paper_protocol(enhancer, reverse, test)
    return summary, {"cells": test, "outputs": outputs, "per_cell": per_cell}


@torch.inference_mode()
def paper_protocol(enhancer: Enhancer, reverse_dir: Path, cells: list[dict]) -> dict:
    """PSNR/SSIM of G_A(G_B(x)) against x, as the paper reported, and after JPEG q90 of G_B(x)."""
    g_b, card = load_generator(reverse_dir, enhancer.device)
    if card["architecture"]["norm"] == "batch":
        per_image_normalisation(g_b)
    g_b.eval()
    truths = np.stack([c["truth"] for c in cells])
    made_poor = ((g_b(unit_to_model(truths).to(enhancer.device))[:, 0].cpu().numpy() + 1) / 2).clip(0, 1)
    jpeg = np.stack([_jpeg(x, 90) for x in made_poor])
    result = {}
    for name, poor in (("reverse_generator", made_poor), ("reverse_generator_jpeg90", jpeg)):
        back = np.concatenate([enhancer.enhance_cells(poor[i:i + 32]) for i in range(0, len(poor), 32)])
        metrics = [cell_metrics(t, y, c["background"]) for t, y, c in zip(truths, back, cells, strict=True)]
        result[name] = {"psnr": float(np.mean([m["psnr"] for m in metrics])),
                        "ssim": float(np.mean([m["ssim"] for m in metrics]))}
    result["paper"] = {"psnr": 40.795, "ssim": 0.988}
    return result


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer), dtype=np.float32) / 255


def write_report(summary: dict, details: dict, directory: Path, examples: int = 6) -> None:
    """Markdown table, per-cell distributions (like the paper's Figure 5) and a picture grid."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    keys = list(next(iter(summary["methods"].values())))
    lines = ["| method | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for name, values in summary["methods"].items():
        lines.append(f"| {name} | " + " | ".join(f"{values[k]:.3f}" for k in keys) + " |")
    text = f"# Evaluation on {summary['n']} held-out synthetic cells\n\n" + "\n".join(lines) + "\n"
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
