"""A slicer that refuses a karyogram with a best guess, for tests of the failed job's slot-box editor.

The guess is the karyogram's ground-truth slots with some boxes displaced and marked unsure, so a test
knows which slots a person must correct and where they belong, whatever the real slicer finds.
"""

from collections.abc import Callable

import numpy as np

from enhancer.slicing import Layout, LayoutError, slice_karyogram

REFUSAL = "Found 3 rows of chromosomes where a karyogram has 4."


def guess_from_truth(slots: list[dict], width: int, height: int, unsure: dict[str, list[int]]) -> dict:
    """The guess a slicer would give (`Layout.to_json()` plus `unsure`): the true `slots`, except the
    labels in `unsure`, whose boxes are the given wrong ones."""
    cells = [
        {
            "label": s["label"],
            "box": list(unsure.get(s["label"], s["box"])),
            "objects": 2,
            "unsure": s["label"] in unsure,
        }
        for s in slots
    ]
    return {"image": {"width": width, "height": height}, "cells": cells}


def refusing_slicer(guess: dict) -> Callable[..., Layout]:
    """A stand-in for `slice_karyogram`: detection refuses with `guess`; boxes given by a person are
    applied by the real slicer."""

    def slicer(grey: np.ndarray, cells: int = 24, layout: dict | None = None) -> Layout:
        if layout is not None:
            return slice_karyogram(grey, cells=cells, layout=layout)
        raise LayoutError(REFUSAL, guess=guess, boxes_help=True)

    return slicer
