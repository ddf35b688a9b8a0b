import numpy as np
import pytest
from scipy import ndimage as ndi

from enhancer.fidelity import (
    GUARD_STRENGTHS,
    MIN_HOMOLOG_AGREEMENT,
    Verdict,
    capped_strengths,
    edge_sigma,
    guard_cells,
    judge_cell,
)
from enhancer.metrics import background_and_threshold, chromosome_mask, homolog_axes, homolog_correlation

BACKGROUND = 0.95


def _input(seed: int = 0) -> np.ndarray:
    """A blurred, slightly noisy cell with two upright banded homologs (the kind of cell the model gets)."""
    image = np.full((256, 256), BACKGROUND, np.float32)
    bands = 0.55 + 0.2 * np.sin(np.arange(130) / 5.0)
    for x0 in (90, 140):
        image[60:190, x0 : x0 + 26] = bands[:, None]
    image = ndi.gaussian_filter(image, 1.5)
    return np.clip(image + np.random.default_rng(seed).normal(0, 0.01, image.shape), 0, 1).astype(np.float32)


def _checkerboard(amplitude: float) -> np.ndarray:
    return amplitude * (np.indices((256, 256)).sum(axis=0) % 2 * 2 - 1)


def test_identity_and_honest_enhancements_pass_untouched():
    x = _input()
    stretched = BACKGROUND - 1.5 * (BACKGROUND - x)
    smooth = ndi.gaussian_filter(x, 1)  # denoise, then unsharp mask radius 4 amount 1 (the recipe)
    sharpened = smooth + 1.0 * (smooth - ndi.gaussian_filter(smooth, 4))
    for y in (x, stretched, sharpened):
        verdict = judge_cell(x, np.clip(y, 0, 1))
        assert verdict.passed and verdict.strength_cap == 1.0 and verdict.reason == "", verdict


def test_a_changed_outline_is_left_as_original_with_the_reason():
    x = _input()
    fatter = np.minimum(x, ndi.grey_erosion(x, size=(1, 9)))  # every chromosome 8 px wider
    verdict = judge_cell(x, fatter)
    assert verdict.strength_cap == 0.0
    assert verdict.reason.startswith("left as original — the model changed its outline (mask IoU 0.")
    assert verdict.measures["mask_iou"] < 0.9
    assert verdict.describe("7").startswith("cell 7: left as original — the model changed its outline")


def test_invented_stripes_are_named():
    x = _input()
    stripes = (np.arange(256) % 5 == 0)[:, None] & (x < 0.85)
    verdict = judge_cell(x, np.where(stripes, x - 0.25, x).astype(np.float32))
    assert verdict.strength_cap < 1.0 and "bands the original does not show" in verdict.reason
    assert verdict.measures["bands_created"] > 5


def test_a_mild_checkerboard_is_enhanced_at_a_lower_strength():
    x = _input()
    verdict = judge_cell(x, (x + _checkerboard(0.006)).astype(np.float32))
    assert verdict.strength_cap == GUARD_STRENGTHS[1]
    assert verdict.reason.startswith(
        "enhanced at 50% strength — at full strength the model added a checkerboard"
    )
    strong = judge_cell(x, (x + _checkerboard(0.05)).astype(np.float32))
    assert strong.strength_cap == 0.0 and "checkerboard texture" in strong.reason


def test_an_empty_cell_is_left_as_original():
    blank = np.full((256, 256), BACKGROUND, np.float32)
    verdict = judge_cell(blank, blank * 0.5)
    assert verdict.strength_cap == 0.0 and "no chromosome" in verdict.reason


def test_guard_cells_and_capped_strengths():
    x = _input()
    verdicts = guard_cells(
        {"1": x, "2": x}, {"1": x.copy(), "2": (x + _checkerboard(0.05)).astype(np.float32)}
    )
    assert verdicts["1"].passed and verdicts["2"].strength_cap == 0.0
    assert capped_strengths(0.7, verdicts, ["1", "2"]) == {"1": 0.7, "2": 0.0}
    assert capped_strengths({"2": 0.3}, verdicts, ["1", "2", "3"]) == {"1": 1.0, "2": 0.0, "3": 1.0}
    with pytest.raises(ValueError, match="strength for cell 1"):
        capped_strengths(1.5, verdicts, ["1"])


