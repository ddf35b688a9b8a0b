"""The CycleGAN training loop, in the reference's order: generators first, then discriminators.

Poor cells are domain A, excellent cells domain B; G_A (poor → excellent) is the product's
enhancer. The cells stay on the training device as uint8 and batches are cut there; losses stay
on the device and are read back every `log_every` steps, so a GPU never waits for the host.
Every iteration still gets its row in `losses.csv` (plotted to `losses.png`); each epoch writes
a sample grid and a checkpoint; the final G_A goes to `RUN_DIR/model`.
"""

import contextlib
import csv
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torchmetrics.functional.image import structural_similarity_index_measure
from tqdm import tqdm

from ..model.checkpoint import WEIGHTS, load_generator, save_generator
from ..model.device import select_device, to_device
from ..model.networks import Architecture, NLayerDiscriminator, UnetGenerator, init_weights
from ..sharpening import BandSharpening, excellent_detail
from ..staining import StainingDepth, excellent_darkness
from ..tone import ContrastLift, excellent_contrast
from .config import TrainingConfig
from .data import CellSet, gather_batch, load_cells, to_model_range
from .report import plot_losses, save_sample_grid
from .state import has_state, load_state, save_state

EXCELLENT_SAMPLE = 512  # excellent cells whose medians set the model card's sharpening and lift targets
LOSS_NAMES = ("D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B", "sup")


class ImagePool:
    """History of generated images for the discriminators (Shrivastava et al.), per image.

    Which image goes where is drawn on the host from `rng`, exactly as the reference draws it;
    the images stay in one tensor on the device and move by indexed copies, never through the host.
    """

    def __init__(self, size: int, rng: np.random.Generator):
        self.size, self.rng = size, rng
        self.images: torch.Tensor | None = None  # size × C × H × W once the first batch arrives
        self.count = 0

    def query(self, batch: torch.Tensor) -> torch.Tensor:
        """Per image: store it while the pool fills; then half the time swap it for a stored one."""
        batch = batch.detach()
        if self.size == 0:
            return batch
        n = len(batch)
        from_pool, pool_row, batch_row = np.zeros(n, np.int64), np.zeros(n, np.int64), np.arange(n)
        written: dict[int, int] = {}  # pool slot → the row of this batch now stored there
        for j in range(n):
            if self.count < self.size:
                written[self.count] = j
                self.count += 1
            elif self.rng.random() < 0.5:
                slot = int(self.rng.integers(self.size))
                if slot in written:  # swapped again within this batch: that image is the stored one
                    batch_row[j] = written[slot]
                else:
                    from_pool[j], pool_row[j] = 1, slot
                written[slot] = j
        if self.images is None:
            self.images = batch.new_empty((self.size, *batch.shape[1:]))
        moves = np.array([list(written), list(written.values())], np.int64).reshape(-1)
        plan = to_device(np.concatenate([from_pool, pool_row, batch_row, moves]), batch.device)
        take_stored = plan[:n].bool()[:, None, None, None]
        out = torch.where(
            take_stored,
            self.images.index_select(0, plan[n : 2 * n]).to(batch.dtype),
            batch.index_select(0, plan[2 * n : 3 * n]),
        )
        slots, rows = plan[3 * n : 3 * n + len(written)], plan[3 * n + len(written) :]
        self.images.index_copy_(0, slots, batch.index_select(0, rows).to(self.images.dtype))
        return out

    def stored(self) -> list[torch.Tensor]:
        """The images held, oldest slot first (what a checkpoint keeps)."""
        return [] if self.images is None else list(self.images[: self.count])

    def restore(self, images: list[torch.Tensor]) -> None:
        self.count, self.images = len(images), None
        if images:
            held = torch.stack(images)
            self.images = held.new_empty((self.size, *held.shape[1:]))
            self.images[: self.count] = held


