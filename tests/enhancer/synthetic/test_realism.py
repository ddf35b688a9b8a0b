import numpy as np
import pytest

from enhancer.synthetic import synthesize
from enhancer.synthetic.realism import (
    STATISTICS,
    chromosome_crops,
    compare,
    crop_statistics,
    two_sample_accuracy,
)


@pytest.fixture(scope="module")
def crops():
    return chromosome_crops(synthesize("46,XY", seed=2).image / 255.0)


def test_crops_are_cut_upright_without_labels_or_underlines(crops):
    assert 40 <= len(crops) <= 46  # labels and underlines are not chromosomes
    for crop in crops:
        rows, cols = np.nonzero(crop.mask)
        assert np.ptp(rows) >= np.ptp(cols)  # major axis vertical
        assert set(crop_statistics(crop)) == set(STATISTICS)


def test_two_sample_test_is_at_chance_for_one_distribution_and_high_for_two():
    rng = np.random.default_rng(0)
    same, _ = two_sample_accuracy(rng.normal(size=(60, 5)), rng.normal(size=(60, 5)))
    apart, _ = two_sample_accuracy(rng.normal(size=(60, 5)), rng.normal(1.5, 1, size=(60, 5)))
    assert same < 0.7 and apart > 0.85


def test_compare_tells_crops_from_paler_copies(crops):
    paler = [type(c)(c.darkness * 0.5, c.mask) for c in crops]
    result = compare(crops, paler)
    assert result["classifier_statistics"] > 0.8
    assert result["mean_darkness_synthetic"] < result["mean_darkness_real"]
