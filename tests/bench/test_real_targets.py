"""bench/real_targets.py: the filters it measures do what their rows say."""

import numpy as np

from bench import real_targets
from enhancer.metrics import background_and_threshold
from enhancer.synthetic import synthesize


def test_darkness_gain_deepens_only_what_is_darker_than_the_chromosome_threshold():
    grey = synthesize(seed=11, width=500, height=400).image / 255.0
    _, threshold = background_and_threshold(grey, 1.0)
    deeper = real_targets.darkness_gain(1.3)(grey)

    light = grey >= threshold
    assert np.array_equal(deeper[light], grey[light])  # background and outline stay where they were
    dark = ~light & (grey > 0.3 * threshold)  # not clipped at black
    assert np.allclose(threshold - deeper[dark], 1.3 * (threshold - grey[dark]))


def test_band_gain_scales_the_sigma_residual():
    rng = np.random.default_rng(3)
    grey = np.clip(0.5 + 0.1 * rng.standard_normal((64, 64)), 0, 1)
    same = real_targets.band_gain(1.0)(grey)
    stronger = real_targets.band_gain(1.2)(grey)
    assert np.allclose(same, grey)
    assert np.abs(stronger - 0.5).mean() > np.abs(grey - 0.5).mean()
