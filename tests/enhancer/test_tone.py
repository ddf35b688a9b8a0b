import numpy as np
import pytest
from scipy import ndimage as ndi

from enhancer.black_limit import MAX_NEW_BLACK, black_share
from enhancer.metrics import background_and_threshold, chromosome_mask
from enhancer.tone import ContrastLift, excellent_contrast, lift_contrast, local_contrast


def pair_cell(depth: float, other_depth: float | None = None) -> np.ndarray:
    """A 256-px cell: two upright homologs with the same ten G-bands, stained `depth` (the right one
    `other_depth`) deep below a 0.95 background (pale staining: small depth), softly outlined."""
    cell = np.full((256, 256), 0.95)
    pattern = 0.7 + 0.3 * np.sign(np.sin(np.arange(60, 200) / 7.0))
    for x0, d in ((80, depth), (150, other_depth or depth)):
        cell[60:200, x0 : x0 + 26] = (0.95 - d * pattern)[:, None]
    return ndi.gaussian_filter(cell, 1.5)


def contrast_of(cell: np.ndarray, reference: np.ndarray) -> float:
    _, threshold = background_and_threshold(reference)
    return local_contrast(cell, chromosome_mask(reference, threshold))


def test_a_pale_cell_is_lifted_by_the_cards_gain_and_never_past_it():
    pale = pair_cell(0.35)
    before = contrast_of(pale, pale)
    out = lift_contrast(pale, pale, ContrastLift(target_contrast=1.0, max_gain=1.2))
    assert contrast_of(out, pale) == pytest.approx(1.2 * before, rel=0.02)


def test_the_lift_stops_at_the_excellent_level():
    pale, deep = pair_cell(0.5), pair_cell(0.6)
    level = 0.97 * excellent_contrast([deep])
    out = lift_contrast(pale, pale, ContrastLift(target_contrast=level, max_gain=5.0))
    assert contrast_of(pale, pale) < contrast_of(out, pale) == pytest.approx(0.95 * level, rel=0.02)
    assert np.array_equal(lift_contrast(deep, deep, ContrastLift(target_contrast=level)), deep)


def test_a_floor_lifts_a_cell_already_at_the_excellent_level_by_its_gain():
    deep = pair_cell(0.5)
    level = excellent_contrast([deep])
    floored = lift_contrast(deep, deep, ContrastLift(target_contrast=level, min_gain=1.2))
    assert contrast_of(floored, deep) == pytest.approx(1.2 * contrast_of(deep, deep), rel=0.02)
    pale = pair_cell(0.2)  # far below the excellent level: the floor asks for less than the card's lift
    plain, with_floor = ContrastLift(target_contrast=level), ContrastLift(target_contrast=level, min_gain=1.2)
    assert np.array_equal(lift_contrast(pale, pale, plain), lift_contrast(pale, pale, with_floor))


def test_the_curve_keeps_outline_background_tone_order_and_homologs_alike():
    pale = pair_cell(0.4, other_depth=0.3)
    out = lift_contrast(pale, pale, ContrastLift(target_contrast=1.0, max_gain=10.0))
    _, threshold = background_and_threshold(pale)
    assert np.all(out <= pale) and out.min() > 0 and not np.array_equal(out, pale)
    assert np.array_equal(out[pale >= threshold], pale[pale >= threshold])  # background and outline
    assert np.array_equal(chromosome_mask(out, threshold), chromosome_mask(pale, threshold))
    column = slice(60, 200), 93  # the middle of the left homolog: one monotone curve keeps tone order
    order = np.argsort(pale[column], kind="stable")  # (to within what the curve's smoothed copy blurs)
    assert np.all(np.diff(out[column][order]) >= -1e-4)
    left, right = (out[60:200, x : x + 26].mean(axis=1) for x in (80, 150))
    before = np.corrcoef(pale[60:200, 80:106].mean(axis=1), pale[60:200, 150:176].mean(axis=1))[0, 1]
    assert np.corrcoef(left, right)[0, 1] >= before - 1e-3


