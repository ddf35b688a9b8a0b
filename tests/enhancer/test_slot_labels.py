"""Slot labels read by OCR anchor the slots where chromosome groups cannot; without Tesseract the slicer
keeps to the geometry and never crashes."""

import shutil

import pytest

from enhancer.io import grey_of
from enhancer.slicing import LABELS_24, LayoutError, slice_karyogram
from enhancer.slot_labels import read_slot_labels
from enhancer.synthetic import synthesize

ROW_2 = tuple(str(i) for i in range(6, 13))


def _row_two_without_slots_6_to_9_and_underlines():
    """Slots 6-9 wiped and row 2's underlines too; its labels stay: only they can place the row's slots."""
    made = synthesize("46,XY", seed=3, quality="excellent", width=900, height=750)
    grey = grey_of(made.image, 8).copy()
    for chromosome in made.truth["chromosomes"]:
        if chromosome["label"] in ("6", "7", "8", "9"):
            x0, y0, x1, y1 = chromosome["box"]
            grey[y0 - 2 : y1 + 2, x0 - 2 : x1 + 2] = 1.0
    underline_y = next(s["box"][3] for s in made.truth["slots"] if s["label"] == "6")
    grey[underline_y - 1 : underline_y + 3] = 1.0
    return grey, made.truth, underline_y


needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract-ocr is not installed"
)


@needs_tesseract
def test_labels_are_read_where_they_are_printed():
    grey, truth, underline_y = _row_two_without_slots_6_to_9_and_underlines()
    # The strip the slicer reads: from the row's lowest chromosome end down (the realism renderer's
    # chromosome ends, inside the old fixed 15 px margin, were read as a "7").
    row_bottom = max(c["box"][3] for c in truth["chromosomes"] if c["label"] in ROW_2)
    found = read_slot_labels(grey, row_bottom, underline_y + 45, ROW_2)
    slots = {s["label"]: s["box"] for s in truth["slots"]}
    assert set(found) == set(ROW_2)
    for label, xs in found.items():
        assert len(xs) == 1 and slots[label][0] <= xs[0] <= slots[label][2]


@needs_tesseract
def test_a_row_whose_groups_cannot_be_read_is_sliced_from_its_labels():
    grey, truth, _ = _row_two_without_slots_6_to_9_and_underlines()
    layout = slice_karyogram(grey)
    assert [c.label for c in layout.cells] == list(LABELS_24)
    slots = {s["label"]: s["box"] for s in truth["slots"]}
    for cell in layout.cells:
        assert slots[cell.label][0] <= (cell.box[0] + cell.box[2]) / 2 <= slots[cell.label][2], cell.label
    counts = {c.label: c.objects for c in layout.cells}
    assert [counts[label] for label in ROW_2] == [0, 0, 0, 0, 2, 2, 2]


def test_without_tesseract_nothing_is_read_and_the_slicer_refuses_with_a_guess(monkeypatch):
    pytesseract = pytest.importorskip("pytesseract")
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    grey, _, underline_y = _row_two_without_slots_6_to_9_and_underlines()
    assert read_slot_labels(grey, underline_y - 15, underline_y + 45, ROW_2) == {}
    with pytest.raises(LayoutError, match="Row 2") as refused:
        slice_karyogram(grey)
    assert {c["label"] for c in refused.value.guess["cells"] if c["unsure"]} == set(ROW_2)
