import numpy as np
import pytest
from scipy import ndimage as ndi

from enhancer.black_limit import MAX_NEW_BLACK, black_share
from enhancer.evaluation import by_karyogram
from enhancer.metrics import cell_chromosomes
from enhancer.staining import (
    Deepening,
    StainingDepth,
    cell_darkness,
    deepen_staining,
    excellent_darkness,
    karyogram_darkness,
    staining_gain,
    toe_curve,
)


def pair_cell(depth: float, length: int = 140) -> np.ndarray:
    """A 256-px cell: two identical upright homologs with ten G-bands stained `depth` below a 0.95
    background, softly outlined."""
    cell = np.full((256, 256), 0.95)
    pattern = 0.6 + 0.4 * (np.sin(np.arange(length) / 7.0) > 0)
    for x0 in (80, 150):
        cell[60 : 60 + length, x0 : x0 + 26] = (0.95 - depth * pattern)[:, None]
    return ndi.gaussian_filter(cell, 1.5).astype(np.float32)


def karyogram(depth: float, step: float = 0.0) -> np.ndarray:
    """Four cells of falling length, the k-th stained `depth + k·step` deep."""
    return np.stack([pair_cell(depth + k * step, length) for k, length in enumerate((180, 140, 100, 70))])


def darkness(cells: np.ndarray, before: np.ndarray) -> float:
    """Mean darkness over the chromosome pixels of the cells `before` the step, as the step reads it."""
    values, pixels = 0.0, 0
    for y, x in zip(cells, before, strict=True):
        mask, background, _ = cell_chromosomes(x)
        values += float((1 - y[mask] / background).sum())
        pixels += int(mask.sum())
    return values / pixels


def test_a_pale_karyogram_is_deepened_to_the_excellent_darkness_by_one_gain():
    pale = karyogram(0.24, step=0.04)  # cells of different darkness: each alone would want its own gain
    target = darkness(karyogram(0.34), karyogram(0.34))
    out, done = deepen_staining(pale, pale, StainingDepth(target_darkness=target))
    assert darkness(pale, pale) < darkness(out, pale) == pytest.approx(target, abs=2e-3)
    # what was done is reported: the gain, the darkness before and after, as the step reads them
    assert done.gain == pytest.approx(
        staining_gain(pale, pale, StainingDepth(target_darkness=target)), abs=1e-4
    )
    assert done.darkness == pytest.approx(karyogram_darkness(pale, pale), abs=1e-4)
    assert done.deepened_to == pytest.approx(target, abs=2e-3) and done.target == target
    assert done.describe().startswith(f"staining deepened ×{done.gain:.2f}: darkness {done.darkness:.2f} → ")
    # one gain for every cell: each cell's darkness below its threshold grows by the same factor
    gains = []
    for y, x in zip(out, pale, strict=True):
        mask, _, threshold = cell_chromosomes(x)
        core = ndi.binary_erosion(mask, iterations=4)
        gains.append(np.median((threshold - y[core]) / (threshold - x[core])))
    assert max(gains) - min(gains) < 0.02 and gains[0] > 1.1
    alone = [staining_gain(y[None], y[None], StainingDepth(target_darkness=target)) for y in pale]
    assert max(alone) - min(alone) > 0.1


def test_a_karyogram_as_dark_as_excellent_ones_comes_back_unchanged():
    deep = karyogram(0.4)
    settings = StainingDepth(target_darkness=darkness(deep, deep) - 0.01)
    assert staining_gain(deep, deep, settings) == 1.0
    out, done = deepen_staining(deep, deep, settings)
    assert np.array_equal(out, deep)
    assert done.gain == 1.0 and done.deepened_to == done.darkness > settings.target_darkness
    assert done.describe() == (
        f"staining left as it was: already as dark as excellent karyograms (darkness {done.darkness:.2f}, "
        f"excellent {settings.target_darkness:.2f})"
    )


