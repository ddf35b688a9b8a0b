import numpy as np
import pytest

from enhancer.cells import MODEL_SIZE, CellTransform, from_model_output, prepare_cells, to_model_input
from enhancer.io import encode_karyogram, read_karyogram
from enhancer.reassembly import blend
from enhancer.segmentation import background_level
from enhancer.slicing import slice_karyogram
from enhancer.synthetic import synthesize
from tests.enhancer.conftest import REAL_KARYOGRAMS, real_karyogram
from tests.enhancer.test_slicing import REAL_EXPECTED


def _run(karyogram, model, strength=1.0):
    cells = prepare_cells(karyogram.grey, slice_karyogram(karyogram.grey))
    outputs = {label: model(image) for label, image in cells.inputs.items()}
    return cells.layout, blend(karyogram.pixels, karyogram.info.max_value, cells, outputs, strength, {})


def _synthetic_png(seed: int, quality: str = "excellent"):
    made = synthesize("47,XY,+8", seed=seed, quality=quality, severity="mild", width=900, height=750)
    from enhancer.io import ImageInfo

    return read_karyogram(encode_karyogram(made.image, ImageInfo("PNG", 900, 750, 1, 8)))


@pytest.mark.parametrize("name", sorted(REAL_EXPECTED))
def test_identity_round_trip_is_pixel_exact_on_real_exports(name):
    karyogram = read_karyogram(real_karyogram(name))
    _, out = _run(karyogram, lambda x: x)
    assert out.dtype == karyogram.pixels.dtype and out.shape == karyogram.pixels.shape
    np.testing.assert_array_equal(out, karyogram.pixels)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_identity_round_trip_is_pixel_exact_on_synthetic(seed):
    karyogram = _synthetic_png(seed)
    _, out = _run(karyogram, lambda x: x)
    np.testing.assert_array_equal(out, karyogram.pixels)


def test_only_chromosome_pixels_change_and_strength_scales_the_change():
    karyogram = _synthetic_png(3)
    darker = lambda x: np.clip(x - 0.2, 0, 1)  # noqa: E731
    layout, full = _run(karyogram, darker, 1.0)
    _, half = _run(karyogram, darker, 0.5)
    _, none = _run(karyogram, darker, 0.0)
    inside = np.zeros(karyogram.pixels.shape, bool)
    for cell in layout.cells:
        x0, y0, x1, y1 = cell.box
        inside[y0:y1, x0:x1] |= cell.mask
    original = karyogram.pixels.astype(int)
    assert np.array_equal(full[~inside], karyogram.pixels[~inside])  # labels, lines, background
    assert np.array_equal(none, karyogram.pixels)
    change_full = (original - full.astype(int))[inside]
    change_half = (original - half.astype(int))[inside]
    assert change_full.mean() > 20
    assert abs(change_half.mean() - change_full.mean() / 2) < 1.5


def test_per_cell_strength():
    karyogram = _synthetic_png(4)
    darker = lambda x: np.clip(x - 0.2, 0, 1)  # noqa: E731
    layout, out = _run(karyogram, darker, {label: 0.0 for label in ("1", "2")})
    for cell in layout.cells:
        x0, y0, x1, y1 = cell.box
        changed = (out[y0:y1, x0:x1] != karyogram.pixels[y0:y1, x0:x1])[cell.mask].mean()
        assert (changed == 0) == (cell.label in ("1", "2"))


def test_cell_transform_keeps_aspect_ratio_and_maps_back_onto_the_slot():
    karyogram = _synthetic_png(5)
    layout = slice_karyogram(karyogram.grey)
    cell = layout.cell("1")
    image, transform = to_model_input(karyogram.grey, cell, background_level(karyogram.grey))
    assert image.shape == (MODEL_SIZE, MODEL_SIZE)
    assert transform.side == max(cell.shape)
    back = from_model_output(image, transform)
    assert back.shape == cell.shape
    # A chromosome's centre of darkness lands where it was.
    x0, y0, x1, y1 = cell.box
    original = np.where(cell.mask, 1 - karyogram.grey[y0:y1, x0:x1], 0)
    mapped = np.where(cell.mask, 1 - back, 0)
    centre = lambda w: np.array(np.nonzero(w > 0)).mean(axis=1)  # noqa: E731
    assert np.abs(centre(original) - centre(mapped)).max() < 0.5


def test_prepared_cells_are_the_slots_holding_chromosomes_and_their_transforms_survive_storage():
    karyogram = _synthetic_png(5)
    layout = slice_karyogram(karyogram.grey)
    layout.cells[0].objects = 0  # an empty slot never reaches the model
    cells = prepare_cells(karyogram.grey, layout)
    assert list(cells.inputs) == list(cells.transforms) == [c.label for c in layout.cells[1:]]
    background = background_level(karyogram.grey)
    image, transform = to_model_input(karyogram.grey, layout.cell("2"), background)
    assert np.array_equal(cells.inputs["2"], image) and cells.transforms["2"] == transform
    stored = {label: t.to_array() for label, t in cells.transforms.items()}
    assert {label: CellTransform.from_array(a) for label, a in stored.items()} == cells.transforms


def test_label_text_and_debris_do_not_reach_the_model():
    if not REAL_KARYOGRAMS.exists():
        pytest.skip("../shared is absent")
    karyogram = read_karyogram(real_karyogram("wellcome_45X_turner_labeled.jpg"))
    layout = slice_karyogram(karyogram.grey)
    background = background_level(karyogram.grey)
    image, _ = to_model_input(karyogram.grey, layout.cell("1"), background)
    # The label "1" sits in the bottom of the cell; in the model input that area is background.
    assert np.abs(image[-20:] - background).max() < 0.02
