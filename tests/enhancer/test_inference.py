import numpy as np
import pytest

from enhancer.inference import Enhancer
from enhancer.io import ImageInfo, encode_karyogram, read_karyogram
from enhancer.model.checkpoint import save_generator
from enhancer.model.networks import Architecture, UnetGenerator, init_weights
from enhancer.synthetic import synthesize


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    arch = Architecture(ngf=4, norm="batch")
    return save_generator(tmp_path_factory.mktemp("model"), init_weights(UnetGenerator(arch)), arch, preset="test")


@pytest.fixture(scope="module")
def karyogram():
    made = synthesize("47,XY,+8", seed=3, quality="poor", severity="mild", width=900, height=750)
    return read_karyogram(encode_karyogram(made.image, ImageInfo("PNG", 900, 750, 1, 8)))


def test_all_cells_go_through_the_model_in_one_forward_pass(tiny_model, karyogram):
    enhancer = Enhancer(tiny_model, device="cpu")
    calls = []
    enhancer.generator.register_forward_hook(lambda module, args, out: calls.append(args[0].shape[0]))
    result = enhancer.enhance(karyogram)
    assert calls == [24]
    assert result.pixels.shape == karyogram.pixels.shape and result.pixels.dtype == karyogram.pixels.dtype


def test_strength_zero_returns_the_original_and_reblend_needs_no_model(tiny_model, karyogram):
    enhancer = Enhancer(tiny_model, device="cpu")
    result = enhancer.enhance(karyogram, strength=1.0)
    assert not np.array_equal(result.pixels, karyogram.pixels)
    assert np.array_equal(result.reblend(karyogram, 0.0), karyogram.pixels)
    assert np.array_equal(result.reblend(karyogram, 1.0), result.pixels)


def test_only_chromosome_pixels_change(tiny_model, karyogram):
    result = Enhancer(tiny_model, device="cpu").enhance(karyogram)
    inside = np.zeros(karyogram.pixels.shape, bool)
    for cell in result.layout.cells:
        x0, y0, x1, y1 = cell.box
        inside[y0:y1, x0:x1] |= cell.mask
    assert np.array_equal(result.pixels[~inside], karyogram.pixels[~inside])


def test_23_cells(tiny_model, karyogram):
    result = Enhancer(tiny_model, device="cpu").enhance(karyogram, cells=23)
    assert [c.label for c in result.layout.cells][-1] == "XY" and len(result.outputs) == 23
