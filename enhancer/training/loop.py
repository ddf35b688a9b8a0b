"""The CycleGAN training loop, in the reference's order: generators first, then discriminators.

Poor cells are domain A, excellent cells domain B; G_A (poor → excellent) is the product's
enhancer. Losses are logged per iteration to `losses.csv` and plotted to `losses.png`;
each epoch writes a sample grid and a checkpoint; the final G_A goes to `RUN_DIR/model`.
"""

import csv
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ..model.checkpoint import save_generator
from ..model.device import select_device
from ..model.networks import Architecture, NLayerDiscriminator, UnetGenerator, init_weights
from .config import TrainingConfig
from .data import CellSet, load_cells, to_model_range
from .report import plot_losses, save_sample_grid
from .state import has_state, load_state, save_state

LOSS_NAMES = ("D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B", "sup")


class ImagePool:
    """History of generated images for the discriminators (Shrivastava et al.), per image."""

    def __init__(self, size: int, rng: np.random.Generator):
        self.size, self.rng, self.images = size, rng, []

    def query(self, batch: torch.Tensor) -> torch.Tensor:
        if self.size == 0:
            return batch
        out = []
        for image in batch.detach():
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif self.rng.random() < 0.5:
                i = int(self.rng.integers(self.size))
                out.append(self.images[i].clone())
                self.images[i] = image.clone()
            else:
                out.append(image)
        return torch.stack(out)


def gan_loss(mode: str) -> Callable[[torch.Tensor, bool], torch.Tensor]:
    criterion = nn.BCEWithLogitsLoss() if mode == "vanilla" else nn.MSELoss()
    if mode not in ("vanilla", "lsgan"):
        raise ValueError("gan_mode must be 'vanilla' or 'lsgan'")
    return lambda prediction, real: criterion(prediction, torch.full_like(prediction, 1.0 if real else 0.0))


