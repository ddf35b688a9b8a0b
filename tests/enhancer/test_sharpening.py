import numpy as np
import pytest
from scipy import ndimage as ndi

from enhancer.metrics import chromosome_mask, chromosome_threshold, mask_iou
from enhancer.segmentation import background_level
from enhancer.sharpening import BandSharpening, band_detail, excellent_detail, sharpen_bands


def banded_cell(blur: float) -> np.ndarray:
    """A 256-px cell: an upright chromosome with ten G-bands on a flat background, blurred by `blur` px."""
    cell = np.full((256, 256), 0.95)
    rows = np.arange(60, 200)
    cell[60:200, 110:140] = (0.45 + 0.2 * np.sign(np.sin(rows / 7.0)))[:, None]
    return ndi.gaussian_filter(cell, blur) if blur else cell


def detail_of(cell: np.ndarray, reference: np.ndarray) -> float:
    background = background_level(reference)
    mask = chromosome_mask(reference, chromosome_threshold(reference, background))
    return band_detail(cell, mask, background)


def test_a_soft_cell_is_sharpened_toward_the_excellent_detail_and_never_past_it():
    sharp, soft = banded_cell(1.5), banded_cell(2.5)
    target, before = detail_of(sharp, sharp), detail_of(soft, soft)
    assert before < 0.8 * target
    settings = BandSharpening(target_detail=target, max_amount=10.0)
    out = sharpen_bands(soft, soft, settings)
    assert before + 0.25 * (target - before) < detail_of(out, soft) <= target
    assert np.array_equal(sharpen_bands(sharp, sharp, settings), sharp)  # as detailed already: untouched


def test_sharpening_keeps_the_outline_and_the_background():
    soft = banded_cell(3.0)
    out = sharpen_bands(soft, soft, BandSharpening(target_detail=1.0, max_amount=1.0))
    background = background_level(soft)
    threshold = chromosome_threshold(soft, background)
    mask = chromosome_mask(soft, threshold)
    assert mask_iou(chromosome_mask(out, threshold), mask) > 0.98
    outline = mask & ~ndi.binary_erosion(mask)
    assert np.array_equal(out[~mask], soft[~mask]) and np.array_equal(out[outline], soft[outline])
    assert detail_of(out, soft) > 1.3 * detail_of(soft, soft)


def test_the_amount_never_exceeds_the_cards_maximum():
    soft = banded_cell(3.0)
    gentle = sharpen_bands(soft, soft, BandSharpening(target_detail=1.0, max_amount=0.5))
    strong = sharpen_bands(soft, soft, BandSharpening(target_detail=1.0, max_amount=1.0))
    assert np.abs(strong - soft).max() == pytest.approx(2 * np.abs(gentle - soft).max(), rel=0.01)


def test_a_cell_without_chromosomes_is_left_alone():
    blank = np.full((256, 256), 0.9)
    assert np.array_equal(sharpen_bands(blank, blank, BandSharpening(target_detail=1.0)), blank)
    with pytest.raises(ValueError, match="no chromosome"):
        excellent_detail([blank])


def test_the_target_is_the_median_detail_of_excellent_cells_and_cards_without_it_ask_for_nothing():
    cells = [banded_cell(b) for b in (0.7, 1.5, 3.0)]
    assert excellent_detail(cells) == pytest.approx(detail_of(cells[1], cells[1]))
    assert BandSharpening.from_card({"preset": "paper"}) is None
    settings = BandSharpening(target_detail=0.05)
    assert BandSharpening.from_card({"band_sharpening": settings.to_json()}) == settings


@pytest.mark.parametrize(
    "settings", [{"target_detail": "0.05"}, {"target_detail": 0.05, "max_amount": -1}, {}]
)
def test_a_card_with_malformed_sharpening_settings_is_refused(settings):
    with pytest.raises((ValueError, TypeError)):
        BandSharpening(**settings)
