import numpy as np
import pytest
from scipy import ndimage as ndi

from enhancer.metrics import background_and_threshold, chromosome_mask
from enhancer.tone import ContrastLift, excellent_contrast, lift_contrast, local_contrast


def pair_cell(depth: float) -> np.ndarray:
    """A 256-px cell: two upright homologs with the same ten G-bands, stained `depth` deep below a
    0.95 background (pale staining: small depth), softly outlined."""
    cell = np.full((256, 256), 0.95)
    rows = np.arange(60, 200)
    darkness = depth * (0.7 + 0.3 * np.sign(np.sin(rows / 7.0)))
    for x0 in (80, 150):
        cell[60:200, x0 : x0 + 26] = (0.95 - darkness)[:, None]
    return ndi.gaussian_filter(cell, 1.5)


def contrast_of(cell: np.ndarray, reference: np.ndarray) -> float:
    _, threshold = background_and_threshold(reference)
    return local_contrast(cell, chromosome_mask(reference, threshold))


def test_a_pale_cell_is_lifted_by_the_cards_gain_and_never_past_it():
    pale = pair_cell(0.35)
    before = contrast_of(pale, pale)
    out = lift_contrast(pale, pale, ContrastLift(target_contrast=1.0, max_gain=1.25))
    assert contrast_of(out, pale) == pytest.approx(1.25 * before, rel=0.02)


def test_the_lift_stops_at_the_excellent_level():
    pale, deep = pair_cell(0.35), pair_cell(0.6)
    level = excellent_contrast([deep])
    out = lift_contrast(pale, pale, ContrastLift(target_contrast=level, max_gain=5.0, max_strength=10.0))
    assert contrast_of(pale, pale) < contrast_of(out, pale) == pytest.approx(0.95 * level, rel=0.02)
    assert np.array_equal(lift_contrast(deep, deep, ContrastLift(target_contrast=level)), deep)


def test_the_lift_darkens_mid_tones_only_and_keeps_outline_background_and_homologs():
    pale = pair_cell(0.35)
    out = lift_contrast(pale, pale, ContrastLift(target_contrast=1.0, max_gain=1.25))
    _, threshold = background_and_threshold(pale)
    mask = chromosome_mask(pale, threshold)
    assert np.all(out <= pale) and not np.array_equal(out, pale)
    assert np.array_equal(out[pale >= threshold], pale[pale >= threshold])  # background and outline
    assert np.array_equal(chromosome_mask(out, threshold), mask)
    left, right = out[60:200, 80:106].mean(axis=1), out[60:200, 150:176].mean(axis=1)
    assert np.corrcoef(left, right)[0, 1] > 0.999  # both homologs under the same curve


def test_the_strength_never_exceeds_the_cards_maximum():
    pale = pair_cell(0.2)
    gentle = lift_contrast(pale, pale, ContrastLift(target_contrast=1.0, max_gain=10.0, max_strength=0.5))
    strong = lift_contrast(pale, pale, ContrastLift(target_contrast=1.0, max_gain=10.0, max_strength=1.0))
    assert np.abs(strong - pale).max() == pytest.approx(2 * np.abs(gentle - pale).max(), rel=0.01)


def test_a_cell_without_chromosomes_is_left_alone():
    blank = np.full((256, 256), 0.9)
    assert np.array_equal(lift_contrast(blank, blank, ContrastLift(target_contrast=1.0)), blank)
    with pytest.raises(ValueError, match="no chromosome"):
        excellent_contrast([blank])


def test_cards_without_the_entry_ask_for_nothing_and_bad_entries_are_refused():
    assert ContrastLift.from_card({"preset": "paper"}) is None
    settings = ContrastLift(target_contrast=0.09)
    assert ContrastLift.from_card({"contrast_lift": settings.to_json()}) == settings
    for bad in ({"target_contrast": "0.09"}, {"target_contrast": 0.09, "max_gain": -1}, {}):
        with pytest.raises((ValueError, TypeError)):
            ContrastLift.from_card({"contrast_lift": bad} if bad else {"contrast_lift": {"max_gain": 1.2}})
