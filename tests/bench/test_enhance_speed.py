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


def test_each_number_of_cells_per_pass_is_timed_on_the_same_cells():
    made = synthesize("46,XY", seed=4, quality="poor", severity="mild", width=700, height=600)
    inputs = np.stack(list(slice_cells(made.image / 255.0).inputs.values())[:6])
    enhancer = Enhancer(device="cpu")
    passes = []
    enhancer.generator.register_forward_hook(lambda module, args, out: passes.append(args[0].shape[0]))
    seconds = enhance_speed.chunk_seconds(enhancer, inputs, repeats=1)
    assert list(seconds) == [1, 4, 6] and all(value > 0 for value in seconds.values())
    assert passes == [1] + [1] * 6 + [4, 2] + [6]  # warm-up, then each size over all six cells