def train(config: TrainingConfig, poor: str | Path, excellent: str | Path, run_dir: str | Path,
          resume: bool = False, device: str = "auto", pairs: str | Path | None = None,
          on_progress: Callable[[dict], None] | None = None, should_stop: Callable[[], bool] | None = None) -> Path:
    """Train a CycleGAN; returns the directory of the final generator (`RUN_DIR/model`)."""
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

    arch = Architecture(ngf=config.ngf, ndf=config.ndf, norm=config.norm, upsample=config.upsample,
                        num_downs=config.num_downs)
    nets = {"G_A": UnetGenerator(arch), "G_B": UnetGenerator(arch),
            "D_A": NLayerDiscriminator(1, config.ndf, norm=config.norm),
            "D_B": NLayerDiscriminator(1, config.ndf, norm=config.norm)}
    for net in nets.values():
        init_weights(net).to(dev).train()
    opt_g = torch.optim.Adam(list(nets["G_A"].parameters()) + list(nets["G_B"].parameters()),
                             lr=config.lr, betas=(config.beta1, 0.999))
    opt_d = torch.optim.Adam(list(nets["D_A"].parameters()) + list(nets["D_B"].parameters()),
                             lr=config.lr, betas=(config.beta1, 0.999))
    pools = {"A": ImagePool(config.pool_size, rng), "B": ImagePool(config.pool_size, rng)}
    start_epoch, iteration = 1, 0
    checkpoint_dir = run_dir / "checkpoint"
    if resume and has_state(checkpoint_dir):
        meta = load_state(checkpoint_dir, nets=nets, optimizers={"G": opt_g, "D": opt_d},
                          pools={k: p.images for k, p in pools.items()}, rng=rng, device=dev)
        start_epoch, iteration = meta["epoch"] + 1, meta["iteration"]

    criterion = gan_loss(config.gan_mode)
    l1 = nn.L1Loss()
    epoch_size = config.epoch_size or max(len(domain_a), len(domain_b))
    steps = -(-epoch_size // config.batch_size)
    fixed = to_model_range(domain_a.images[:4]).to(dev)
    log_path = run_dir / "losses.csv"
    if not resume or not log_path.exists():
        log_path.write_text(",".join(["epoch", "iteration", "lr", *LOSS_NAMES, "seconds"]) + "\n")

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
            for step in bar:
                started = time.perf_counter()
                index_a = order[step * config.batch_size:(step + 1) * config.batch_size]
                index_b = rng.integers(len(domain_b), size=len(index_a))
                crops_a = _crops(len(index_a), config, rng)
                crops_b = _crops(len(index_b), config, rng)
                flips_a = rng.random(len(index_a)) < 0.5 if config.flip else None
                real_a = _batch(domain_a, index_a, flips_a, dev, crops_a, config.crop_size)
                real_b = _batch(domain_b, index_b, rng.random(len(index_b)) < 0.5 if config.flip else None, dev,
                                crops_b, config.crop_size)
                target = (_batch(aligned, index_a, flips_a, dev, crops_a, config.crop_size)
                          if aligned is not None else None)
                losses = _step(nets, opt_g, opt_d, pools, criterion, l1, config, real_a, real_b, target)
                iteration += 1
                writer.writerow([epoch, iteration, f"{lr:.3g}", *[f"{losses[n]:.5f}" for n in LOSS_NAMES],
                                 f"{time.perf_counter() - started:.3f}"])
                bar.set_postfix(G_A=f"{losses['G_A']:.3f}", cyc=f"{losses['cycle_A']:.3f}")
                if on_progress:
                    on_progress({"epoch": epoch, "epochs": config.total_epochs, "iteration": iteration,
                                 "iterations": steps * config.total_epochs, "losses": losses})
        with torch.no_grad():
            nets["G_A"].eval()
            save_sample_grid(fixed, nets["G_A"](fixed), nets["G_B"](nets["G_A"](fixed)),
                             run_dir / "samples" / f"epoch_{epoch:03d}.png")
            nets["G_A"].train()
        plot_losses(log_path, run_dir / "losses.png")
        save_state(checkpoint_dir, nets=nets, optimizers={"G": opt_g, "D": opt_d}, scheduler_epoch=epoch,
                   epoch=epoch, iteration=iteration, pools={k: p.images for k, p in pools.items()}, rng=rng,
                   extra={"config": config.to_json()})

    model_dir = save_generator(run_dir / "model", nets["G_A"], arch, preset=config.preset,
                               training=config.to_json(),
                               data={"poor": domain_a.summary(), "excellent": domain_b.summary()},
                               epochs_trained=min(epoch, config.total_epochs), iterations=iteration)
    save_generator(model_dir / "reverse", nets["G_B"], arch, preset=config.preset, role="G_B: excellent to poor")
    return model_dir


def _crops(n: int, config: TrainingConfig, rng: np.random.Generator) -> np.ndarray | None:
    """Top-left corners of random crops (one per image), or None to train on whole cells."""
    if not config.crop_size:
        return None
    return rng.integers(0, config.image_size - config.crop_size + 1, size=(n, 2))


def _batch(cells: CellSet, index: np.ndarray, flips: np.ndarray | None, dev, crops: np.ndarray | None = None,
           crop_size: int = 0) -> torch.Tensor:
    """Images `index` of `cells` in the model's range, cropped and mirrored as drawn (same for aligned pairs)."""
    images = cells.images[torch.as_tensor(index)]
    if crops is not None:
        images = torch.stack([image[:, y:y + crop_size, x:x + crop_size]
                              for image, (y, x) in zip(images, crops, strict=True)])
    batch = to_model_range(images)
    if flips is not None:
        mirrored = torch.as_tensor(flips)
        batch[mirrored] = batch[mirrored].flip(-1)
    return batch.to(dev)


def _set_requires_grad(nets, flag: bool) -> None:
    for net in nets:
        for p in net.parameters():
            p.requires_grad_(flag)


def _step(nets, opt_g, opt_d, pools, criterion, l1, config: TrainingConfig, real_a, real_b, target) -> dict:
    g_a, g_b, d_a, d_b = nets["G_A"], nets["G_B"], nets["D_A"], nets["D_B"]
    fake_b = g_a(real_a)
    rec_a = g_b(fake_b)
    fake_a = g_b(real_b)
    rec_b = g_a(fake_a)

    _set_requires_grad((d_a, d_b), False)
    opt_g.zero_grad(set_to_none=True)
    lam, lam_idt = config.lambda_cycle, config.lambda_identity
    losses = {
        "idt_A": l1(g_a(real_b), real_b) * lam * lam_idt if lam_idt > 0 else torch.zeros((), device=real_a.device),
        "idt_B": l1(g_b(real_a), real_a) * lam * lam_idt if lam_idt > 0 else torch.zeros((), device=real_a.device),
        "G_A": criterion(d_a(fake_b), True),
        "G_B": criterion(d_b(fake_a), True),
        "cycle_A": l1(rec_a, real_a) * lam,
        "cycle_B": l1(rec_b, real_b) * lam,
        "sup": l1(fake_b, target) * config.lambda_supervised if target is not None and config.lambda_supervised
        else torch.zeros((), device=real_a.device),
    }
    sum(losses.values()).backward()
    opt_g.step()

    _set_requires_grad((d_a, d_b), True)
    opt_d.zero_grad(set_to_none=True)
    pooled_b = pools["B"].query(fake_b.detach())
    pooled_a = pools["A"].query(fake_a.detach())
    losses["D_A"] = 0.5 * (criterion(d_a(real_b), True) + criterion(d_a(pooled_b), False))
    losses["D_B"] = 0.5 * (criterion(d_b(real_a), True) + criterion(d_b(pooled_a), False))
    (losses["D_A"] + losses["D_B"]).backward()
    opt_d.step()
    return {k: float(v.detach()) for k, v in losses.items()}