def test_a_cell_whose_darkest_bands_reach_black_keeps_its_tones_and_the_rest_take_the_karyograms_gain():
    pale = karyogram(0.24, step=0.04)
    black = pair_cell(0.95, length=60)  # dark bands at black, pale bands a mid grey between them
    assert black.min() < 0.02
    cells = np.concatenate([pale, black[None]])
    target = darkness(cells, cells) + 0.05
    settings = StainingDepth(target_darkness=target)
    out, done = deepen_staining(cells, cells, settings)
    # deepening it could only draw its pale bands toward bands that cannot darken: it is left as it was
    assert np.array_equal(out[-1], cells[-1])
    # the gain is still the karyogram's, read over all its cells, and every other cell takes it
    assert done.gain == pytest.approx(staining_gain(cells, cells, settings), abs=1e-4) and done.gain > 1.05
    for y, x in zip(out[:-1], cells[:-1], strict=True):
        mask, _, threshold = cell_chromosomes(x)
        core = ndi.binary_erosion(mask, iterations=4)
        assert np.median((threshold - y[core]) / (threshold - x[core])) > 1.05
    # the report says so, and reads the darkness the karyogram was actually left at
    assert done.limited == 1
    assert done.deepened_to == pytest.approx(darkness(out, cells), abs=2e-3)
    assert done.deepened_to < karyogram_darkness(cells, cells, done.gain)
    assert done.describe().endswith(
        "one gain for every cell, less in 1 whose bands are black already or would turn black"
    )
    assert Deepening.from_json(done.to_json()) == done


def test_a_cell_is_deepened_no_further_than_turns_a_fiftieth_of_it_black():
    pale = karyogram(0.24)
    dark = pair_cell(0.86, length=60)  # darkest bands just short of black: the full gain would crush them
    cells = np.concatenate([pale, dark[None]])
    settings = StainingDepth(target_darkness=0.6, max_gain=1.5)
    out, done = deepen_staining(cells, cells, settings)
    assert done.gain == 1.5 and done.limited == 1
    mask, background, threshold = cell_chromosomes(dark)
    before, after = black_share(dark, mask, background), black_share(out[-1], mask, background)
    # cut where its new black reaches the allowance, not before
    assert before == 0 and MAX_NEW_BLACK / 2 < after <= MAX_NEW_BLACK
    core = ndi.binary_erosion(mask, iterations=4)
    assert 1.01 < np.median((threshold - out[-1][core]) / (threshold - dark[core])) < 1.4  # deepened, less
    for y, x in zip(out[:-1], cells[:-1], strict=True):  # the pale cells take the whole gain
        mask, _, threshold = cell_chromosomes(x)
        core = ndi.binary_erosion(mask, iterations=4)
        assert np.median((threshold - y[core]) / (threshold - x[core])) > 1.4


def test_a_record_stored_before_limited_cells_were_counted_still_reads():
    old = {"gain": 1.2, "darkness": 0.4, "deepened_to": 0.46, "target": 0.46, "max_gain": 1.5}
    assert Deepening.from_json(old).limited == 0
    assert Deepening.from_json(old).describe().endswith("one gain for every cell")


def test_the_gain_never_passes_the_cards_limit():
    pale = karyogram(0.2)
    settings = StainingDepth(target_darkness=0.9, max_gain=1.3)
    assert staining_gain(pale, pale, settings) == 1.3
    out, done = deepen_staining(pale, pale, settings)
    assert darkness(out, pale) == pytest.approx(karyogram_darkness(pale, pale, 1.3))
    assert done.gain == 1.3 and "the most allowed (×1.3)" in done.describe()
    assert darkness(pale, pale) < darkness(out, pale) < 0.9


def test_no_outline_moves_no_pixel_lightens_and_nothing_but_black_turns_black():
    pale = karyogram(0.6)  # the darkest bands are near black: the toe must not crush them
    out, _ = deepen_staining(pale, pale, StainingDepth(target_darkness=0.95, max_gain=1.9))
    assert not np.array_equal(out, pale)
    assert np.all(out <= pale + 1e-6)
    assert out.min() > 0
    for y, x in zip(out, pale, strict=True):
        mask, _, threshold = cell_chromosomes(x)
        assert np.array_equal(y < threshold, x < threshold)  # the outline stays where it was
        assert np.array_equal(y[~mask], x[~mask])  # the background is not touched
        # both homologs got the same curve
        np.testing.assert_allclose(y[:, 80:106], y[:, 150:176], atol=1e-6)


