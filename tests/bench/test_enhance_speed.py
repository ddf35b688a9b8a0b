"""bench/enhance_speed.py: each step after the network is timed on one karyogram's cells, the staining
depth where it has a gain to search."""

import numpy as np

from bench import enhance_speed
from enhancer.cells import slice_cells
from enhancer.inference import Enhancer
from enhancer.synthetic import synthesize


def test_every_step_after_the_network_is_timed():
    made = synthesize("46,XY", seed=4, quality="poor", severity="mild", width=700, height=600)
    inputs = np.stack(list(slice_cells(made.image / 255.0).inputs.values())[:4])
    seconds = enhance_speed.post_step_seconds(Enhancer(device="cpu"), inputs, repeats=1)
    assert list(seconds) == ["band sharpening", "contrast lift", "kept background", "staining depth"]
    assert all(value > 0 for value in seconds.values())
