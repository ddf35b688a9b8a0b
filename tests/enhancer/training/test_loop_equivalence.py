"""The device-resident loop gives the same run as the plain loop it replaced, on the CPU.

`plain_run` below is a faithful copy of the training loop as it was before the loop kept its data, pool
and losses on the device (host batches, a Python-list image pool, a host read of every loss every step,
default Adam). It is the reference here and nowhere else.
"""

import csv
from dataclasses import replace

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file
from torch import nn

from enhancer.model.networks import Architecture, NLayerDiscriminator, UnetGenerator, init_weights
from enhancer.training.config import preset
from enhancer.training.data import load_cells, to_model_range
from enhancer.training.loop import LOSS_NAMES, ImagePool, gan_loss, train


class PlainImagePool:
    def __init__(self, size, rng):
        self.size, self.rng, self.images = size, rng, []

    def query(self, batch):
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


def plain_batch(cells, index, flip, rng, flips=None):
    """The plain loop's batch; an aligned target reuses its input's `flips` (the loop mirrors them alike)."""
    batch = to_model_range(cells.images[torch.as_tensor(index)])
    if flips is None and flip:
        flips = torch.as_tensor(rng.random(len(index)) < 0.5)
    if flips is not None:
        batch[flips] = batch[flips].flip(-1)
    return batch, flips


def set_requires_grad(nets, flag):
    for net in nets:
        for p in net.parameters():
            p.requires_grad_(flag)


def plain_step(nets, opt_g, opt_d, pools, criterion, l1, config, real_a, real_b, target):
    g_a, g_b, d_a, d_b = nets["G_A"], nets["G_B"], nets["D_A"], nets["D_B"]
    fake_b = g_a(real_a)
    rec_a = g_b(fake_b)
    fake_a = g_b(real_b)
    rec_b = g_a(fake_a)

    set_requires_grad((d_a, d_b), False)
    opt_g.zero_grad(set_to_none=True)
    lam, lam_idt = config.lambda_cycle, config.lambda_identity
    zero = torch.zeros((), device=real_a.device)
    losses = {
        "idt_A": l1(g_a(real_b), real_b) * lam * lam_idt if lam_idt > 0 else zero,
        "idt_B": l1(g_b(real_a), real_a) * lam * lam_idt if lam_idt > 0 else zero,
        "G_A": criterion(d_a(fake_b), True),
        "G_B": criterion(d_b(fake_a), True),
        "cycle_A": l1(rec_a, real_a) * lam,
        "cycle_B": l1(rec_b, real_b) * lam,
        "sup": l1(fake_b, target) * config.lambda_supervised
        if target is not None and config.lambda_supervised
        else zero,
    }
    sum(losses.values()).backward()
    opt_g.step()

    set_requires_grad((d_a, d_b), True)
    opt_d.zero_grad(set_to_none=True)
    pooled_b = pools["B"].query(fake_b.detach())
    pooled_a = pools["A"].query(fake_a.detach())
    losses["D_A"] = 0.5 * (criterion(d_a(real_b), True) + criterion(d_a(pooled_b), False))
    losses["D_B"] = 0.5 * (criterion(d_b(real_a), True) + criterion(d_b(pooled_a), False))
    (losses["D_A"] + losses["D_B"]).backward()
    opt_d.step()
    return {k: float(v.detach()) for k, v in losses.items()}


