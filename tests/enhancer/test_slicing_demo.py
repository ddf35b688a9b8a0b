"""The demo karyograms that `manage.py seed_demo` makes, and the severe synthetic ones, are sliced into
their true slots (the generator arguments are those of webapp/cases/management/commands/seed_demo.py:
DEMO_CASES with seeds from 900, poor, no shortening)."""

import collections

import pytest

from enhancer.io import grey_of
from enhancer.slicing import LABELS_24, slice_karyogram
from enhancer.synthetic import synthesize

DEMO = (
    ("46,XY,t(9;22)(q34;q11.2)", 900, "moderate"),
    ("47,XY,+8", 901, "mild"),
    ("46,XY,del(5)(q13q33)", 902, "moderate"),
    ("46,XX", 903, "severe"),
)


def _sliced_into_true_slots(made) -> int:
    """24 labelled cells, each over its true slot; returns how many hold the true object count."""
    layout = slice_karyogram(grey_of(made.image, 8))
    assert [c.label for c in layout.cells] == list(LABELS_24)
    slots = {s["label"]: s["box"] for s in made.truth["slots"]}
    for cell in layout.cells:
        x0, _, x1, _ = cell.box
        assert slots[cell.label][0] <= (x0 + x1) / 2 <= slots[cell.label][2], cell.label
    truth = collections.Counter(c["label"] for c in made.truth["chromosomes"])
    return sum(c.objects == truth[c.label] for c in layout.cells)


@pytest.mark.parametrize(("karyotype", "seed", "severity"), DEMO)
def test_demo_karyograms_slice(karyotype, seed, severity):
    made = synthesize(karyotype, seed=seed, quality="poor", severity=severity, shorten=False)
    assert _sliced_into_true_slots(made) >= 23


def test_severe_karyograms_slice():
    """The poorest synthetic karyograms, the ones the product exists for, were all refused before."""
    right = sum(_sliced_into_true_slots(synthesize("46,XY", seed, "poor", "severe")) for seed in range(6))
    assert right >= 0.95 * 6 * 24
