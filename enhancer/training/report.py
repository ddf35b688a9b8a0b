"""Pictures of a training run: the loss curves and grids of sample translations."""

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402


def plot_losses(csv_path: Path, png_path: Path) -> None:
    """One panel per loss family, smoothed over 20 iterations."""
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return
    x = np.array([int(r["iteration"]) for r in rows])
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    for ax, names in zip(
        axes, (("D_A", "D_B"), ("G_A", "G_B"), ("cycle_A", "cycle_B", "idt_A", "idt_B", "sup")), strict=True
    ):
        for name in names:
            y = np.array([float(r[name]) for r in rows])
            if not y.any():
                continue
            k = min(20, len(y))
            ax.plot(x[k - 1 :], np.convolve(y, np.ones(k) / k, mode="valid"), label=name)
        ax.legend(fontsize=8)
        ax.set_xlabel("iteration")
    fig.tight_layout()
    png_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png_path, dpi=90)
    plt.close(fig)


def save_sample_grid(real: torch.Tensor, fake: torch.Tensor, reconstructed: torch.Tensor, path: Path) -> None:
    """Rows of poor | enhanced | cycled back, images in [-1, 1]."""
    rows = []
    for r, f, c in zip(real, fake, reconstructed, strict=True):
        rows.append(torch.cat([r[0], f[0], c[0]], dim=1))
    grid = ((torch.cat(rows, dim=0).clamp(-1, 1) + 1) * 127.5).round().byte().cpu().numpy()
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(grid).save(path)
