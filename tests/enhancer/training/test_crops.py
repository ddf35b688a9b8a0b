"""Training on random crops with aligned targets: input and target are cut and mirrored alike."""

import numpy as np
import torch
from PIL import Image

from enhancer.model.checkpoint import read_card
from enhancer.training.config import preset
from enhancer.training.loop import Step, _crops, build_networks, build_optimizers, train


def test_aligned_batches_share_crop_and_mirror():
    rng = np.random.default_rng(0)
    images = torch.from_numpy(rng.integers(0, 255, size=(6, 1, 32, 32), dtype=np.uint8))
    config = preset("tiny", image_size=32, crop_size=16)
    index = np.array([0, 3, 5])
    crops = _crops(len(index), config, rng)
    flips = np.array([True, False, True])
    nets = build_networks(config, torch.device("cpu"))
    step = Step(nets, *build_optimizers(nets, config, torch.device("cpu")), {}, config, torch.device("cpu"))
    a = step.batch(images, index, flips, crops)
    b = step.batch(images, index, flips, crops)
    assert a.shape == (3, 1, 16, 16)
    assert torch.equal(a, b)
    y, x = crops[1]
    expected = images[3, :, y : y + 16, x : x + 16].float() / 127.5 - 1
    assert torch.equal(a[1], expected)
    y, x = crops[0]
    assert torch.equal(
        a[0], (images[0].float() / 127.5 - 1).flip(-1)[:, y : y + 16, x : x + 16]
    )  # mirrored, then cut


def test_crop_training_with_pairs_writes_a_resize_generator(tmp_path):
    rng = np.random.default_rng(1)
    for domain in ("poor", "excellent"):
        (tmp_path / domain).mkdir()
        for i in range(4):
            Image.fromarray(rng.integers(0, 255, (64, 64), dtype=np.uint8)).save(
                tmp_path / domain / f"k{i}_1.png"
            )
    config = preset(
        "tiny", image_size=64, crop_size=32, num_downs=5, upsample="resize", lambda_supervised=10.0
    )
    model = train(
        config,
        tmp_path / "poor",
        tmp_path / "excellent",
        tmp_path / "run",
        device="cpu",
        pairs=tmp_path / "excellent",
    )
    card = read_card(model)
    assert card["architecture"]["upsample"] == "resize" and card["architecture"]["num_downs"] == 5
    losses = (tmp_path / "run" / "losses.csv").read_text().splitlines()
    sup = losses[0].split(",").index("sup")
    assert float(losses[1].split(",")[sup]) > 0  # the supervised term is trained
