"""Slicing on synthetic karyograms whose slots and chromosomes are known."""

import collections

import numpy as np
import pytest

from enhancer.io import grey_of
from enhancer.slicing import LABELS_24, LayoutError, slice_karyogram
from enhancer.synthetic import random_karyotype, synthesize

SEEDS = range(200)


def _case(seed: int) -> dict:
    rng = np.random.default_rng([seed, 11])
    return {
        "karyotype": random_karyotype(rng),
        "seed": seed,
        "header": bool(rng.random() < 0.3),
        "background": "grey" if rng.random() < 0.3 else "white",
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_excellent_synthetic_karyograms_slice_exactly(seed):
    case = _case(seed)
    made = synthesize(quality="excellent", width=900, height=750, **case)
    truth = collections.Counter(c["label"] for c in made.truth["chromosomes"])
    layout = slice_karyogram(grey_of(made.image, 8))
    assert [c.label for c in layout.cells] == list(LABELS_24)
    assert {c.label: c.objects for c in layout.cells} == {label: truth[label] for label in LABELS_24}, case


@pytest.mark.parametrize("seed", range(0, 60, 3))
def test_mildly_degraded_karyograms_slice_or_refuse(seed):
    made = synthesize(quality="poor", severity="mild", width=900, height=750, **_case(seed))
    truth = collections.Counter(c["label"] for c in made.truth["chromosomes"])
    try:
        layout = slice_karyogram(grey_of(made.image, 8))
    except LayoutError:
        return
    assert [c.label for c in layout.cells] == list(LABELS_24)
    wrong = [c.label for c in layout.cells if c.objects != truth[c.label]]
    assert len(wrong) <= 1, wrong


@pytest.mark.parametrize("seed", range(200, 206))
def test_moderately_degraded_karyograms_slice(seed):
    """Noise, blur, stains and uneven light of the `moderate` preset: still 24 slots, counts nearly all right."""
    made = synthesize("46,XY", seed=seed, quality="poor", severity="moderate", shorten=False)
    truth = collections.Counter(c["label"] for c in made.truth["chromosomes"])
    layout = slice_karyogram(grey_of(made.image, 8))
    assert [c.label for c in layout.cells] == list(LABELS_24)
    wrong = [c.label for c in layout.cells if c.objects != truth[c.label]]
    assert len(wrong) <= 1, wrong
