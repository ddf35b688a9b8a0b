import numpy as np
import pytest

from enhancer.baselines import BASELINES, classical_pipeline, noise_sigma, tune_classical
from enhancer.metrics import cell_metrics, ssim_map


def _cell(length: int = 120, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """An upright banded chromosome on a white 256×256 cell."""
    image = np.full((256, 256), 0.95, np.float32)
    bands = 0.45 + 0.25 * np.sin(np.arange(length) / 4.0)
    image[60:60 + length, 110:140] = bands[:, None]
    return np.clip(image + np.random.default_rng(seed).normal(0, noise, image.shape), 0, 1).astype(np.float32)


def test_identical_cells_score_perfectly():
    gt = _cell()
    m = cell_metrics(gt, gt.copy(), background=0.95)
    assert m["psnr"] == np.inf and m["ssim"] == pytest.approx(1) and m["ssim_fg"] == pytest.approx(1)
    assert m["band_corr"] == pytest.approx(1) and m["length_ratio"] == 1 and m["mask_iou"] == 1


def test_psnr_uses_the_explicit_data_range():
    gt = _cell()
    assert cell_metrics(gt, gt - 0.1, background=0.95)["psnr"] == pytest.approx(20.0, abs=0.01)


def test_shortening_and_flat_bands_are_measured():
    gt = _cell(120)
    short = cell_metrics(gt, _cell(100), background=0.95)
    assert 0.8 < short["length_ratio"] < 0.9 and short["mask_iou"] < 0.9
    flat = gt.copy()
    flat[60:180, 110:140] = 0.45
    assert cell_metrics(gt, flat, background=0.95)["band_corr"] < 0.2


def test_noise_does_not_fake_length():
    gt = _cell()
    noisy = _cell(noise=0.03, seed=1)
    assert abs(cell_metrics(gt, noisy, background=0.95)["length_ratio"] - 1) < 0.05


def test_foreground_ssim_ignores_the_background():
    gt = _cell()
    y = gt.copy()
    y[:40] = 0.5  # damage only background far from the chromosome
    m = cell_metrics(gt, y, background=0.95)
    assert m["ssim_fg"] == pytest.approx(1) and m["ssim"] < 0.95


def test_baselines_keep_shape_and_range_and_nlm_denoises():
    noisy = _cell(noise=0.05, seed=2)
    assert noise_sigma(noisy) == pytest.approx(0.05, rel=0.3)
    for method in BASELINES.values():
        out = method(noisy)
        assert out.shape == noisy.shape and 0 <= out.min() and out.max() <= 1
    clean = _cell()
    assert np.abs(BASELINES["nlm"](noisy) - clean).mean() < np.abs(noisy - clean).mean()


def test_classical_pipeline_is_tuned_on_validation_cells():
    pairs = [(_cell(noise=0.04, seed=s), _cell()) for s in range(3)]
    method, params = tune_classical(pairs, lambda gt, y: float(ssim_map(gt, y)[0]))
    assert set(params) == {"nlm_strength", "low", "high", "amount"}
    assert np.allclose(method(pairs[0][0]), classical_pipeline(pairs[0][0], **params))
