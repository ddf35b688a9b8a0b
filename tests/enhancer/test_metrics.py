import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage as ndi

from enhancer.baselines import (
    BASELINES,
    DENOISE_SIGMAS,
    TwoSteps,
    classical_pipeline,
    identity,
    nlm,
    stretch_and_sharpen,
    tune,
    tuned_baselines,
)
from enhancer.io import read_karyogram
from enhancer.metrics import (
    KaryogramReference,
    background_and_threshold,
    band_agreement,
    band_contrast,
    cell_metrics,
    chromosome_mask,
    grid_ratio,
    homolog_axes,
    homolog_correlation,
    length_ratio,
    mask_iou,
    medial_axes,
    ssim_map,
)
from enhancer.slicing import slice_karyogram
from enhancer.synthetic import synthesize
from tests.enhancer.conftest import REAL_KARYOGRAMS, real_karyogram


def _cell(length: int = 120, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """An upright banded chromosome on a white 256×256 cell."""
    image = np.full((256, 256), 0.95, np.float32)
    bands = 0.45 + 0.25 * np.sin(np.arange(length) / 4.0)
    image[60 : 60 + length, 110:140] = bands[:, None]
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


_CLASSICAL = {"nlm_sigma": 0.02, "low": 0.5, "high": 99.5, "amount": 0.3}


def _ssim(gt: np.ndarray, y: np.ndarray) -> float:
    return float(ssim_map(gt, y)[0])


def test_baselines_keep_shape_and_range_and_nlm_denoises():
    noisy = _cell(noise=0.05, seed=2)
    methods = {**BASELINES, **{name: method for name, (method, _) in tuned_baselines().items()}}
    for name, method in methods.items():
        out = method(noisy, **_CLASSICAL) if name == "classical_best" else method(noisy)
        assert out.shape == noisy.shape and 0 <= out.min() and out.max() <= 1
    clean = _cell()
    assert np.abs(nlm(noisy, sigma=0.05) - clean).mean() < 0.7 * np.abs(noisy - clean).mean()


def test_tune_picks_the_setting_that_scores_best_on_validation_cells():
    pairs = [(_cell(noise=0.05, seed=s), _cell()) for s in range(3)]
    method, params = tune(nlm, {"sigma": DENOISE_SIGMAS}, pairs, _ssim)
    assert params["sigma"] >= 0.02  # noise of 0.05 is not left in by the weakest settings
    assert np.allclose(method(pairs[0][0]), nlm(pairs[0][0], **params))
    _, clean_params = tune(nlm, {"sigma": DENOISE_SIGMAS}, [(_cell(), _cell())], _ssim)
    assert clean_params["sigma"] == min(DENOISE_SIGMAS)  # nothing to remove: the lightest touch wins


def test_classical_pipeline_is_tuned_on_validation_cells():
    pairs = [(_cell(noise=0.04, seed=s), _cell()) for s in range(3)]
    method, grid = tuned_baselines()["classical_best"]
    tuned, params = tune(method, grid, pairs, _ssim)
    assert set(params) == {"nlm_sigma", "low", "high", "amount"}
    assert np.allclose(tuned(pairs[0][0]), classical_pipeline(pairs[0][0], **params))


def test_a_two_step_method_runs_its_slow_step_once_per_own_setting_and_tunes_as_the_whole():
    """The classical pipeline's NLM ran once per setting of the whole 48-point grid: most of `evaluate`'s time."""
    pairs = [(_cell(noise=0.04, seed=s), _cell()) for s in range(2)]
    grid = {"nlm_sigma": (0.01, 0.04), "low": (0.5, 2.0), "high": (99.5, 100.0), "amount": (0.3, 0.7)}
    calls = []

    def counted_nlm(x, sigma):
        calls.append(sigma)
        return nlm(x, sigma)

    def whole(x, nlm_sigma, low, high, amount):
        return stretch_and_sharpen(nlm(x, nlm_sigma), low, high, amount)

    shared = {}
    pipeline = TwoSteps(counted_nlm, {"nlm_sigma": "sigma"}, stretch_and_sharpen)
    _, params = tune(pipeline, grid, pairs, _ssim, shared)
    assert sorted(calls) == [0.01, 0.01, 0.04, 0.04]  # 2 settings × 2 cells, not 16 × 2
    assert params == tune(whole, grid, pairs, _ssim)[1]
    calls.clear()  # the denoiser alone, tuned on the same cells, reuses the pipeline's first step
    tune(TwoSteps(counted_nlm, {"sigma": "sigma"}, identity), {"sigma": (0.01, 0.04)}, pairs, _ssim, shared)
    assert calls == []
    with pytest.raises(ValueError, match="other validation cells"):  # outputs of other cells are never reused
        tune(pipeline, grid, list(pairs), _ssim, shared)


def _bent(radius: float = 150.0, half_width: float = 10.0) -> np.ndarray:
    """The mask of a chromosome bent along an arc, with rounded tips."""
    centre_line = np.zeros((256, 256), bool)
    angle = np.linspace(-0.6, 0.6, 3000)
    centre_line[
        np.rint(128 + radius * np.sin(angle)).astype(int), np.rint(20 + radius * np.cos(angle)).astype(int)
    ] = 1
    return ndi.distance_transform_edt(~centre_line) <= half_width


def test_length_follows_the_medial_axis_of_bent_chromosomes():
    true_length = 150.0 * 1.2 + 2 * 10  # arc plus the two rounded tips
    (axis,) = medial_axes(_bent())
    assert axis.length == pytest.approx(true_length, rel=0.02)
    homologs = _bent() | np.roll(_bent(), 60, axis=1)
    assert [a.length for a in medial_axes(homologs)] == pytest.approx([true_length] * 2, rel=0.02)


def test_touching_chromosomes_keep_their_own_lengths():
    """Two chromosomes whose outlines blur joined are still two of their own lengths (one merged
    object's medial axis would say about half); a shortened one still reads shorter."""
    pair = np.zeros((256, 256), bool)
    pair[40:200, 100:120] = pair[40:200, 126:146] = True
    joined = pair.copy()
    joined[90:150, 120:126] = True  # the gap filled along a third of their length
    assert len(medial_axes(pair)) == 2 and len(medial_axes(joined)) == 1
    assert length_ratio(pair, joined) == pytest.approx(1.0, abs=0.01)
    shortened = pair.copy()
    shortened[40:70] = False
    assert length_ratio(pair, shortened) == pytest.approx(130 / 160, abs=0.03)


def test_chromosomes_in_line_keep_their_own_lengths():
    """Two 60-px chromosomes end to end with a 6-px gap (or one cut at a pale band): a neighbour past a
    tip is not length, a blur join adds only the bridge, and a shortened tip reads as shortened."""
    pair = np.zeros((256, 256), bool)
    pair[40:100, 110:130] = pair[106:166, 110:130] = True
    assert len(medial_axes(pair)) == 2
    assert length_ratio(pair, pair) == 1
    joined = pair.copy()
    joined[100:106, 110:130] = True
    assert length_ratio(pair, joined) == pytest.approx(1 + 6 / 120, abs=0.02)
    for cut in (slice(40, 52), slice(88, 100)):  # the far tip, the tip facing the neighbour
        shortened = pair.copy()
        shortened[cut] = False
        assert length_ratio(pair, shortened) == pytest.approx(0.9, abs=0.02)


def test_invented_stripes_score_a_worse_false_band_rate_than_blur_or_an_honest_stretch():
    truth = np.full((256, 256), 0.95, np.float32)
    truth[60:190, 110:140] = (0.6 + 0.2 * np.sin(np.arange(130) / 5.0))[:, None]  # 6 broad dark bands
    blurred = ndi.gaussian_filter(truth, 2.0)
    stretched = 0.95 - 1.5 * (0.95 - blurred)  # honest: more contrast, no new structure
    thin = (np.arange(256) % 6 == 0)[:, None] & (blurred < 0.85)
    striped = np.where(thin, blurred - 0.2, blurred)  # thin barcode stripes the truth does not have
    scores = {
        name: cell_metrics(truth, y, background=0.95, model_input=blurred)
        for name, y in (("blurred", blurred), ("stretched", stretched), ("striped", striped))
    }
    assert scores["blurred"]["false_band_rate"] == scores["stretched"]["false_band_rate"] == 0
    assert scores["striped"]["false_band_rate"] > 1.0
    assert scores["striped"]["band_precision"] < 0.5 < scores["stretched"]["band_precision"]
    assert scores["stretched"]["band_recall"] == 1.0


def test_band_agreement_counts_matches_within_the_tolerance():
    x = np.linspace(0, 8 * np.pi, 200)
    reference = 0.5 + 0.1 * np.sin(x)
    shifted = np.roll(reference, 2)  # within the tolerance
    assert band_agreement([reference], [shifted]).precision == 1.0
    extra = reference + 0.2 * (np.arange(200) % 10 == 5)
    agreement = band_agreement([reference], [extra])
    assert agreement.created > 10 and agreement.false_band_rate > 2 and agreement.recall == 1.0


def test_grid_ratio_and_halo_see_the_model_artifacts():
    gt = _cell(noise=0.01, seed=4)
    checker = 0.03 * (np.indices(gt.shape).sum(axis=0) % 2 * 2 - 1)
    assert cell_metrics(gt, gt + checker, background=0.95, model_input=gt)["grid_ratio"] > 3
    assert cell_metrics(gt, ndi.gaussian_filter(gt, 1), background=0.95, model_input=gt)["grid_ratio"] < 0.5
    mask = gt < 0.7
    rim = mask & ~ndi.binary_erosion(mask, iterations=2)
    assert cell_metrics(gt, np.where(rim, 0.85, gt), background=0.95)["halo"] > 0.3


def test_a_karyogram_measured_without_a_reference():
    made = synthesize("46,XY", seed=5, quality="excellent", width=900, height=750)
    grey = made.image.astype(np.float64) / 255
    boxes = [tuple(s["box"]) for s in made.truth["slots"]]
    reference = KaryogramReference(grey, boxes)
    same = reference.measure(grey)
    assert same["mask_iou"] == 1 and same["length_ratio"] == 1 and same["grid_ratio"] == 1
    assert same["homolog_pairs"] >= 15 and same["homolog_corr_after"] == same["homolog_corr_before"] > 0.5
    blurred = reference.measure(ndi.gaussian_filter(grey, 2))
    assert blurred["band_contrast_ratio"] < 0.8 and blurred["grid_ratio"] < 1
    assert blurred["homolog_corr_after"] != blurred["homolog_corr_before"]


def test_a_reference_measured_once_gives_the_figures_of_each_measure_taken_alone():
    made = synthesize("46,XY", seed=6, quality="poor", severity="mild", width=900, height=750)
    grey = made.image.astype(np.float64) / 255
    boxes = [tuple(s["box"]) for s in made.truth["slots"]]
    enhanced = np.clip(grey + 0.5 * (grey - ndi.gaussian_filter(grey, 2)), 0, 1)
    _, threshold = background_and_threshold(grey)
    in_slots = np.zeros(grey.shape, bool)
    for x0, y0, x1, y1 in boxes:
        in_slots[y0:y1, x0:x1] = True
    mask_o, mask_e = (chromosome_mask(image, threshold) & in_slots for image in (grey, enhanced))
    before, after = [], []
    for x0, y0, x1, y1 in boxes:
        slot = mask_o[y0:y1, x0:x1]
        if (pair := homolog_axes(slot)) is not None:
            before.append(homolog_correlation(grey[y0:y1, x0:x1], slot, pair))
            after.append(homolog_correlation(enhanced[y0:y1, x0:x1], slot, pair))
    reference = KaryogramReference(grey, boxes)
    reference.measure(grey)  # a reference that measured one result measures the next as a fresh one does
    for figures in (reference.measure(enhanced), KaryogramReference(grey, boxes).measure(enhanced)):
        assert figures == {
            "mask_iou": mask_iou(mask_o, mask_e),
            "length_ratio": length_ratio(mask_o, mask_e),
            "grid_ratio": grid_ratio(enhanced, grey, mask_o),
            "band_contrast_ratio": band_contrast(enhanced, mask_o) / band_contrast(grey, mask_o),
            "homolog_corr_before": np.mean(before),
            "homolog_corr_after": np.mean(after),
            "homolog_pairs": len(before),
        }


def test_the_karyogram_measure_agrees_in_direction_with_the_outside_check(tmp_path):
    path = real_karyogram("nhgri_46XY_unlabeled_4rows.png")
    tool = REAL_KARYOGRAMS.parents[2] / "tools" / "real_eval.py"
    original = read_karyogram(path)
    grey = original.grey.astype(np.float64)
    boxes = [c.box for c in slice_karyogram(original.grey).cells]
    reference = KaryogramReference(grey, boxes)
    checker = 0.02 * (np.indices(grey.shape).sum(axis=0) % 2 * 2 - 1)
    sharpened = grey + (grey - ndi.gaussian_filter(grey, 2))
    for changed in (ndi.gaussian_filter(grey, 1.5), sharpened, grey + checker):
        out = tmp_path / "changed.png"
        Image.fromarray(np.clip(np.rint(changed * 255), 0, 255).astype(np.uint8)).save(out)
        ours = reference.measure(read_karyogram(out).grey.astype(np.float64))
        theirs = json.loads(
            subprocess.run(
                [sys.executable, str(tool), str(path), str(out)], capture_output=True, text=True, check=True
            ).stdout
        )
        assert np.sign(ours["grid_ratio"] - 1) == np.sign(theirs["grid_artifact_ratio"] - 1)
        assert np.sign(ours["band_contrast_ratio"] - 1) == np.sign(theirs["band_contrast_ratio"] - 1)
        assert (ours["mask_iou"] < 1) == (theirs["mask_iou"] < 1)
