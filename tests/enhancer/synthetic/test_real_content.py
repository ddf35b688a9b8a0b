"""Real-content pairs: aligned, cell-like, degraded without changing geometry or band level."""

import numpy as np
import pytest
from scipy import ndimage as ndi

from enhancer.synthetic.degrade import HELD_OUT_FAMILY, chromosome_width
from enhancer.synthetic.real_content import chromosome_mask, degrade_cell, excellent_cells, real_content_pairs


def banded_chromosomes(height: int = 400, width: int = 400) -> np.ndarray:
    """Light background with three upright, banded dark bars 20 px wide."""
    grey = np.full((height, width), 0.9)
    rows = np.arange(height)
    bands = 0.35 + 0.25 * (np.sin(rows / 6.0) > 0)
    for x0 in (60, 180, 300):
        grey[50:350, x0 : x0 + 20] = bands[50:350, None]
    return grey


def test_mask_and_width_find_the_chromosomes():
    grey = banded_chromosomes()
    mask = chromosome_mask(grey, 0.9)
    assert mask[200, 70] and not mask[200, 120]
    assert chromosome_width(mask) == pytest.approx(20, abs=3)


def test_cells_are_square_flat_outside_and_scaled_like_karyogram_cells():
    rng = np.random.default_rng(0)
    cells = list(excellent_cells(banded_chromosomes(), 4, rng))
    assert len(cells) == 4
    for image, mask, background in cells:
        assert image.shape == mask.shape == (256, 256)
        far = ~ndi.binary_dilation(mask, iterations=6)
        assert np.allclose(image[far], background, atol=0.02)
        width = chromosome_width(mask)
        assert 14 <= width <= 44  # the width a chromosome has in a real karyogram's 256-px cell


def test_degradation_keeps_geometry_and_background_and_loses_contrast():
    rng = np.random.default_rng(1)
    image, mask, background = next(excellent_cells(banded_chromosomes(), 1, rng))
    poor = degrade_cell(image, mask, background, "mixed", 0.7, seed=3)
    assert poor.shape == image.shape and poor.dtype == np.float32
    far = ~ndi.binary_dilation(mask, iterations=4)
    assert np.allclose(poor[far], background, atol=1e-6)  # flat background, as the product's cells
    inner = ndi.binary_erosion(mask, iterations=3)
    assert poor[inner].std() < image[inner].std()  # faint, blurred banding
    same_outline = (poor < background - 0.08) & mask
    assert same_outline.sum() > 0.8 * mask.sum()  # the chromosome is where it was


def test_pairs_draw_training_families_unless_the_held_out_one_is_asked_for(tmp_path):
    from PIL import Image

    Image.fromarray((banded_chromosomes() * 255).astype(np.uint8)).save(tmp_path / "sharp.png")
    trained = list(real_content_pairs([tmp_path / "sharp.png"], 6, seed=0))
    held_out = list(real_content_pairs([tmp_path / "sharp.png"], 2, seed=0, held_out=True))
    assert len(trained) == 6 and HELD_OUT_FAMILY not in {p["family"] for p in trained}
    assert {p["family"] for p in held_out} == {HELD_OUT_FAMILY}
    for pair in trained + held_out:
        assert pair["input"].shape == pair["truth"].shape == (256, 256)
        assert pair["source"] == "sharp.png"
