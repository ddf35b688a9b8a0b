"""A refused layout still carries the best guess: the slots found, the others from the template, marked unsure."""

import numpy as np
import pytest

from enhancer.io import grey_of
from enhancer.slicing import LABELS_24, LayoutError, layout_from_boxes, slice_karyogram
from enhancer.synthetic import synthesize
from tests.enhancer.conftest import real_karyogram


def _row_two_mostly_erased() -> tuple[np.ndarray, dict]:
    """An excellent karyogram whose slots 6-9 and row 2's underlines and labels were wiped: row 2
    cannot be read, the others can."""
    made = synthesize("46,XY", seed=3, quality="excellent", width=900, height=750)
    grey = grey_of(made.image, 8).copy()
    for chromosome in made.truth["chromosomes"]:
        if chromosome["label"] in ("6", "7", "8", "9"):
            x0, y0, x1, y1 = chromosome["box"]
            grey[y0 - 2 : y1 + 2, x0 - 2 : x1 + 2] = 1.0
    underline_y = next(s["box"][3] for s in made.truth["slots"] if s["label"] == "6")
    grey[underline_y - 1 : underline_y + 35] = 1.0  # the underlines and the labels under them
    return grey, made.truth


def test_a_row_that_cannot_be_read_leaves_the_other_rows_sure():
    grey, truth = _row_two_mostly_erased()
    with pytest.raises(LayoutError, match="Row 2") as refused:
        slice_karyogram(grey)
    guess = refused.value.guess
    assert [c["label"] for c in guess["cells"]] == list(LABELS_24)
    unsure = {c["label"] for c in guess["cells"] if c["unsure"]}
    assert unsure == {str(i) for i in range(6, 13)}
    slots = {s["label"]: s["box"] for s in truth["slots"]}
    for cell in guess["cells"]:
        x0, y0, x1, y1 = cell["box"]
        assert 0 <= x0 < x1 <= 900 and 0 <= y0 < y1 <= 750
        centre = ((x0 + x1) / 2, (y0 + y1) / 2)
        sx0, sy0, sx1, sy1 = slots[cell["label"]]
        assert sx0 <= centre[0] <= sx1 and sy0 <= centre[1] <= sy1, cell  # each box sits on its true slot
    assert {c["label"]: c["objects"] for c in guess["cells"] if not c["unsure"]} == {
        label: 1 if label in ("X", "Y") else 2 for label in LABELS_24 if label not in unsure
    }


def test_a_refusal_says_the_reason_alone_and_whether_boxes_given_by_a_person_get_past_it():
    """Each user of the library says the advice in its own words: the command line `--layout`, the web its editor."""
    grey, _ = _row_two_mostly_erased()
    with pytest.raises(LayoutError) as refused:
        slice_karyogram(grey)
    assert str(refused.value) == "Row 2 shows 6 groups where slots 6-12 need 7." and refused.value.boxes_help
    with pytest.raises(LayoutError) as blank:
        slice_karyogram(np.ones((600, 800), np.float32))
    assert str(blank.value) == "No chromosome was found; this does not look like a karyogram."
    assert not blank.value.boxes_help


def test_a_guess_can_be_given_back_as_a_layout():
    grey, _ = _row_two_mostly_erased()
    with pytest.raises(LayoutError) as refused:
        slice_karyogram(grey)
    layout = layout_from_boxes(grey, refused.value.guess)
    assert [c.label for c in layout.cells] == list(LABELS_24)


def test_two_panel_figure_is_refused_with_a_full_guess():
    from enhancer.io import read_karyogram

    karyogram = read_karyogram(real_karyogram("journal_two_panel_45X_47XXX.jpg"))
    with pytest.raises(LayoutError, match="panel") as refused:
        slice_karyogram(karyogram.grey)
    guess = refused.value.guess
    assert [c["label"] for c in guess["cells"]] == list(LABELS_24)
    assert all(c["unsure"] for c in guess["cells"])
