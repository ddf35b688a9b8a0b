import csv
import json
from dataclasses import replace

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from enhancer.sharpening import BandSharpening, excellent_detail
from enhancer.staining import StainingDepth, excellent_darkness
from enhancer.tone import ContrastLift, excellent_contrast
from enhancer.training.config import PRESETS, TrainingConfig, parse_settings, preset
from enhancer.training.loop import ImagePool, supervised_loss, train


@pytest.fixture(scope="module")
def cells(tmp_path_factory):
    """Eight poor and eight excellent 256×256 cells (labels 1-4), plus excluded ones (13, X)."""
    root = tmp_path_factory.mktemp("cells")
    rng = np.random.default_rng(0)
    for domain, level in (("poor", 150), ("excellent", 90)):
        (root / domain).mkdir()
        for i in range(8):
            image = np.full((256, 256), 235, np.uint8)
            image[60:200, 100:130] = rng.integers(level - 40, level + 40, (140, 30))
            Image.fromarray(image).save(root / domain / f"k{i}_{1 + i % 4}.png")
        for label in ("13", "X"):
            Image.fromarray(np.zeros((256, 256), np.uint8)).save(root / domain / f"k9_{label}.png")
    return root


def test_learning_rate_is_constant_then_decays_without_a_wasted_last_epoch():
    paper = PRESETS["paper"]
    assert [paper.lr_factor(e) for e in (1, 100)] == [1.0, 1.0]
    assert paper.lr_factor(101) == pytest.approx(1 - 1 / 101)
    assert paper.lr * paper.lr_factor(200) == pytest.approx(1.98e-6, rel=1e-2)
    assert paper.lr_factor(200) > 0


def test_paper_preset_is_the_paper():
    p = PRESETS["paper"]
    assert (p.ngf, p.norm, p.gan_mode, p.batch_size, p.n_epochs, p.n_epochs_decay) == (
        64,
        "batch",
        "vanilla",
        4,
        100,
        100,
    )
    assert (p.lambda_cycle, p.lambda_identity, p.pool_size, p.lr, p.beta1) == (10, 0.5, 50, 2e-4, 0.5)
    assert set(p.excluded_labels) >= {str(i) for i in range(13, 23)} | {"X", "Y"}


def test_config_round_trips_through_json():
    config = preset("cpu-small", lr=1e-4, excluded_labels=("1", "X"))
    assert TrainingConfig.from_json(config.to_json()) == config
    assert TrainingConfig.from_json({"preset": "x"}).excluded_labels == PRESETS["paper"].excluded_labels


def test_image_pool_returns_a_mix_of_old_and_new_once_full():
    pool = ImagePool(4, np.random.default_rng(0))
    first = torch.zeros(4, 1, 2, 2)
    assert torch.equal(pool.query(first), first)
    mixed = pool.query(torch.ones(64, 1, 2, 2))
    assert 0 < mixed.sum() / 4 < 64


