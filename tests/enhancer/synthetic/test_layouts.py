"""Layout styles: each is drawn as it says, keeps ground-truth slots, and is sliced right (CI-sized corpus;
`bench/slicing.py` slices the full one)."""

import collections

import numpy as np
import pytest

from enhancer.io import grey_of
from enhancer.slicing import LABELS_24, slice_karyogram
from enhancer.synthetic import synthesize
from enhancer.synthetic.layouts import STYLES, corpus_case

CI_CORPUS = [(style, i) for style in STYLES for i in range(1 if style == "large" else 2)]


def test_there_are_at_least_eight_styles_and_unknown_ones_are_refused():
    assert len(STYLES) >= 8
    with pytest.raises(ValueError, match="layout style"):
        synthesize(style="no-such-style")


def test_styles_draw_what_they_say():
    plain = synthesize("46,XY", seed=5, style="cytovision").image
    assert synthesize("46,XY", seed=5, style="small").image.shape == (458, 550)
    framed = synthesize("46,XY", seed=5, style="journal").image
    assert framed[:2].mean() < 60 and plain[:2].mean() > 200  # the frame along the top edge
    cut = synthesize("46,XX", seed=5, style="cut_paste")
    page = np.median(cut.image)
    assert 225 <= page <= 240  # light grey page
    assert (cut.image > page + 12).mean() > 0.01  # white halos around the chromosomes
    bare = synthesize("46,XY", seed=5, style="bare").image
    under = next(s["box"] for s in cut.truth["slots"] if s["label"] == "1")[3]
    assert (
        plain[under, 100:200].min() < 60 and bare[under - 1 : under + 2, 100:200].min() > 200
    )  # no underline
    aneuploid = {synthesize(seed=s, style="aneuploid").truth["karyotype"] for s in range(6)}
    assert any(k.startswith("47") for k in aneuploid) and any(k.startswith("45") for k in aneuploid)


@pytest.mark.parametrize(("style", "index"), CI_CORPUS)
def test_corpus_karyograms_slice_into_their_true_slots(style, index):
    made = synthesize(**corpus_case(style, index))
    layout = slice_karyogram(grey_of(made.image, 8))
    assert [c.label for c in layout.cells] == list(LABELS_24)
    truth = collections.Counter(c["label"] for c in made.truth["chromosomes"])
    wrong = {c.label: (c.objects, truth[c.label]) for c in layout.cells if c.objects != truth[c.label]}
    assert len(wrong) <= 1, wrong  # the corpus target is >= 98 % of slots right: at most 1 in 24
    slots = {s["label"]: s["box"] for s in made.truth["slots"]}
    for cell in layout.cells:  # each cell lies over its true slot
        x0, _, x1, _ = cell.box
        sx0, _, sx1, _ = slots[cell.label]
        assert sx0 <= (x0 + x1) / 2 <= sx1, cell.label
