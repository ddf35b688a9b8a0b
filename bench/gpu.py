"""What a GPU worker gains, in one run: device, matrix rate, CPU-vs-CUDA agreement, inference, training, pipeline.

    .venv/bin/python bench/gpu.py [--quick] [--json OUT.json]

Figures (printed and, with --json, written as JSON; nothing is asserted):
- the device and its matrix-multiply rate (fp32 and bf16);
- the shipped model's result on one synthetic karyogram on the CPU and on CUDA: how far apart they are;
- 24 cells through the shipped model as inference runs it (its card's batch-norm statistics and mirror
  ensemble) and the paper architecture (ngf 64): batched fp32, batched bf16 autocast and one at a time
  (the paper's: the reference's way), against the compute floor (GMACs / the bf16 matrix rate);
- training images/s at the paper's configuration (unet_256 ngf 64, PatchGAN ndf 64, batch norm, vanilla
  GAN) for the plain loop the project had before (host batches, a Python-list pool, every loss read back
  every step: the faithful copy kept in tests/enhancer/training/test_loop_equivalence.py) and for the
  product's device-resident loop with each CUDA option, at batch 4 and 16, with the mean losses of each
  run (same seed, same data) to compare the curves;
- one whole karyogram split into slicing, model and reassembly.

Without a CUDA device it says so and exits 0. `--device cpu` runs everything on the CPU instead (slow; with
`--quick --ngf 8` it checks the script itself). On an H100, `--quick` takes about 5 minutes at most.
"""

import argparse
import copy
import json
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from bench.enhance_speed import calibrated_reference, gmacs_per_cell  # noqa: E402
from enhancer.cells import slice_cells  # noqa: E402
from enhancer.inference import SHIPPED_MODEL, Enhancer  # noqa: E402
from enhancer.io import ImageInfo, encode_karyogram, read_karyogram  # noqa: E402
from enhancer.model.device import device_label  # noqa: E402
from enhancer.model.networks import Architecture, per_image_normalisation  # noqa: E402
from enhancer.model.runtime import load_for_inference  # noqa: E402
from enhancer.reassembly import blend  # noqa: E402
from enhancer.synthetic import synthesize  # noqa: E402
from enhancer.training.config import preset  # noqa: E402
from enhancer.training.data import CellSet  # noqa: E402
from enhancer.training.loop import LOSS_NAMES, ImagePool, Step, build_networks, build_optimizers, gan_loss  # noqa: E402
from tests.enhancer.training.test_loop_equivalence import PlainImagePool, plain_batch, plain_step  # noqa: E402

CELLS = 24
# Optimised-loop variants at batch 4 (name, config overrides); batch 16 runs the first and the last.
VARIANTS = [
    ("device loop, fp32", {}),
    ("device loop, channels_last", {"channels_last": True}),
    ("device loop, bf16", {"bf16": True}),
    ("device loop, bf16 + channels_last", {"bf16": True, "channels_last": True}),
]
COMPILED = (
    "device loop, bf16 + channels_last + compile",
    {"bf16": True, "channels_last": True, "compile": True},
)


def sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def timed(fn, repeats: int, dev: torch.device) -> float:
    """Median wall seconds of `fn()` over `repeats` runs after one warm-up, waiting for the device each time."""
    fn()
    sync(dev)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync(dev)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def autocast_bf16(dev: torch.device):
    return torch.autocast(dev.type, dtype=torch.bfloat16)