def plain_run(config, poor, excellent, pairs=None):
    """The per-iteration losses and the final G_A weights of the plain loop."""
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    domain_a = load_cells(poor, config.excluded_labels, config.image_size)
    domain_b = load_cells(excellent, config.excluded_labels, config.image_size)
    aligned = load_cells(pairs, config.excluded_labels, config.image_size) if pairs else None
    arch = Architecture(ngf=config.ngf, ndf=config.ndf, norm=config.norm)
    nets = {
        "G_A": UnetGenerator(arch),
        "G_B": UnetGenerator(arch),
        "D_A": NLayerDiscriminator(1, config.ndf, norm=config.norm),
        "D_B": NLayerDiscriminator(1, config.ndf, norm=config.norm),
    }
    for net in nets.values():
        init_weights(net).train()
    opt_g = torch.optim.Adam(
        list(nets["G_A"].parameters()) + list(nets["G_B"].parameters()),
        lr=config.lr,
        betas=(config.beta1, 0.999),
    )
    opt_d = torch.optim.Adam(
        list(nets["D_A"].parameters()) + list(nets["D_B"].parameters()),
        lr=config.lr,
        betas=(config.beta1, 0.999),
    )
    pools = {"A": PlainImagePool(config.pool_size, rng), "B": PlainImagePool(config.pool_size, rng)}
    criterion, l1 = gan_loss(config.gan_mode), nn.L1Loss()
    epoch_size = config.epoch_size or max(len(domain_a), len(domain_b))
    steps = -(-epoch_size // config.batch_size)
    history = []
    for epoch in range(1, config.total_epochs + 1):
        lr = config.lr * config.lr_factor(epoch)
        for opt in (opt_g, opt_d):
            for group in opt.param_groups:
                group["lr"] = lr
        order = rng.permutation(max(epoch_size, len(domain_a)))[:epoch_size] % len(domain_a)
        for step in range(steps):
            index_a = order[step * config.batch_size : (step + 1) * config.batch_size]
            index_b = rng.integers(len(domain_b), size=len(index_a))
            real_a, flips_a = plain_batch(domain_a, index_a, config.flip, rng)
            real_b, _ = plain_batch(domain_b, index_b, config.flip, rng)
            target = plain_batch(aligned, index_a, False, rng, flips_a)[0] if aligned is not None else None
            history.append(
                plain_step(nets, opt_g, opt_d, pools, criterion, l1, config, real_a, real_b, target)
            )
    return history, nets["G_A"].state_dict()


@pytest.fixture(scope="module")
def cells(tmp_path_factory):
    """Ten poor cells and their aligned excellent versions, with banded chromosomes that flips change."""
    root = tmp_path_factory.mktemp("cells")
    rng = np.random.default_rng(1)
    for domain in ("poor", "excellent"):
        (root / domain).mkdir()
    for i in range(10):
        excellent = np.full((256, 256), 235, np.uint8)
        excellent[40:220, 70:110] = rng.integers(30, 200, (180, 1)).repeat(40, axis=1)
        excellent[60:200, 150:170] = 80
        poor = np.clip(excellent * 0.6 + 90 + rng.normal(0, 8, excellent.shape), 0, 255).astype(np.uint8)
        Image.fromarray(poor).save(root / "poor" / f"k{i}_{1 + i % 4}.png")
        Image.fromarray(excellent).save(root / "excellent" / f"k{i}_{1 + i % 4}.png")
    return root


@pytest.mark.parametrize(
    "overrides",
    [
        {"gan_mode": "vanilla", "log_every": 3},  # the paper's loss; reads back mid-epoch and at its end
        {
            "gan_mode": "lsgan",
            "lambda_supervised": 10.0,
            "epoch_size": 9,
        },  # aligned pairs, a short last batch
    ],
)
def test_device_loop_reproduces_the_plain_loop(cells, tmp_path, overrides):
    config = replace(preset("tiny"), pool_size=3, **overrides)
    pairs = cells / "excellent" if config.lambda_supervised else None
    expected, expected_g = plain_run(config, cells / "poor", cells / "excellent", pairs)

    model_dir = train(config, cells / "poor", cells / "excellent", tmp_path, device="cpu", pairs=pairs)

    with open(tmp_path / "losses.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["iteration"]) for r in rows] == list(range(1, len(expected) + 1))
    assert any(e["D_A"] != expected[0]["D_A"] for e in expected)  # the losses move, so the check has teeth
    for row, losses in zip(rows, expected, strict=True):
        for name in LOSS_NAMES:  # the CSV holds 5 decimals
            assert float(row[name]) == pytest.approx(losses[name], abs=1e-5 + 5e-6), (row["iteration"], name)
    weights = load_file(model_dir / "generator.safetensors")
    assert weights.keys() == expected_g.keys()
    for key, value in expected_g.items():
        torch.testing.assert_close(weights[key], value, atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    ("size", "batch_size"), [(5, 4), (2, 8)]
)  # (2, 8): one slot swapped twice in a batch
def test_image_pool_matches_the_plain_pool_image_for_image(size, batch_size):
    plain, device = PlainImagePool(size, np.random.default_rng(3)), ImagePool(size, np.random.default_rng(3))
    swapped = 0
    for k in range(12):
        batch = k + torch.arange(float(batch_size))[:, None, None, None] / 10 + torch.zeros(1, 1, 2, 2)
        out = device.query(batch)
        assert torch.equal(out, plain.query(batch)), k
        assert torch.equal(torch.stack(device.stored()), torch.stack(plain.images)), k
        swapped += int((out != batch).any(dim=(1, 2, 3)).sum())
    assert swapped > 0


def test_image_pool_of_size_zero_passes_batches_through():
    batch = torch.randn(3, 1, 4, 4)
    assert torch.equal(ImagePool(0, np.random.default_rng(0)).query(batch), batch)