def test_training_writes_model_log_plot_samples_and_excludes_labels(cells, tmp_path):
    model_dir = train(preset("tiny"), cells / "poor", cells / "excellent", tmp_path)
    assert (model_dir / "generator.safetensors").exists()
    with open(tmp_path / "losses.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * 4 and all(float(r["cycle_A"]) > 0 for r in rows)
    assert (tmp_path / "losses.png").stat().st_size > 1000
    assert len(list((tmp_path / "samples").glob("*.png"))) == 2
    card = json.loads((model_dir / "model_card.json").read_text())
    assert card["data"]["poor"]["cells"] == 8  # 13 and X were excluded


def test_a_restoring_preset_writes_the_excellent_cells_detail_contrast_and_darkness_into_the_card(
    cells, tmp_path
):
    model_dir = train(
        replace(preset("tiny"), band_sharpening=True, contrast_lift=True, staining_depth=True),
        cells / "poor",
        cells / "excellent",
        tmp_path,
    )
    excellent = [
        np.asarray(Image.open(p), np.float64) / 255
        for p in sorted((cells / "excellent").glob("k[0-8]_*.png"))
    ]
    card = json.loads((model_dir / "model_card.json").read_text())
    assert (
        card["band_sharpening"]
        == BandSharpening(target_detail=round(excellent_detail(excellent), 4)).to_json()
    )
    assert (
        card["contrast_lift"]
        == ContrastLift(target_contrast=round(excellent_contrast(excellent), 4)).to_json()
    )
    assert (
        card["staining_depth"]
        == StainingDepth(target_darkness=round(excellent_darkness(excellent), 4)).to_json()
    )
    reverse = json.loads((model_dir / "reverse" / "model_card.json").read_text())
    assert not {"band_sharpening", "contrast_lift", "staining_depth"} & set(reverse)
    for step in ("band_sharpening", "contrast_lift", "keep_background", "staining_depth"):
        assert getattr(PRESETS["gpu-restore"], step) and not getattr(PRESETS["paper"], step)


def test_resume_continues_exactly(cells, tmp_path):
    config = replace(preset("tiny"), n_epochs=1, n_epochs_decay=2)
    straight = train(config, cells / "poor", cells / "excellent", tmp_path / "straight")

    calls = iter([False, False, True])  # stop when the third epoch would start
    train(config, cells / "poor", cells / "excellent", tmp_path / "split", should_stop=lambda: next(calls))
    resumed = train(config, cells / "poor", cells / "excellent", tmp_path / "split", resume=True)

    a = load_file(straight / "generator.safetensors")
    b = load_file(resumed / "generator.safetensors")
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_supervised_term_needs_aligned_cells(cells, tmp_path):
    config = replace(preset("tiny"), lambda_supervised=10.0)
    train(config, cells / "poor", cells / "excellent", tmp_path, pairs=cells / "excellent")
    with open(tmp_path / "losses.csv") as f:
        assert all(float(r["sup"]) > 0 for r in csv.DictReader(f))


def test_settings_override_any_field_with_its_type_and_refuse_unknown_ones():
    settings = parse_settings(["upsample=transpose", "lambda_gan=0", "bf16=true", "n_epochs=3"])
    assert settings == {"upsample": "transpose", "lambda_gan": 0.0, "bf16": True, "n_epochs": 3}
    assert preset("gpu-restore", **settings).n_epochs == 3
    for bad in (["colour=red"], ["n_epochs=two"], ["bf16=maybe"], ["lambda_gan"]):
        with pytest.raises(ValueError, match="--set"):
            parse_settings(bad)


def test_supervised_loss_is_zero_on_the_truth_and_grows_with_the_error():
    config = replace(preset("tiny"), lambda_supervised=10.0, lambda_ssim=5.0)
    truth = torch.rand(2, 1, 32, 32) * 2 - 1
    assert supervised_loss(truth, truth, config).item() == pytest.approx(0.0, abs=1e-5)
    near, far = truth + 0.05 * torch.randn_like(truth), truth + 0.5 * torch.randn_like(truth)
    assert 0 < supervised_loss(near, truth, config) < supervised_loss(far, truth, config)
    assert supervised_loss(far, truth, replace(config, lambda_supervised=0, lambda_ssim=0)).item() == 0


def test_adversarial_weight_zero_trains_without_the_generators_gan_terms(cells, tmp_path):
    config = replace(preset("tiny"), lambda_gan=0.0, lambda_ssim=1.0, lambda_supervised=1.0)
    train(config, cells / "poor", cells / "excellent", tmp_path, pairs=cells / "excellent")
    with open(tmp_path / "losses.csv") as f:
        rows = list(csv.DictReader(f))
    assert all(float(r["G_A"]) == 0 and float(r["G_B"]) == 0 and float(r["sup"]) > 0 for r in rows)


def test_the_cli_trains_with_overrides_and_stops_at_its_time_limit(cells, tmp_path):
    from enhancer.cli import main

    args = ["train", "--poor", str(cells / "poor"), "--excellent", str(cells / "excellent"),
            "-o", str(tmp_path), "--preset", "tiny", "--set", "n_epochs=3", "--max-minutes", "0"]  # fmt: skip
    assert main(args) == 0
    card = json.loads((tmp_path / "model" / "model_card.json").read_text())
    assert card["training"]["n_epochs"] == 3
    assert card["epochs_trained"] == 0  # the limit had passed before the first epoch: nothing trained


def test_fine_tuning_starts_from_a_trained_models_generators_and_records_it(cells, tmp_path):
    first = train(preset("tiny"), cells / "poor", cells / "excellent", tmp_path / "first")
    config = replace(preset("tiny"), init_from=str(first))
    untrained = train(
        config, cells / "poor", cells / "excellent", tmp_path / "second", should_stop=lambda: True
    )
    for directory, start in ((untrained, first), (untrained / "reverse", first / "reverse")):
        a, b = load_file(directory / "generator.safetensors"), load_file(start / "generator.safetensors")
        assert all(torch.equal(a[k], b[k]) for k in a)  # nothing trained yet: the starting weights
    assert json.loads((untrained / "model_card.json").read_text())["training"]["init_from"] == str(first)

    tuned = train(config, cells / "poor", cells / "excellent", tmp_path / "third")
    a, b = load_file(tuned / "generator.safetensors"), load_file(first / "generator.safetensors")
    assert not all(torch.equal(a[k], b[k]) for k in a)


def test_fine_tuning_refuses_a_model_of_another_architecture(cells, tmp_path):
    first = train(preset("tiny"), cells / "poor", cells / "excellent", tmp_path / "first")
    config = replace(preset("tiny"), ngf=8, init_from=str(first))
    with pytest.raises(ValueError, match="cannot fine-tune from"):
        train(config, cells / "poor", cells / "excellent", tmp_path / "second")


def test_the_cli_fine_tunes_from_a_model_and_refuses_another_architecture(cells, tmp_path, capsys):
    from enhancer.cli import main

    start = train(preset("tiny"), cells / "poor", cells / "excellent", tmp_path / "start")
    common = ["train", "--poor", str(cells / "poor"), "--excellent", str(cells / "excellent"), "--preset", "tiny",
              "--init-from", str(start), "--max-minutes", "0"]  # fmt: skip
    assert main([*common, "-o", str(tmp_path / "tuned")]) == 0
    card = json.loads((tmp_path / "tuned" / "model" / "model_card.json").read_text())
    assert card["training"]["init_from"] == str(start)
    assert main([*common, "-o", str(tmp_path / "wide"), "--set", "ngf=8"]) == 2
    assert "cannot fine-tune from" in capsys.readouterr().err