def test_verdicts_survive_json():
    verdict = judge_cell(_input(), (_input() + _checkerboard(0.05)).astype(np.float32))
    assert Verdict.from_json(verdict.to_json()) == verdict


def test_deblurring_an_edge_is_not_read_as_a_new_outline():
    """The sharp truth of a blurred cell crosses the input's threshold elsewhere than the blurred input
    does; blurred back to the input's edge width it has the input's outline (within the tolerance)."""
    truth = np.full((256, 256), BACKGROUND, np.float32)
    for x0 in (90, 140):
        truth[60:190, x0 : x0 + 20] = 0.45
    blurred = ndi.gaussian_filter(truth, 3.0)
    x = np.clip(blurred + np.random.default_rng(1).normal(0, 0.01, truth.shape), 0, 1).astype(np.float32)
    verdict = judge_cell(x, truth)
    assert verdict.passed, verdict
    fatter = np.minimum(x, ndi.grey_erosion(x, size=(1, 9)))  # as sharp as the input, but wider
    assert "changed its outline" in judge_cell(x, fatter).reason


def test_edge_width_is_measured_as_the_blur_of_a_step():
    step = np.full((128, 128), BACKGROUND, np.float32)
    step[20:108, 40:90] = 0.4
    mask = step < 0.8
    for sigma in (1.5, 3.0):
        assert edge_sigma(ndi.gaussian_filter(step, sigma), mask, BACKGROUND) == pytest.approx(
            sigma, rel=0.25
        )


def test_an_outline_moved_by_a_pixel_passes_and_by_three_does_not():
    x = _input()
    for width, passes in ((3, True), (7, False)):  # 1 and 3 px wider on each side
        wider = np.minimum(x, ndi.grey_erosion(x, size=(1, width)))
        assert judge_cell(x, wider).passed is passes


def test_homologs_made_less_alike_are_named_and_mild_changes_pass():
    """One homolog darkened at the top and paled at the bottom: no band is added or lost and the
    outline holds, yet the pair no longer reads alike."""
    x = _input()
    ramp = np.zeros_like(x)
    ramp[40:210, 130:180] = np.linspace(1, -1, 170)[:, None]  # the right homolog only
    for amount, cap in ((0.3, 1.0), (0.7, GUARD_STRENGTHS[1])):
        verdict = judge_cell(x, np.clip(BACKGROUND - (BACKGROUND - x) * (1 + amount * ramp), 0, 1))
        assert verdict.measures["bands_created"] == verdict.measures["bands_erased"] == 0
        assert verdict.measures["input_homolog_corr"] > 0.99
        assert verdict.strength_cap == cap, verdict
    assert "its two homologs' bands less alike (r 1.000 → 0.6" in verdict.reason


def test_homologs_that_never_agreed_are_not_judged():
    x = _input()
    x[60:190, 140:166] = x[60:190, 140:166][::-1]  # the bands of one homolog upside down
    mask = chromosome_mask(x, background_and_threshold(x)[1])
    pair = homolog_axes(mask)
    assert pair is not None and homolog_correlation(x, mask, pair) < MIN_HOMOLOG_AGREEMENT
    scrambled = x.copy()
    scrambled[60:190, 140:166] = np.roll(x[60:190, 140:166], 20, axis=0)
    assert "homolog_corr" not in judge_cell(x, scrambled).measures


def test_a_cell_with_one_chromosome_is_judged_without_homologs():
    x = _input()
    x[:, 135:] = BACKGROUND
    verdict = judge_cell(x, x.copy())
    assert verdict.passed and "homolog_corr" not in verdict.measures and verdict.measures["mask_iou"] == 1
