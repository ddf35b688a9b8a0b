import numpy as np
import pytest
from scipy import ndimage as ndi

from enhancer.synthetic import synthesize, synthesize_pair
from enhancer.synthetic.degrade import (
    FAMILIES,
    HELD_OUT_FAMILY,
    TRAINING_FAMILIES,
    chromosome_width,
    degrade,
    draw_degradation,
)


def _rod(width: int = 16, length: int = 80, background: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """A banded upright rod on a plain background, and its mask."""
    mask = np.zeros((length + 40, width + 40), bool)
    mask[20:-20, 20:-20] = True
    bands = 0.5 + 0.4 * np.sign(np.sin(np.arange(mask.shape[0]) / 4))[:, None]
    return np.where(mask, background * (1 - 0.8 * bands), background), mask


def test_held_out_family_is_named_and_kept_out_of_training():
    assert HELD_OUT_FAMILY in FAMILIES and HELD_OUT_FAMILY not in TRAINING_FAMILIES
    assert set(TRAINING_FAMILIES) | {HELD_OUT_FAMILY} == set(FAMILIES)
    drawn = {
        synthesize("46,XY", seed=s, quality="poor", width=300, height=300).truth["degradation"]["family"]
        for s in range(12)
    }
    assert HELD_OUT_FAMILY not in drawn and len(drawn) >= 3
    held = synthesize_pair("46,XY", seed=1, family=HELD_OUT_FAMILY, width=300, height=300)[1]
    assert held.truth["degradation"]["family"] == HELD_OUT_FAMILY


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_degrades_a_crop_and_keeps_its_range_shape_and_background(family):
    grey, mask = _rod(background=0.82)  # like the light-grey background of real single crops
    out, params = degrade(255 * grey, mask, family, "severe", seed=3, data_range=255)
    assert out.shape == grey.shape and 0 <= out.min() and out.max() <= 255
    assert params.family == family and params.severity == pytest.approx(0.9)
    assert np.abs(out - 255 * grey).mean() > 1  # something happened
    far = ~ndi.binary_dilation(mask, iterations=12)
    # background removal keeps its level (white would be 255); uneven illumination moves it up to ~10 %
    assert np.median(out[far]) == pytest.approx(255 * 0.82, rel=0.12)
    again, _ = degrade(255 * grey, mask, family, "severe", seed=3, data_range=255)
    assert np.array_equal(out, again)


def test_severity_orders_the_damage():
    grey, mask = _rod()
    errors = [
        np.abs(degrade(grey, mask, "defocus", s, seed=0)[0] - grey)[mask].mean() for s in (0.1, 0.5, 1.0)
    ]
    assert errors[0] < errors[1] < errors[2]


def test_defocus_scales_with_the_chromosome_width():
    """The same family means the same thing at any resolution: blur is in chromosome widths."""
    _small, small_mask = _rod(width=12)
    assert chromosome_width(small_mask) == pytest.approx(12, abs=1.5)
    assert draw_degradation("defocus", 0.5, np.random.default_rng(0)).psf_sigma < 0.5


def test_bad_arguments_are_refused():
    grey, mask = _rod()
    with pytest.raises(ValueError, match="family"):
        degrade(grey, mask, "smudge", "mild")
    with pytest.raises(ValueError, match="severity"):
        degrade(grey, mask, "defocus", 1.5)
    with pytest.raises(ValueError, match="shape"):
        degrade(grey, mask[1:], "defocus", 0.5)