def gan_loss(mode: str) -> Callable[[torch.Tensor, bool], torch.Tensor]:
    criterion = nn.BCEWithLogitsLoss() if mode == "vanilla" else nn.MSELoss()
    if mode not in ("vanilla", "lsgan"):
        raise ValueError("gan_mode must be 'vanilla' or 'lsgan'")
    return lambda prediction, real: criterion(prediction, torch.full_like(prediction, 1.0 if real else 0.0))


def train(
    config: TrainingConfig,
    poor: str | Path,
    excellent: str | Path,
    run_dir: str | Path,
    resume: bool = False,
    device: str = "auto",
    pairs: str | Path | None = None,
    on_progress: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Path:
    """Train a CycleGAN; returns the directory of the final generator (`RUN_DIR/model`).

    `on_progress` is called every `config.log_every` steps and at the end of each epoch.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    dev = select_device(device)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    domain_a = load_cells(poor, config.excluded_labels, config.image_size)
    domain_b = load_cells(excellent, config.excluded_labels, config.image_size)
    aligned = load_cells(pairs, config.excluded_labels, config.image_size) if pairs else None
    if aligned is not None and len(aligned) != len(domain_a):
        raise ValueError("the aligned excellent cells must match the poor cells one to one")
    # Every cell moves to the device once, as uint8; batches are cut and mirrored there.
    cells_a, cells_b = domain_a.images.to(dev), domain_b.images.to(dev)
    cells_target = aligned.images.to(dev) if aligned is not None else None

    arch = architecture(config)
    nets = build_networks(config, dev)
    opt_g, opt_d = build_optimizers(nets, config, dev)
    pools = {"A": ImagePool(config.pool_size, rng), "B": ImagePool(config.pool_size, rng)}
    start_epoch, iteration = 1, 0
    checkpoint_dir = run_dir / "checkpoint"
    if resume and has_state(checkpoint_dir):
        held: dict[str, list[torch.Tensor]] = {k: [] for k in pools}
        meta = load_state(
            checkpoint_dir, nets=nets, optimizers={"G": opt_g, "D": opt_d}, pools=held, rng=rng, device=dev
        )
        for name, pool in pools.items():
            pool.restore(held[name])
        for opt in (opt_g, opt_d):
            _use_fast_kernels(opt, dev)  # whatever device the checkpoint was written on
        start_epoch, iteration = meta["epoch"] + 1, meta["iteration"]

    step = Step(nets, opt_g, opt_d, pools, config, dev)
    epoch_size = config.epoch_size or max(len(domain_a), len(domain_b))
    steps = -(-epoch_size // config.batch_size)
    fixed = to_model_range(cells_a[:4])
    log_path = run_dir / "losses.csv"
    if not resume or not log_path.exists():
        log_path.write_text(",".join(["epoch", "iteration", "lr", *LOSS_NAMES, "seconds"]) + "\n")

    finished = start_epoch - 1  # the last epoch trained to its end
    for epoch in range(start_epoch, config.total_epochs + 1):
        if should_stop and should_stop():
            break
        lr = config.lr * config.lr_factor(epoch)
        for opt in (opt_g, opt_d):
            for group in opt.param_groups:
                group["lr"] = lr
        order = rng.permutation(max(epoch_size, len(domain_a)))[:epoch_size] % len(domain_a)
        with open(log_path, "a", newline="") as log:
            writer = csv.writer(log)
            bar = tqdm(range(steps), desc=f"epoch {epoch}/{config.total_epochs}", unit="it", leave=False)
            pending: list[torch.Tensor] = []  # per-step losses not yet read back from the device
            started = time.perf_counter()
            for index in bar:
                index_a = order[index * config.batch_size : (index + 1) * config.batch_size]
                index_b = rng.integers(len(domain_b), size=len(index_a))
                crops_a, crops_b = _crops(len(index_a), config, rng), _crops(len(index_b), config, rng)
                flips_a = rng.random(len(index_a)) < 0.5 if config.flip else None
                flips_b = rng.random(len(index_b)) < 0.5 if config.flip else None
                real_a = step.batch(cells_a, index_a, flips_a, crops_a)
                real_b = step.batch(cells_b, index_b, flips_b, crops_b)
                # the aligned target is cut and mirrored exactly as its input
                target = (
                    step.batch(cells_target, index_a, flips_a, crops_a) if cells_target is not None else None
                )
                pending.append(step(real_a, real_b, target))
                if len(pending) < config.log_every and index < steps - 1:
                    continue
                seconds = (time.perf_counter() - started) / len(pending)
                for values in torch.stack(pending).tolist():  # the only wait for the device
                    iteration += 1
                    losses = dict(zip(LOSS_NAMES, values, strict=True))
                    writer.writerow(
                        [
                            epoch,
                            iteration,
                            f"{lr:.3g}",
                            *[f"{losses[n]:.5f}" for n in LOSS_NAMES],
                            f"{seconds:.3f}",
                        ]
                    )
                pending, started = [], time.perf_counter()
                bar.set_postfix(G_A=f"{losses['G_A']:.3f}", cyc=f"{losses['cycle_A']:.3f}")
                if on_progress:
                    on_progress(
                        {
                            "epoch": epoch,
                            "epochs": config.total_epochs,
                            "iteration": iteration,
                            "iterations": steps * config.total_epochs,
                            "losses": losses,
                        }
                    )
        with torch.no_grad():
            nets["G_A"].eval()
            save_sample_grid(
                fixed,
                nets["G_A"](fixed),
                nets["G_B"](nets["G_A"](fixed)),
                run_dir / "samples" / f"epoch_{epoch:03d}.png",
            )
            nets["G_A"].train()
        plot_losses(log_path, run_dir / "losses.png")
        save_state(
            checkpoint_dir,
            nets=nets,
            optimizers={"G": opt_g, "D": opt_d},
            scheduler_epoch=epoch,
            epoch=epoch,
            iteration=iteration,
            pools={k: p.stored() for k, p in pools.items()},
            rng=rng,
            extra={"config": config.to_json()},
        )
        finished = epoch

    model_dir = save_generator(
        run_dir / "model",
        nets["G_A"],
        arch,
        preset=config.preset,
        training=config.to_json(),
        data={"poor": domain_a.summary(), "excellent": domain_b.summary()},
        epochs_trained=finished,
        iterations=iteration,
        self_ensemble=config.self_ensemble,
        running_statistics=config.running_statistics,
        **measured_targets(domain_b, config),
        keep_background=config.keep_background,
    )
    save_generator(
        model_dir / "reverse",
        nets["G_B"],
        arch,
        preset=config.preset,
        role="G_B: excellent to poor",
        running_statistics=config.running_statistics,
    )
    return model_dir


def measured_targets(excellent: CellSet, config: TrainingConfig) -> dict:
    """The model card's entries for the steps after the network that `config` asks for, their targets
    measured on one even sample of the excellent training cells."""
    if not (config.band_sharpening or config.contrast_lift or config.staining_depth):
        return {}
    picks = np.linspace(0, len(excellent) - 1, min(EXCELLENT_SAMPLE, len(excellent))).round().astype(int)
    cells = excellent.images[picks, 0].numpy().astype(np.float64) / 255.0
    entries = {}
    if config.band_sharpening:
        entries["band_sharpening"] = BandSharpening(target_detail=round(excellent_detail(cells), 4)).to_json()
    if config.contrast_lift:
        entries["contrast_lift"] = ContrastLift(target_contrast=round(excellent_contrast(cells), 4)).to_json()
    if config.staining_depth:
        entries["staining_depth"] = StainingDepth(
            target_darkness=round(excellent_darkness(cells), 4)
        ).to_json()
    return entries


def architecture(config: TrainingConfig) -> Architecture:
    """The generator architecture a configuration trains (stored in the model card)."""
    return Architecture(
        ngf=config.ngf, ndf=config.ndf, norm=config.norm, upsample=config.upsample, num_downs=config.num_downs
    )


def _crops(n: int, config: TrainingConfig, rng: np.random.Generator) -> np.ndarray | None:
    """Top-left corners of random crops (one per image), or None to train on whole cells."""
    if not config.crop_size:
        return None
    return rng.integers(0, config.image_size - config.crop_size + 1, size=(n, 2))


def supervised_loss(fake: torch.Tensor, target: torch.Tensor, config: TrainingConfig) -> torch.Tensor:
    """L1 and (1 − SSIM) of the enhanced cells toward their aligned excellent truth, in [-1, 1]."""
    loss = fake.new_zeros(())
    if config.lambda_supervised:
        loss = loss + F.l1_loss(fake, target) * config.lambda_supervised
    if config.lambda_ssim:
        similarity = structural_similarity_index_measure(fake.float(), target.float(), data_range=2.0)
        loss = loss + (1 - similarity) * config.lambda_ssim
    return loss


def build_networks(config: TrainingConfig, dev: torch.device) -> dict[str, nn.Module]:
    """G_A, G_B, D_A, D_B initialised as the reference does (in this order, from torch's RNG), in train mode."""
    arch = architecture(config)
    nets = {
        "G_A": UnetGenerator(arch),
        "G_B": UnetGenerator(arch),
        "D_A": NLayerDiscriminator(1, config.ndf, norm=config.norm),
        "D_B": NLayerDiscriminator(1, config.ndf, norm=config.norm),
    }
    for net in nets.values():
        init_weights(net)
    if config.init_from:
        start_from(nets, Path(config.init_from), arch)
    for net in nets.values():
        net.to(dev).train()
        if config.channels_last and dev.type == "cuda":
            net.to(memory_format=torch.channels_last)
        if config.compile:
            net.compile()
    return nets


def start_from(nets: dict[str, nn.Module], model_dir: Path, arch: Architecture) -> None:
    """Fine-tuning: G_A from a trained model, and G_B from its reverse generator where it keeps one
    (the discriminators start afresh). The model must have the architecture being trained."""
    for name, directory in (("G_A", model_dir), ("G_B", model_dir / "reverse")):
        if name == "G_B" and not (directory / WEIGHTS).exists():
            continue
        generator, card = load_generator(directory)
        check_fine_tune(card, arch, str(directory))
        nets[name].load_state_dict(generator.state_dict())


def architecture_differences(card: Mapping, arch: Architecture) -> str:
    """How the generator of a model card differs from `arch`, in words ("" when it is the same)."""
    try:
        found = Architecture(**card["architecture"])
    except (KeyError, TypeError):
        return "its card names no generator architecture"
    return ", ".join(
        f"{name} {theirs} (this training: {ours})"
        for name, theirs in found.to_json().items()
        if theirs != (ours := getattr(arch, name))
    )


def check_fine_tune(card: Mapping, arch: Architecture, source: str) -> None:
    """Refuse (ValueError saying what differs) to fine-tune `arch` from a model card of another architecture."""
    if differences := architecture_differences(card, arch):
        raise ValueError(f"cannot fine-tune from {source}: {differences}")


def build_optimizers(
    nets: dict[str, nn.Module], config: TrainingConfig, dev: torch.device
) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """Adam for both generators and for both discriminators (fused kernels on CUDA, foreach on the CPU)."""
    optimizers = []
    for pair in (("G_A", "G_B"), ("D_A", "D_B")):
        params = [p for name in pair for p in nets[name].parameters()]
        optimizers.append(
            torch.optim.Adam(params, lr=config.lr, betas=(config.beta1, 0.999), **_fast_kernels(dev))
        )
    return optimizers[0], optimizers[1]


def _fast_kernels(dev: torch.device) -> dict:
    return {"fused": dev.type == "cuda", "foreach": dev.type != "cuda"}


def _use_fast_kernels(opt: torch.optim.Optimizer, dev: torch.device) -> None:
    """Switch a loaded optimiser to this device's kernels; fused Adam keeps its step counts on the device."""
    for group in opt.param_groups:
        group.update(_fast_kernels(dev))
    if dev.type == "cuda":
        for state in opt.state.values():
            state["step"] = state["step"].to(dev, torch.float32)


def _set_requires_grad(nets, flag: bool) -> None:
    for net in nets:
        for p in net.parameters():
            p.requires_grad_(flag)


class Step:
    """One training iteration of the four networks, with its batches cut on the device."""

    def __init__(
        self,
        nets: dict[str, nn.Module],
        opt_g: torch.optim.Optimizer,
        opt_d: torch.optim.Optimizer,
        pools: dict[str, ImagePool],
        config: TrainingConfig,
        dev: torch.device,
    ):
        self.nets, self.opt_g, self.opt_d, self.pools, self.config, self.dev = (
            nets,
            opt_g,
            opt_d,
            pools,
            config,
            dev,
        )
        self.criterion, self.l1 = gan_loss(config.gan_mode), nn.L1Loss()
        cuda = dev.type == "cuda"
        if cuda:
            torch.backends.cudnn.benchmark = (
                True  # shapes are fixed, so the fastest convolutions are worth finding
            )
        self.memory_format = torch.channels_last if config.channels_last and cuda else torch.contiguous_format
        self.bf16 = config.bf16 and cuda

    def batch(
        self,
        cells: torch.Tensor,
        index: np.ndarray,
        flips: np.ndarray | None,
        crops: np.ndarray | None = None,
    ) -> torch.Tensor:
        """Images `index` of the resident cells in [-1, 1], mirrored where `flips`, cut at `crops` (corners)."""
        mirror = to_device(flips, self.dev) if flips is not None else None
        batch = gather_batch(cells, to_device(np.asarray(index, np.int64), self.dev), mirror)
        if crops is not None:
            side = self.config.crop_size
            batch = torch.stack(
                [image[:, y : y + side, x : x + side] for image, (y, x) in zip(batch, crops, strict=True)]
            )
        return batch.contiguous(memory_format=self.memory_format)

    def _precision(self):
        if self.bf16:
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def __call__(
        self, real_a: torch.Tensor, real_b: torch.Tensor, target: torch.Tensor | None
    ) -> torch.Tensor:
        """G step, then D step (the reference's order); returns the detached losses in LOSS_NAMES order."""
        g_a, g_b, d_a, d_b = self.nets["G_A"], self.nets["G_B"], self.nets["D_A"], self.nets["D_B"]
        criterion, l1, config = self.criterion, self.l1, self.config
        lam, lam_idt = config.lambda_cycle, config.lambda_identity
        zero = real_a.new_zeros(())
        with self._precision():
            fake_b = g_a(real_a)
            rec_a = g_b(fake_b)
            fake_a = g_b(real_b)
            rec_b = g_a(fake_a)
            _set_requires_grad((d_a, d_b), False)
            self.opt_g.zero_grad(set_to_none=True)
            losses = {
                "idt_A": l1(g_a(real_b), real_b) * lam * lam_idt if lam_idt > 0 else zero,
                "idt_B": l1(g_b(real_a), real_a) * lam * lam_idt if lam_idt > 0 else zero,
                "G_A": criterion(d_a(fake_b), True) * config.lambda_gan,
                "G_B": criterion(d_b(fake_a), True) * config.lambda_gan,
                "cycle_A": l1(rec_a, real_a) * lam,
                "cycle_B": l1(rec_b, real_b) * lam,
                "sup": supervised_loss(fake_b, target, config) if target is not None else zero,
            }
            total_g = sum(losses.values())
        total_g.backward()
        self.opt_g.step()

        _set_requires_grad((d_a, d_b), True)
        self.opt_d.zero_grad(set_to_none=True)
        with self._precision():
            pooled_b = self.pools["B"].query(fake_b)
            pooled_a = self.pools["A"].query(fake_a)
            losses["D_A"] = 0.5 * (criterion(d_a(real_b), True) + criterion(d_a(pooled_b), False))
            losses["D_B"] = 0.5 * (criterion(d_b(real_a), True) + criterion(d_b(pooled_a), False))
        (losses["D_A"] + losses["D_B"]).backward()
        self.opt_d.step()
        return torch.stack([losses[name].detach().float() for name in LOSS_NAMES])
