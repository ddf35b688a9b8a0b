"""Enhancement speed against the arithmetic it needs, in one run on this machine.

    .venv/bin/python bench/enhance_speed.py [--repeats 5]

For the shipped model as inference runs it (`load_for_inference`: its card's batch-norm statistics and
mirror ensemble) and for the paper's architecture (ngf 64): the time to enhance the
24 cells of one karyogram in one batch, the compute floor (GMACs per cell, counted by
torch's FlopCounterMode, divided by this machine's measured matrix-multiply rate), their
ratio, and one cell at a time (the shipped model through the same module; the paper's the reference's
way, train-mode batch norm). Also the
whole `enhance` of a synthetic karyogram (slice + model + reassembly), the shipped model on its cells
by cells per forward pass (what `enhancer.model.runtime.chunk_size` chooses), and each step after the
network on its cells (the staining depth where it searches its gain: the worst case).
"""

import argparse
import copy
import dataclasses
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from enhancer.background import keep_background  # noqa: E402
from enhancer.cells import slice_cells  # noqa: E402
from enhancer.inference import SHIPPED_MODEL, Enhancer  # noqa: E402
from enhancer.io import ImageInfo, encode_karyogram, read_karyogram  # noqa: E402
from enhancer.model.networks import Architecture, UnetGenerator, init_weights, per_image_normalisation  # noqa: E402
from enhancer.model.runtime import chunk_size, load_for_inference, run_generator  # noqa: E402
from enhancer.sharpening import sharpen_bands  # noqa: E402
from enhancer.staining import deepen_staining, karyogram_darkness  # noqa: E402
from enhancer.synthetic import synthesize  # noqa: E402
from enhancer.tone import lift_contrast  # noqa: E402

CELLS = 24


def median_seconds(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def matmul_gmacs_per_second(repeats: int) -> float:
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    seconds = median_seconds(lambda: a @ b, repeats)
    return 2048**3 / seconds / 1e9


def gmacs_per_cell(net: torch.nn.Module) -> float:
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        net(torch.zeros(1, 1, 256, 256))
    return counter.get_total_flops() / 2 / 1e9


def calibrated_reference(arch: Architecture) -> torch.nn.Module:
    """A reference-style generator: N(0, 0.02) weights, BN in train mode (test.py without --eval)."""
    torch.manual_seed(0)
    return init_weights(UnetGenerator(arch)).train()


def report(
    name: str, batched_net: torch.nn.Module, reference_net: torch.nn.Module, rate: float, repeats: int
) -> None:
    cells = torch.rand(CELLS, 1, 256, 256) * 2 - 1
    gmacs = gmacs_per_cell(batched_net)
    with torch.inference_mode():
        batched = median_seconds(lambda: batched_net(cells), repeats)
        one_by_one = median_seconds(lambda: [reference_net(c[None]) for c in cells], max(1, repeats // 2))
    floor = CELLS * gmacs / rate
    print(
        f"{name:28s} {gmacs:6.3f} GMAC/cell  floor {floor:6.3f} s  batched {batched:6.3f} s "
        f"({batched / floor:4.2f}× floor)  one-at-a-time {one_by_one:6.3f} s ({one_by_one / batched:4.2f}× batched)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    rate = matmul_gmacs_per_second(args.repeats)
    print(f"measured matrix-multiply rate: {rate:.1f} GMAC/s (fp32, 2048²)")

    shipped, card = load_for_inference(SHIPPED_MODEL)
    report(
        f"shipped (ngf {card['architecture']['ngf']}{', mirror ensemble' if card.get('self_ensemble') else ''})",
        shipped,
        shipped,  # one cell at a time through the same module
        rate,
        args.repeats,
    )
    paper_arch = Architecture(ngf=64, norm="batch")
    paper = calibrated_reference(paper_arch)
    report(
        "paper architecture (ngf 64)",
        per_image_normalisation(copy.deepcopy(paper)).eval(),
        paper,
        rate,
        args.repeats,
    )

    made = synthesize("46,XY", seed=1, quality="poor", severity="moderate")
    karyogram = read_karyogram(encode_karyogram(made.image, ImageInfo("PNG", *made.image.shape[::-1], 1, 8)))
    enhancer = Enhancer(SHIPPED_MODEL, device="cpu")
    cells = np.stack(list(slice_cells(karyogram.grey).inputs.values()))
    print(
        f"the shipped model on this karyogram's {len(cells)} cells, by cells per forward pass "
        f"(the product's on this device: {chunk_size(enhancer.device)}): "
        + ", ".join(
            f"{n}: {seconds:.3f} s" for n, seconds in chunk_seconds(enhancer, cells, args.repeats).items()
        )
    )
    whole = median_seconds(lambda: enhancer.enhance(karyogram), args.repeats)
    result = enhancer.enhance(karyogram)
    reblend = median_seconds(lambda: result.reblend(karyogram, {"1": 0.5}), args.repeats)
    print(
        f"whole karyogram {karyogram.info.width}x{karyogram.info.height} with the shipped model: "
        f"{whole:.3f} s (slice + {len(result.outputs)} cells + reassembly); strength change only: {reblend:.3f} s"
    )
    steps = post_step_seconds(enhancer, np.stack(list(result.inputs.values())), args.repeats)
    print(
        f"steps after the network, {len(result.outputs)} cells: "
        + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in steps.items())
    )
    print(f"numpy {np.__version__}")


def chunk_seconds(enhancer: Enhancer, cells: np.ndarray, repeats: int) -> dict[int, float]:
    """Median seconds of the shipped model over `cells` (as inference runs it) at each number of cells per
    forward pass, the passes interleaved so that a busy machine slows each alike."""
    sizes = sorted({n for n in (1, 4, 8) if n < len(cells)} | {len(cells)})
    times: dict[int, list[float]] = {n: [] for n in sizes}
    run_generator(enhancer.generator, cells[:1], enhancer.device)  # warm-up
    for _ in range(repeats):
        for n in sizes:
            start = time.perf_counter()
            run_generator(enhancer.generator, cells, enhancer.device, chunk=n)
            times[n].append(time.perf_counter() - start)
    return {n: statistics.median(seconds) for n, seconds in times.items()}


def post_step_seconds(enhancer: Enhancer, inputs: np.ndarray, repeats: int) -> dict[str, float]:
    """Median seconds of each step after the network over one karyogram's cells, the network run once."""
    raw = run_generator(enhancer.generator, inputs, enhancer.device)
    pairs = list(zip(raw, inputs, strict=True))
    # a staining target between the cells' darkness at gains 1 and 1.2, so that the gain is searched
    searched = dataclasses.replace(
        enhancer.staining_depth,
        target_darkness=(karyogram_darkness(raw, inputs) + karyogram_darkness(raw, inputs, 1.2)) / 2,
    )
    return {
        "band sharpening": median_seconds(
            lambda: [sharpen_bands(y, x, enhancer.sharpening) for y, x in pairs], repeats
        ),
        "contrast lift": median_seconds(
            lambda: [lift_contrast(y, x, enhancer.contrast_lift) for y, x in pairs], repeats
        ),
        "kept background": median_seconds(lambda: [keep_background(y, x) for y, x in pairs], repeats),
        "staining depth": median_seconds(lambda: deepen_staining(raw, inputs, searched), repeats),
    }


if __name__ == "__main__":
    main()
