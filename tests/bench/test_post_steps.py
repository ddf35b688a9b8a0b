"""bench/post_steps.py: the steps after one network added one at a time ("+ staining depth" being the
product), then the product with a contrast-lift floor."""

import argparse
import copy

import numpy as np

from bench import post_steps
from enhancer.cli import main as enhancer_cli
from enhancer.inference import Enhancer
from enhancer.model.runtime import run_generator
from enhancer.staining import StainingDepth, karyogram_darkness


def test_the_combinations_share_the_network_and_staining_depth_is_what_the_product_runs(tmp_path, capsys):
    enhancer_cli(["synth", "-o", str(tmp_path / "pairs"), "-n", "2", "--quality", "pair", "--seed", "503",
                  "--width", "700", "--height", "600"])  # fmt: skip
    shipped = Enhancer(device="cpu")
    made = post_steps.variants(shipped, [1.2])
    steps = [
        (
            e.sharpening is not None,
            e.contrast_lift is not None,
            e.keeps_background,
            e.staining_depth is not None,
        )
        for e in made.values()
    ]
    assert steps == [
        (False, False, False, False),
        (True, False, False, False),
        (True, True, False, False),
        (True, True, True, False),
        *[(True, True, True, True)] * 2,
    ]
    assert all(e.generator is shipped.generator for e in made.values())
    assert made["floor 1.2x"].contrast_lift.min_gain == 1.2 and shipped.contrast_lift.min_gain is None

    _, sets = post_steps.evaluation_sets(tmp_path / "pairs")
    inputs = np.stack([c["input"] for c in sets["synthetic"][:3]])
    raw = run_generator(shipped.generator, inputs, shipped.device)
    one = ["k"] * len(inputs)
    assert np.array_equal(post_steps.finished(made["network only"], raw, inputs, one), raw)
    assert np.array_equal(
        post_steps.finished(made["+ staining depth"], raw, inputs, one), shipped.enhance_cells(inputs)[0]
    )
    # cells of different karyograms are finished apart, as the product finishes each karyogram: with a
    # staining target the three cells reach together at gain 1.2, the split ones get other gains
    each = post_steps.finished(made["+ kept background"], raw, inputs, one)
    deeper = copy.copy(made["+ staining depth"])
    deeper.staining_depth = StainingDepth(target_darkness=karyogram_darkness(each, inputs, 1.2))
    pooled = post_steps.finished(deeper, raw, inputs, one)
    apart = post_steps.finished(deeper, raw, inputs, ["a", "a", "b"])
    assert not np.array_equal(apart, pooled)
    assert np.array_equal(apart[2:], deeper.enhance_cells(inputs[2:])[0])
    assert np.array_equal(pooled, deeper.enhance_cells(inputs)[0])

    post_steps.pairs(
        argparse.Namespace(data=tmp_path / "pairs", held_out_data=None, real=None), made, shipped
    )
    printed = capsys.readouterr().out
    assert "synthetic (" in printed and all(name in printed for name in made)
