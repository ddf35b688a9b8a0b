import re

import numpy as np
import pytest

from enhancer.io import grey_of, read_karyogram
from enhancer.slicing import (
    LABELS_23,
    LABELS_24,
    LayoutError,
    check_boxes,
    layout_from_boxes,
    slice_karyogram,
)
from enhancer.synthetic import synthesize
from enhancer.template import template_slots
from tests.enhancer.conftest import real_karyogram

AUTOSOMES_TWO = {str(i): 2 for i in range(1, 23)}
# Object counts per slot, from looking at each image (see ../shared/data/SOURCES.md).
REAL_EXPECTED = {
    "cytovision_46XX_case100955_k.bmp": {**AUTOSOMES_TWO, "X": 2, "Y": 0},  # 46,XX, empty Y slot
    "cytovision_46XX_case98917_k.jpg": {**AUTOSOMES_TWO, "X": 2, "Y": 0},
    "cytovision_zoomed_46XX_lntk10.bmp": {**AUTOSOMES_TWO, "X": 2, "Y": 0},  # cells nearly touch
    "nhgri_46XY_unlabeled_4rows.png": {**AUTOSOMES_TWO, "X": 1, "Y": 1},  # no lines, no labels
    "wellcome_45X_turner_labeled.jpg": {**AUTOSOMES_TWO, "X": 1, "Y": 0},  # grey, header, arrow
}


@pytest.mark.parametrize("name", sorted(REAL_EXPECTED))
def test_real_karyograms_slice_into_24_labelled_cells_with_the_right_counts(name):
    karyogram = read_karyogram(real_karyogram(name))
    layout = slice_karyogram(karyogram.grey)
    assert [c.label for c in layout.cells] == list(LABELS_24)
    assert {c.label: c.objects for c in layout.cells} == REAL_EXPECTED[name]
    for cell in layout.cells:
        x0, y0, x1, y1 = cell.box
        assert 0 <= x0 < x1 <= layout.width and 0 <= y0 < y1 <= layout.height
        assert cell.mask.shape == (y1 - y0, x1 - x0)
        assert cell.mask.any() == (cell.objects > 0)


def test_cell_masks_hold_no_underline_or_label_text():
    """In this export the underlines lie at y = 254, 447, 617, 810 and the labels in the 15 px
    below each (read off the image); no cell's mask may cover them."""
    karyogram = read_karyogram(real_karyogram("cytovision_46XX_case100955_k.bmp"))
    layout = slice_karyogram(karyogram.grey)
    covered = np.zeros(karyogram.grey.shape, bool)
    for cell in layout.cells:
        x0, y0, x1, y1 = cell.box
        covered[y0:y1, x0:x1] |= cell.mask
    for underline_y in (254, 447, 617, 810):
        assert not covered[underline_y : underline_y + 30].any()
    assert covered.sum() > 30_000  # the chromosomes themselves are covered


def test_two_panel_figure_is_refused_with_a_reason():
    karyogram = read_karyogram(real_karyogram("journal_two_panel_45X_47XXX.jpg"))
    with pytest.raises(LayoutError, match="panel"):
        slice_karyogram(karyogram.grey)


@pytest.mark.parametrize(
    "image", [np.ones((600, 800), np.float32), np.random.default_rng(1).random((300, 400))]
)
def test_images_without_a_karyogram_are_refused(image):
    with pytest.raises(LayoutError):
        slice_karyogram(image.astype(np.float32))


def test_23_cells_put_x_and_y_together():
    karyogram = read_karyogram(real_karyogram("nhgri_46XY_unlabeled_4rows.png"))
    layout = slice_karyogram(karyogram.grey, cells=23)
    assert [c.label for c in layout.cells] == list(LABELS_23)
    assert layout.cell("XY").objects == 2


def test_json_layout_round_trip_reproduces_boxes_and_counts():
    grey = grey_of(synthesize("47,XY,+8", seed=4).image, 8)
    detected = slice_karyogram(grey)
    given = layout_from_boxes(grey, detected.to_json())
    assert given.to_json() == detected.to_json()
    assert given.cell("8").objects == 3


def test_json_layout_is_checked():
    grey = grey_of(synthesize("46,XX", seed=2).image, 8)
    spec = slice_karyogram(grey).to_json()
    spec["cells"] = spec["cells"][:-1]
    with pytest.raises(LayoutError, match="exactly once"):
        layout_from_boxes(grey, spec)
    spec = slice_karyogram(grey).to_json()
    spec["cells"][0]["box"] = [0, 0, 10**6, 10]
    with pytest.raises(LayoutError, match="outside"):
        layout_from_boxes(grey, spec)
    spec["image"]["width"] = 5
    with pytest.raises(LayoutError, match="image"):
        layout_from_boxes(grey, spec)


def _template_with(**changes) -> dict:
    cells = template_slots(300, 200)
    return {"image": {"width": 300, "height": 200}, "cells": cells, **changes}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ([1, 2], "must be {"),
        ({"cells": "1..22"}, "must be {"),
        ({"cells": [["1", [0, 0, 5, 5]]]}, "must be {"),
        (_template_with(image=[300, 200]), '"image" must be'),
        (_template_with(image={"width": 300}), "for a 300×None image, this one is 300×200"),
        ({"cells": [{"label": "1", "box": [10, 10, 5, 5]}]}, "exactly once"),
        ({"cells": template_slots(300, 200) + [{"label": "1", "box": [0, 0, 5, 5]}]}, "exactly once"),
    ],
)
def test_check_boxes_refuses_a_malformed_layout_without_pixels(spec, message):
    with pytest.raises(LayoutError, match=re.escape(message)):
        check_boxes(spec, 300, 200)


@pytest.mark.parametrize("box", [[10, 10, 5, 5], [0, 0, 301, 10], [-1, 0, 5, 5], [0, 0, 5]])
def test_check_boxes_names_the_slot_whose_box_is_empty_outside_or_short(box):
    spec = _template_with()
    spec["cells"][3]["box"] = box
    with pytest.raises(LayoutError, match=f"box of cell {spec['cells'][3]['label']} "):
        check_boxes(spec, 300, 200)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True, "10", None])
def test_check_boxes_wants_finite_numbers(value):
    spec = _template_with()
    spec["cells"][0]["box"][2] = value
    with pytest.raises(LayoutError, match="must be four numbers"):
        check_boxes(spec, 300, 200)


@pytest.mark.parametrize("image", [None, {}, {"width": 300, "height": 200}])
def test_check_boxes_accepts_the_template_with_or_without_its_image_size(image):
    check_boxes(_template_with(image=image), 300, 200)
    xy = [c for c in template_slots(300, 200) if c["label"] not in ("X", "Y")] + [
        {"label": "XY", "box": [200, 150, 300, 200]}
    ]
    check_boxes({"cells": xy}, 300, 200)
