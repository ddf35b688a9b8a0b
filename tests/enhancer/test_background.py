import numpy as np

from enhancer.background import keep_background


def cell_with_a_cut_line() -> np.ndarray:
    """A chromosome (grey 0.45) on a 0.95 background, with a faint cut line (0.85) two pixels beside it."""
    cell = np.full((256, 256), 0.95)
    cell[60:200, 110:140] = 0.45
    cell[58:202, 142] = 0.85
    return cell


def test_the_background_side_may_lighten_but_never_darken():
    cell = cell_with_a_cut_line()
    output = cell.copy()
    output[60:200, 110:140] = 0.30  # the chromosome darkened: kept
    output[58:202, 142] = 0.40  # the cut line turned into chromosome: undone
    output[10:20, 10:20] = 0.99  # background lightened: kept
    kept = keep_background(output, cell)
    assert np.array_equal(kept[60:200, 110:140], output[60:200, 110:140])
    assert np.array_equal(kept[58:202, 142], cell[58:202, 142])
    assert np.array_equal(kept[10:20, 10:20], output[10:20, 10:20])
    assert kept.dtype == output.dtype


def test_an_output_that_darkens_nothing_outside_is_returned_as_it_is():
    cell = cell_with_a_cut_line()
    output = np.where(cell < 0.5, 0.2, cell + 0.01)
    assert np.array_equal(keep_background(output, cell), output)
