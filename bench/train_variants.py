"""Train several recipes side by side on one machine: the ablation behind the shipped model.

    python bench/train_variants.py data  --out DATA --real-images ../shared/data/train
    python bench/train_variants.py probe --data DATA --runs RUNS        # seconds per step, all at once
    python bench/train_variants.py train --data DATA --runs RUNS --minutes 6.5 [--pack DIR]

`data` makes aligned (poor, excellent) pairs in parallel: synthetic karyograms (`synth`, training
families, mixed severities, seeds far from the evaluation's) and real-content crops of the sharp
images that may be trained on. Each variant is `python -m enhancer train --preset gpu-restore` with
its own `--set` overrides; all variants train at once (on one GPU they share it), `train` sizes the
epochs from the probe's speed so the learning-rate decay finishes inside `--minutes`.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tarfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
PRESET = "gpu-restore"
VARIANTS = {  # name → overrides of the preset (README "The shipped model": the ablation)
    "restore": [],
    "restore-transpose": ["upsample=transpose"],
    "sup-only": ["lambda_gan=0", "lambda_cycle=0", "lambda_identity=0"],
    "no-sup": ["lambda_supervised=0", "lambda_ssim=0", "lambda_gan=1"],
    "restore-gan1": ["lambda_gan=1"],
    "restore-gan01": ["lambda_gan=0.1"],
}
KEEP_REVERSE = ("restore", "restore-gan1")  # variants whose G_B comes back too (paper protocol)
SYNTH_SEED = 100_000  # evaluation uses 90000–91005


def enhancer(*args: str, log: Path | None = None) -> None:
    """Run `python -m enhancer ARGS` from the repository, its output to `log` (raises on failure)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    with open(log or os.devnull, "w") as out:
        subprocess.run(
            [sys.executable, "-m", "enhancer", *args], cwd=REPO, env=env, stdout=out, stderr=out, check=True
        )


def make_data(args) -> None:
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    per_worker = math.ceil(args.karyograms / args.workers)
    real_per = math.ceil(args.real_per_image / args.workers)

    def synthetic(i: int) -> Path:
        syn, pairs = out / f"synth_{i:02d}", out / f"pairs_synth_{i:02d}"
        seed = str(SYNTH_SEED + i * per_worker)
        enhancer("synth", "-o", str(syn), "-n", str(per_worker), "--quality", "pair", "--severity", "mixed",
                 "--seed", seed, log=out / f"synth_{i:02d}.log")  # fmt: skip
        enhancer("pairs", "--synthetic", str(syn), "-o", str(pairs), log=out / f"pairs_synth_{i:02d}.log")
        return pairs

    def real(i: int) -> Path:
        pairs = out / f"pairs_real_{i:02d}"
        enhancer("pairs", "--real-images", str(args.real_images), "--per-image", str(real_per),
                 "--seed", str(1000 + i), "-o", str(pairs), log=out / f"pairs_real_{i:02d}.log")  # fmt: skip
        return pairs

    started = time.perf_counter()
    with ThreadPoolExecutor(args.workers) as pool:
        folders = list(pool.map(synthetic, range(args.workers))) + list(pool.map(real, range(args.workers)))
    poor = sorted(str(p) for folder in folders for p in (folder / "poor").glob("*.png"))
    excellent = [p.replace("/poor/", "/excellent/") for p in poor]
    (out / "poor.json").write_text(json.dumps(poor))
    (out / "excellent.json").write_text(json.dumps(excellent))
    n_real = sum(p.endswith("_real.png") for p in poor)
    print(f"{len(poor)} pairs ({len(poor) - n_real} synthetic, {n_real} real-content) "
          f"in {time.perf_counter() - started:.0f} s")  # fmt: skip


def launch(args, name: str, extra: list[str], max_minutes: float) -> subprocess.Popen:
    """Start one variant's training in the background; its output goes to RUN/train.log."""
    run = args.runs / name
    run.mkdir(parents=True, exist_ok=True)
    settings = [f"--set={s}" for s in VARIANTS[name] + extra]
    command = [sys.executable, "-m", "enhancer", "train", "--preset", PRESET, "--device", args.device,
               "--poor", str(args.data / "poor.json"), "--excellent", str(args.data / "excellent.json"),
               "--pairs", str(args.data / "excellent.json"), "--max-minutes", str(max_minutes),
               "-o", str(run), *settings]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "2", "TQDM_MININTERVAL": "20"}
    with open(run / "train.log", "w") as log:  # the child keeps its own copy of the file
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_all(processes: dict[str, subprocess.Popen]) -> list[str]:
    """Wait for every variant; the names of those that finished well."""
    finished = []
    for name, process in processes.items():
        if process.wait() != 0:
            print(f"{name}: training failed (exit {process.returncode}), see its train.log")
        else:
            finished.append(name)
    return finished