def matmul_rates(dev: torch.device, repeats: int) -> dict:
    """GMAC/s of a square matrix multiply in fp32 (no TF32) and bf16."""
    n = 8192 if dev.type == "cuda" else 1024
    rates = {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        a, b = torch.randn(n, n, device=dev, dtype=dtype), torch.randn(n, n, device=dev, dtype=dtype)
        rates[name] = n**3 / timed(lambda a=a, b=b: a @ b, repeats, dev) / 1e9
    return rates


def poor_karyogram():
    made = synthesize("46,XY", seed=1, quality="poor", severity="moderate")
    return read_karyogram(encode_karyogram(made.image, ImageInfo("PNG", *made.image.shape[::-1], 1, 8)))


def agreement(dev: torch.device, karyogram) -> dict:
    """The shipped model's whole-karyogram result on the CPU against the same on `dev`, in grey levels."""
    on_cpu = Enhancer(SHIPPED_MODEL, device="cpu").enhance(karyogram).pixels.astype(np.int32)
    on_dev = Enhancer(SHIPPED_MODEL, device=str(dev)).enhance(karyogram).pixels.astype(np.int32)
    diff = np.abs(on_cpu - on_dev)
    return {
        "max_grey_levels": int(diff.max()),
        "pixels_differing_pct": round(100 * float((diff > 0).mean()), 4),
    }


def inference(
    batched: torch.nn.Module, reference: torch.nn.Module, bf16_rate: float, dev: torch.device, repeats: int
) -> dict:
    """24 cells through `batched` (as inference runs the model) in fp32 and bf16, and one at a time
    through `reference` (the model as the reference's test.py runs it, or `batched` itself)."""
    gmacs = gmacs_per_cell(batched)
    batched, reference = batched.to(dev), reference.to(dev)
    cells = (torch.rand(CELLS, 1, 256, 256, generator=torch.Generator().manual_seed(0)) * 2 - 1).to(dev)

    def bf16_batch():
        with autocast_bf16(dev):
            return batched(cells)

    with torch.inference_mode():
        fp32 = timed(lambda: batched(cells), repeats, dev)
        bf16 = timed(bf16_batch, repeats, dev)
        one = timed(lambda: [reference(c[None]) for c in cells], max(1, repeats // 2), dev)
        bf16_diff = (bf16_batch().float() - batched(cells)).abs().max().item() * 127.5
    floor = CELLS * gmacs / bf16_rate
    return {
        "gmac_per_cell": round(gmacs, 3),
        "floor_ms": floor * 1e3,
        "batched_fp32_ms": fp32 * 1e3,
        "batched_bf16_ms": bf16 * 1e3,
        "one_at_a_time_ms": one * 1e3,
        "bf16_max_grey_levels": bf16_diff,
    }


def training_cells(count: int = 64) -> CellSet:
    """Uint8 cells with banded bars on a light background, like the model's inputs."""
    rng = np.random.default_rng(0)
    images = np.full((count, 1, 256, 256), 235, np.uint8)
    for image in images:
        x = int(rng.integers(40, 180))
        image[0, 30:226, x : x + 36] = rng.integers(30, 200, (196, 1))
    return CellSet(torch.from_numpy(images), [f"c{i}_1.png" for i in range(count)])


def train_plain(
    config, cells: CellSet, dev: torch.device, warmup: int, steps: int
) -> tuple[float, np.ndarray]:
    """The plain loop: host batches copied each step, list pool, every loss read back every step."""
    torch.backends.cudnn.benchmark = False  # as the plain loop ran
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    nets = build_networks(config, dev)
    opt_g = torch.optim.Adam(
        [p for n in ("G_A", "G_B") for p in nets[n].parameters()], lr=config.lr, betas=(config.beta1, 0.999)
    )
    opt_d = torch.optim.Adam(
        [p for n in ("D_A", "D_B") for p in nets[n].parameters()], lr=config.lr, betas=(config.beta1, 0.999)
    )
    pools = {"A": PlainImagePool(config.pool_size, rng), "B": PlainImagePool(config.pool_size, rng)}
    criterion, l1 = gan_loss(config.gan_mode), torch.nn.L1Loss()
    history = []

    def one():
        index_a = rng.integers(len(cells), size=config.batch_size)
        index_b = rng.integers(len(cells), size=config.batch_size)
        real_a = plain_batch(cells, index_a, True, rng)[0].to(dev)
        real_b = plain_batch(cells, index_b, True, rng)[0].to(dev)
        losses = plain_step(nets, opt_g, opt_d, pools, criterion, l1, config, real_a, real_b, None)
        history.append([losses[n] for n in LOSS_NAMES])

    for _ in range(warmup):
        one()
    sync(dev)
    start = time.perf_counter()
    for _ in range(steps):
        one()
    sync(dev)
    return time.perf_counter() - start, np.array(history[warmup:])


def train_device(
    config, cells: CellSet, dev: torch.device, warmup: int, steps: int
) -> tuple[float, np.ndarray]:
    """The product's loop: resident uint8 cells, device pool, losses read back every `log_every` steps."""
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    nets = build_networks(config, dev)
    opt_g, opt_d = build_optimizers(nets, config, dev)
    step = Step(
        nets,
        opt_g,
        opt_d,
        {"A": ImagePool(config.pool_size, rng), "B": ImagePool(config.pool_size, rng)},
        config,
        dev,
    )
    resident = cells.images.to(dev)
    history, pending = [], []

    def one(index: int, last: int):
        index_a = rng.integers(len(cells), size=config.batch_size)
        index_b = rng.integers(len(cells), size=config.batch_size)
        flips_a, flips_b = rng.random(config.batch_size) < 0.5, rng.random(config.batch_size) < 0.5
        pending.append(
            step(step.batch(resident, index_a, flips_a), step.batch(resident, index_b, flips_b), None)
        )
        if len(pending) == config.log_every or index == last:
            history.extend(torch.stack(pending).tolist())
            pending.clear()

    for i in range(warmup):
        one(i, warmup - 1)
    sync(dev)
    start = time.perf_counter()
    for i in range(steps):
        one(i, steps - 1)
    sync(dev)
    return time.perf_counter() - start, np.array(history[warmup:])


def training(dev: torch.device, ngf: int, warmup: int, steps: int, with_compile: bool) -> list[dict]:
    paper = replace(preset("paper"), ngf=ngf, ndf=ngf)
    cells = training_cells()
    runs = []
    for batch in (4, 16):
        config = replace(paper, batch_size=batch)
        variants = VARIANTS if batch == 4 else [VARIANTS[0], VARIANTS[-1]]
        if with_compile and batch == 4:
            variants = [*variants, COMPILED]
        for name, overrides in [("plain loop (before), fp32", None), *variants]:
            began = time.perf_counter()
            try:
                if overrides is None:
                    seconds, losses = train_plain(config, cells, dev, warmup, steps)
                else:
                    seconds, losses = train_device(replace(config, **overrides), cells, dev, warmup, steps)
            except Exception as exc:  # noqa: BLE001 (e.g. torch.compile without a compiler: report it, go on)
                runs.append({"batch": batch, "loop": name, "error": f"{type(exc).__name__}: {exc}"[:300]})
                print(f"  batch {batch:2d}  {name:45s} failed: {runs[-1]['error']}", flush=True)
                continue
            run = {
                "batch": batch,
                "loop": name,
                "images_per_s": steps * batch / seconds,
                "setup_and_warmup_s": time.perf_counter() - began - seconds,
                "mean_losses": dict(zip(LOSS_NAMES, np.round(losses.mean(axis=0), 4).tolist(), strict=True)),
            }
            runs.append(run)
            base = next(r for r in runs if r["batch"] == batch and r["loop"].startswith("plain"))
            print(
                f"  batch {batch:2d}  {name:45s} {run['images_per_s']:8.1f} images/s "
                f"({run['images_per_s'] / base['images_per_s']:4.2f}× plain)  mean G_A {run['mean_losses']['G_A']:.3f}"
                f"  cycle_A {run['mean_losses']['cycle_A']:.3f}  D_A {run['mean_losses']['D_A']:.3f}",
                flush=True,
            )
    return runs


def whole_karyogram(karyogram, dev: torch.device, repeats: int) -> dict:
    """One karyogram with the shipped model on `dev`: slicing (with cell preparation), model, reassembly."""
    enhancer = Enhancer(SHIPPED_MODEL, device=str(dev))
    state = {}

    def slicing():
        state["cells"] = slice_cells(karyogram.grey, cells=CELLS)

    def model():
        state["outputs"] = enhancer.enhance_inputs(state["cells"].inputs).outputs

    def reassembly():
        blend(karyogram.pixels, karyogram.info.max_value, state["cells"], state["outputs"], 1.0, {})

    split = {
        name: timed(fn, repeats, dev)
        for name, fn in (("slicing", slicing), ("model", model), ("reassembly", reassembly))
    }
    return {
        "size": f"{karyogram.info.width}x{karyogram.info.height}",
        "cells": len(state["cells"].inputs),
        **{f"{k}_ms": v * 1e3 for k, v in split.items()},
        "whole_enhance_ms": timed(lambda: enhancer.enhance(karyogram), repeats, dev) * 1e3,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and training steps")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:N, or cpu to check the script")
    parser.add_argument("--ngf", type=int, default=64, help="generator/discriminator width for training")
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile training variant")
    args = parser.parse_args(argv)
    figures: dict = {
        "date": time.strftime("%Y-%m-%d"),
        "torch": torch.__version__,
        "python": platform.python_version(),
    }
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(
            f"No CUDA GPU on this machine (torch {torch.__version__}, CUDA available: False): nothing to measure."
        )
        figures["device"] = None
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
        return 0
    dev = torch.device(args.device)
    repeats, warmup, steps = (3, 5, 25) if args.quick else (10, 10, 100)
    figures["device"] = device_label(dev)
    figures["cuda"] = torch.version.cuda
    print(f"device {figures['device']}, torch {torch.__version__}, CUDA {torch.version.cuda}", flush=True)

    rates = figures["matmul_gmac_per_s"] = matmul_rates(dev, repeats)
    print(f"matrix multiply: {rates['fp32']:.0f} GMAC/s fp32, {rates['bf16']:.0f} GMAC/s bf16", flush=True)

    karyogram = poor_karyogram()
    if dev.type == "cuda":
        figures["cpu_vs_cuda"] = agreement(dev, karyogram)
        print(
            f"shipped model, CPU vs CUDA on one karyogram: at most {figures['cpu_vs_cuda']['max_grey_levels']} "
            f"grey levels apart, on {figures['cpu_vs_cuda']['pixels_differing_pct']} % of pixels",
            flush=True,
        )

    figures["inference_24_cells"] = {}
    # the shipped model with the running statistics and mirror ensemble its card asks for
    shipped, card = load_for_inference(SHIPPED_MODEL)
    paper = calibrated_reference(Architecture(ngf=64, norm="batch"))
    for name, batched, reference in (
        (f"shipped (ngf {card['architecture']['ngf']}, as inference runs it)", shipped, shipped),
        ("paper (ngf 64)", per_image_normalisation(copy.deepcopy(paper)).eval(), paper),
    ):
        row = figures["inference_24_cells"][name] = inference(batched, reference, rates["bf16"], dev, repeats)
        print(
            f"24 cells, {name:18s}: floor {row['floor_ms']:7.2f} ms, batched fp32 {row['batched_fp32_ms']:7.2f} ms, "
            f"bf16 {row['batched_bf16_ms']:7.2f} ms (≤ {row['bf16_max_grey_levels']:.2f} grey levels from fp32), "
            f"one at a time {row['one_at_a_time_ms']:7.2f} ms",
            flush=True,
        )

    print(
        f"training, paper configuration at ngf/ndf {args.ngf} ({warmup} warm-up + {steps} timed steps):",
        flush=True,
    )
    figures["training"] = training(dev, args.ngf, warmup, steps, not args.no_compile)

    split = figures["whole_karyogram"] = whole_karyogram(karyogram, dev, repeats)
    print(
        f"whole karyogram {split['size']} ({split['cells']} cells, shipped model): slicing "
        f"{split['slicing_ms']:.0f} ms, model {split['model_ms']:.1f} ms, reassembly {split['reassembly_ms']:.0f} ms; "
        f"enhance() {split['whole_enhance_ms']:.0f} ms",
        flush=True,
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