def test_grain_and_pale_specks_inside_a_chromosome_neither_cross_the_threshold_nor_turn_black():
    """An output with grain and pale specks (lighter than the threshold, inside the chromosome): the curve
    reads the smoothed copy, but each pixel keeps its side of the threshold and only black is black."""
    rng = np.random.default_rng(5)
    inputs = karyogram(0.75)
    outputs = np.clip(inputs + rng.normal(0, 0.04, inputs.shape), 0, 1).astype(np.float32)
    outputs[:, 100:102, 90:92] = 0.94  # pale specks inside the left homologs
    out, _ = deepen_staining(outputs, inputs, StainingDepth(target_darkness=0.95, max_gain=1.9))
    assert not np.array_equal(out, outputs) and np.all(out <= outputs + 1e-6)
    assert np.all((out > 0) | (outputs == 0))
    for y, before, x in zip(out, outputs, inputs, strict=True):
        _, _, threshold = cell_chromosomes(x)
        assert np.array_equal(y < threshold, before < threshold)


def test_the_toe_curve_is_monotone_fixed_at_threshold_and_black_and_multiplies_darkness_above_the_knee():
    lightness = np.linspace(0, 1, 1001)
    for gain in (1.0, 1.2, 1.5, 1.99):
        curve = toe_curve(lightness, gain)
        assert curve[0] == 0 and curve[-1] == pytest.approx(1) and np.all(np.diff(curve) >= 0)
        assert np.all(curve[1:] > 0) and np.all(curve <= lightness + 1e-12)  # nothing lighter
        assert np.all(toe_curve(lightness, gain + 0.005) <= curve + 1e-12)  # deeper as the gain grows
        upper = lightness >= 2 * (gain - 1) / gain
        np.testing.assert_allclose(1 - curve[upper], gain * (1 - lightness[upper]), atol=1e-12)


def test_the_card_entry_is_checked_and_round_trips():
    settings = StainingDepth(target_darkness=0.46, max_gain=1.4)
    assert StainingDepth.from_card({"staining_depth": settings.to_json()}) == settings
    assert StainingDepth.from_card({"preset": "paper"}) is None
    with pytest.raises(ValueError, match="staining_depth.max_gain must be a number above 0 and at most 2"):
        StainingDepth(target_darkness=0.46, max_gain=2.5)
    with pytest.raises(ValueError, match="staining_depth.target_darkness"):
        StainingDepth.from_card({"staining_depth": {"target_darkness": "dark"}})


def test_a_karyogram_with_too_little_chromosome_is_left_as_it_was_and_says_so():
    blank = np.full((2, 256, 256), 0.95, np.float32)
    out, done = deepen_staining(blank, blank, StainingDepth(target_darkness=0.46))
    assert np.array_equal(out, blank) and done.gain == 1.0 and done.darkness is None
    assert done.describe() == "staining left as it was: too little chromosome to measure its depth"
    assert Deepening.from_json(done.to_json()) == done


def test_the_excellent_level_is_the_median_cell_darkness():
    cells = [pair_cell(d) for d in (0.2, 0.4, 0.5)]
    values = [cell_darkness(c, *cell_chromosomes(c)[:2]) for c in cells]
    assert excellent_darkness(cells) == pytest.approx(sorted(values)[1])
    assert excellent_darkness([c * 255 for c in cells], data_range=255) == pytest.approx(sorted(values)[1])
    assert cell_darkness(cells[0], np.zeros((256, 256), bool), 0.95) is None


def test_evaluation_deepens_each_karyogram_on_its_own():
    """A pale karyogram evaluated beside a dark one is deepened; the dark one is not, as in the product."""

    class OneStep:
        def enhance_cells(self, images):
            return deepen_staining(images, images, StainingDepth(target_darkness=target))

    pale, deep = karyogram(0.35), karyogram(0.45)
    target = darkness(deep, deep) - 0.02
    cells = [{"karyogram": "pale"}] * len(pale) + [{"karyogram": "deep"}] * len(deep)
    out = by_karyogram(OneStep(), cells, np.concatenate([pale, deep]))
    assert np.array_equal(out[len(pale) :], deep)
    assert darkness(out[: len(pale)], pale) == pytest.approx(target, abs=2e-3)