def seconds_per_step(run: Path, skip: int = 20) -> float:
    """Median seconds per training step from a run's losses.csv, after the warm-up steps."""
    rows = np.genfromtxt(run / "losses.csv", delimiter=",", names=True)
    seconds = np.atleast_1d(rows["seconds"])
    return float(np.median(seconds[skip:] if len(seconds) > skip else seconds))


def probe(args) -> None:
    names = args.only or list(VARIANTS)
    args.runs = args.runs / "probe"
    extra = ["n_epochs=1", "n_epochs_decay=0", f"epoch_size={args.batch_size * args.steps}", "log_every=10",
             f"batch_size={args.batch_size}"]  # fmt: skip
    started = time.perf_counter()
    names = wait_all({name: launch(args, name, extra, 5) for name in names})
    plan = {name: seconds_per_step(args.runs / name) for name in names}
    (args.runs.parent / "plan.json").write_text(json.dumps(plan))
    print(f"probe took {time.perf_counter() - started:.0f} s; seconds per step with all running at once:")
    for name, seconds in plan.items():
        print(f"  {name:20s} {seconds * 1000:7.1f} ms")


def train_all(args) -> None:
    plan = json.loads((args.runs / "plan.json").read_text())
    names = args.only or list(plan)
    slowest = max(plan[n] for n in names)
    budget = args.minutes * 60 - 20  # start-up, loading the cells, the last checkpoint
    epochs = max(2, int(budget / (slowest * args.steps_per_epoch * 1.1)))
    extra = [f"n_epochs={math.ceil(epochs / 2)}", f"n_epochs_decay={epochs // 2}",
             f"epoch_size={args.batch_size * args.steps_per_epoch}", f"batch_size={args.batch_size}"]  # fmt: skip
    print(
        f"{epochs} epochs of {args.steps_per_epoch} steps each ({slowest * 1000:.1f} ms per step), variants: {names}"
    )
    started = time.perf_counter()
    names = wait_all({name: launch(args, name, extra, args.minutes) for name in names})
    print(f"trained in {time.perf_counter() - started:.0f} s")
    for name in names:
        run = args.runs / name
        rows = np.atleast_1d(np.genfromtxt(run / "losses.csv", delimiter=",", names=True))
        last = rows[-args.steps_per_epoch :]
        print(f"  {name:20s} iterations {int(rows['iteration'][-1]):6d}  last-epoch sup {last['sup'].mean():.4f}"
              f"  G_A {last['G_A'].mean():.4f}  cycle_A {last['cycle_A'].mean():.4f}")  # fmt: skip
    if args.pack:
        pack(args.runs, names, args.pack)


def pack(runs: Path, names: list[str], out: Path) -> None:
    """One tar per variant (its model, with the reverse generator where kept) and one of all the logs."""
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        model = runs / name / "model"
        if not model.exists():
            continue
        with tarfile.open(out / f"{name}.tar", "w") as tar:
            tar.add(model, arcname=f"{name}/model", filter=None if name in KEEP_REVERSE else _no_reverse)
    with tarfile.open(out / "logs.tar.gz", "w:gz") as tar:
        for name in names:
            samples = sorted((runs / name).glob("samples/*.png"))[-1:]  # the last epoch's
            for path in [*(runs / name).glob("*.csv"), *(runs / name).glob("*.log"), *samples]:
                tar.add(path, arcname=f"{name}/{path.relative_to(runs / name)}")


def _no_reverse(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    return None if "/reverse" in info.name else info


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    steps = parser.add_subparsers(dest="step", required=True)
    data = steps.add_parser("data")
    data.add_argument("--out", type=Path, required=True)
    data.add_argument("--real-images", type=Path, required=True)
    data.add_argument("--karyograms", type=int, default=256, help="synthetic pair karyograms")
    data.add_argument("--real-per-image", type=int, default=1500)
    data.add_argument("--workers", type=int, default=os.cpu_count())
    data.set_defaults(run=make_data)
    for name, run in (("probe", probe), ("train", train_all)):
        step = steps.add_parser(name)
        step.add_argument("--data", type=Path, required=True)
        step.add_argument("--runs", type=Path, required=True)
        step.add_argument("--device", default="auto")
        step.add_argument("--only", type=lambda s: s.split(","), help="comma-separated variants")
        step.add_argument("--batch-size", type=int, default=16, help="for every variant (the preset's is 16)")
        step.set_defaults(run=run)
    steps.choices["probe"].add_argument("--steps", type=int, default=60)
    steps.choices["train"].add_argument("--minutes", type=float, required=True)
    steps.choices["train"].add_argument("--steps-per-epoch", type=int, default=500)
    steps.choices["train"].add_argument("--pack", type=Path, help="folder for the tars to take away")
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