def test_pixels_the_input_shows_as_background_are_left_as_the_output_has_them():
    pale = pair_cell(0.35)
    _, threshold = background_and_threshold(pale)
    mask = chromosome_mask(pale, threshold)
    fringe = ndi.binary_dilation(mask, iterations=3) & ~mask
    darker = np.where(fringe, pale - 0.3, pale)  # an output that darkened a fringe outside the outline
    out = lift_contrast(darker, pale, ContrastLift(target_contrast=1.0, max_gain=1.3))
    assert np.array_equal(out[~mask], darker[~mask]) and not np.array_equal(out[mask], darker[mask])


def test_the_strength_never_exceeds_the_cards_maximum():
    pale = pair_cell(0.2)
    gentle = lift_contrast(pale, pale, ContrastLift(target_contrast=1.0, max_gain=10.0, max_strength=0.5))
    strong = lift_contrast(pale, pale, ContrastLift(target_contrast=1.0, max_gain=10.0, max_strength=1.0))
    assert np.abs(strong - pale).max() == pytest.approx(2 * np.abs(gentle - pale).max(), rel=0.01)


def test_other_data_ranges_and_dtypes_give_the_same_lift():
    pale = pair_cell(0.35)
    settings = ContrastLift(target_contrast=1.0, max_gain=1.3)
    unit = lift_contrast(pale.astype(np.float32), pale.astype(np.float32), settings)
    scaled = lift_contrast(pale * 255, pale * 255, settings, data_range=255)
    assert unit.dtype == np.float32 and np.allclose(scaled / 255, unit, atol=1e-5)
    as_bytes = np.round(pair_cell(0.6) * 255).astype(np.uint8)
    assert excellent_contrast([as_bytes], data_range=255) == pytest.approx(
        excellent_contrast([as_bytes / 255.0]), rel=1e-6
    )


def test_a_cell_without_chromosomes_is_left_alone():
    blank = np.full((256, 256), 0.9)
    assert np.array_equal(lift_contrast(blank, blank, ContrastLift(target_contrast=1.0)), blank)
    with pytest.raises(ValueError, match="no chromosome"):
        excellent_contrast([blank])


def test_cards_without_the_entry_ask_for_nothing_and_bad_entries_are_refused():
    assert ContrastLift.from_card({"preset": "paper"}) is None
    settings = ContrastLift(target_contrast=0.09)
    assert ContrastLift.from_card({"contrast_lift": settings.to_json()}) == settings
    with pytest.raises(ValueError, match="contrast_lift.max_strength must be a number above 0 and at most 1"):
        ContrastLift(target_contrast=0.09, max_strength=1.5)
    with pytest.raises(ValueError, match="contrast_lift.target_contrast"):
        ContrastLift(target_contrast="0.09")
    with pytest.raises(ValueError, match="contrast_lift.max_gain"):
        ContrastLift(target_contrast=0.09, max_gain=-1)
    assert ContrastLift.from_card({"contrast_lift": {"target_contrast": 0.09}}).min_gain is None  # no floor
    assert "min_gain" not in settings.to_json()  # cards without a floor keep the format older releases read
    floored = ContrastLift(target_contrast=0.09, min_gain=1.2)
    assert ContrastLift.from_card({"contrast_lift": floored.to_json()}) == floored
    with pytest.raises(ValueError, match="contrast_lift.min_gain must be a number above 0"):
        ContrastLift(target_contrast=0.09, min_gain=0)
    with pytest.raises(ValueError, match=r"min_gain \(1.6\) must not exceed max_gain \(1.5\)"):
        ContrastLift(target_contrast=0.09, min_gain=1.6)
    with pytest.raises(TypeError):
        ContrastLift(max_gain=1.2)  # no target


def test_a_cell_with_bands_near_black_is_lifted_no_further_than_turns_a_fiftieth_of_it_black(monkeypatch):
    dark = pair_cell(0.8)  # its dark bands near black: the curve flattens there and would crush them
    background, threshold = background_and_threshold(dark)
    mask = chromosome_mask(dark, threshold)
    settings = ContrastLift(target_contrast=1.0, max_gain=1.5)
    out = lift_contrast(dark, dark, settings)
    assert black_share(dark, mask, background) == 0 and black_share(out, mask, background) <= MAX_NEW_BLACK
    assert contrast_of(dark, dark) < contrast_of(out, dark)  # still lifted, less
    monkeypatch.setattr("enhancer.black_limit.MAX_NEW_BLACK", 1.0)  # unlimited, a quarter of it turns black
    assert black_share(lift_contrast(dark, dark, settings), mask, background) > 0.2
