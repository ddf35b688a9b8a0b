"""Blanked text leaves no trace a rater could see: no patch outline where the background varies, no stray mark."""

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage import draw

from enhancer.io import read_karyogram
from enhancer.slicing import slice_karyogram
from enhancer.synthetic.karyogram import synthesize_pair
from tests.enhancer.conftest import real_karyogram
from webapp.studies.blinding import TextOutside, blank, check_text, regions_to_blank


def painted_mask(shape: tuple[int, int], regions) -> np.ndarray:
    """The pixels the regions cover."""
    painted = np.zeros(shape, bool)
    for x0, y0, x1, y1 in regions:
        painted[y0:y1, x0:x1] = True
    return painted


def outline_step(image: np.ndarray, painted: np.ndarray, keep: np.ndarray) -> tuple[float, float]:
    """Mean absolute step from each painted pixel to its unpainted 4-neighbour, and the background's own
    step one pixel further out (from that neighbour to the next): the patch outline against the noise."""
    across, beside = [], []
    free = ~painted & ~keep
    inside = painted & ~keep
    height, width = image.shape
    for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        ys, xs = np.nonzero(inside)
        qy, qx, ry, rx = ys + dy, xs + dx, ys + 2 * dy, xs + 2 * dx
        ok = (ry >= 0) & (ry < height) & (rx >= 0) & (rx < width)
        ys, xs, qy, qx, ry, rx = ys[ok], xs[ok], qy[ok], qx[ok], ry[ok], rx[ok]
        ok = free[qy, qx] & free[ry, rx]
        across.append(np.abs(image[ys[ok], xs[ok]] - image[qy[ok], qx[ok]]))
        beside.append(np.abs(image[qy[ok], qx[ok]] - image[ry[ok], rx[ok]]))
    return float(np.concatenate(across).mean()), float(np.concatenate(beside).mean())


def _gradient_with_a_note(seed: int = 0) -> np.ndarray:
    """A 300×400 background running from 0.70 to 0.95 left to right and 0.05 top to bottom, with noise,
    and a dark note on it."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:300, 0:400]
    grey = 0.70 + 0.25 * xs / 400 + 0.05 * ys / 300 + rng.normal(0, 0.01, (300, 400))
    grey[120:150, 60:340][xs[120:150, 60:340] % 9 < 4] = 0.15  # letter strokes
    return grey.astype(np.float32)


def test_a_blanked_note_on_a_background_gradient_shows_no_patch_outline():
    """The old fill, one global background level, stepped by up to 0.1 across the patch's ends."""
    grey = _gradient_with_a_note()
    regions = [(55, 115, 345, 155)]
    out = blank(grey, regions, float(np.median(grey)))
    step, noise = outline_step(out, painted_mask(grey.shape, regions), np.zeros(grey.shape, bool))
    assert step <= noise  # within the background's own pixel-to-pixel noise (about 0.011)
    assert out[115:155, 55:345].min() > 0.6  # the strokes are gone


def test_a_region_the_ring_cannot_fit_is_filled_with_the_level():
    grey = np.full((20, 20), 0.9, np.float32)
    assert np.all(blank(grey, [(0, 0, 20, 20)], 0.8) == pytest.approx(0.8))


def test_marks_of_one_line_are_blanked_with_it_and_a_distant_note_alone():
    """A comma below the letters' feet and a gap the text mask missed go with their line; a note far off does not."""
    found = [
        TextOutside("margin", (100, 50, 120, 80)),
        TextOutside("margin", (124, 72, 128, 86)),  # a comma, reaching below the line
        TextOutside("margin", (150, 50, 170, 80)),  # the next word, a letter's height away
        TextOutside("margin", (400, 50, 420, 80)),  # another note
    ]
    slots = [(0, 200, 500, 400)]
    regions = regions_to_blank(found, slots, (500, 600))
    assert sorted(regions) == [(93, 43, 177, 93), (394, 44, 426, 86)]


def test_the_wellcome_header_leaves_no_comma_and_no_patch_outline():
    """The real 45,X print: the comma of "45,XO" stayed under the old band, and the patches showed."""
    grey = read_karyogram(real_karyogram("wellcome_45X_turner_labeled.jpg")).grey
    slots = [c.box for c in slice_karyogram(grey).cells]
    check = check_text(grey, slots)
    out = blank(grey, list(check.regions), check.background, check.chromosomes)
    top = min(y0 for _, y0, _, _ in slots)
    header = out[: top + 50, 380:820]  # both header lines, where the second reaches into the top slots
    free = ~check.chromosomes[: top + 50, 380:820]
    assert header[free].min() > check.background - 0.1  # no dark mark left: the comma went with its line
    step, _ = outline_step(out, painted_mask(grey.shape, check.regions), check.chromosomes)
    assert step < 1 / 255  # under one grey level of the PNG raters get (the one global level: 4.5)


def test_an_arrow_between_the_chromosomes_is_found_and_the_chromosomes_are_not():
    """An arrow at a missing chromosome, taller than any glyph, tells the diagnosis as a header would."""
    _, poor = synthesize_pair("46,XY", seed=6, severity="mild", header=False)
    grey = poor.image / 255.0
    slots = [c.box for c in slice_karyogram(grey).cells]
    assert check_text(grey, slots).found == ()
    arrow = np.zeros(grey.shape, bool)
    for r0, c0, r1, c1 in (
        (230, 700, 165, 680),
        (165, 680, 185, 692),
        (165, 680, 184, 670),
    ):  # in a row's gap
        arrow[draw.line(r0, c0, r1, c1)] = True
    grey[ndi.binary_dilation(arrow)] = 0.05
    check = check_text(grey, slots)
    assert [f.where for f in check.found] == ["margin"]
    x0, y0, x1, y1 = check.found[0].box
    assert (x0, y0, x1, y1) == (669, 164, 702, 232)
    out = blank(grey, list(check.regions), check.background, check.chromosomes)
    assert check_text(out, slots).found == ()


def test_the_wellcome_arrow_at_the_missing_x_is_found():
    grey = read_karyogram(real_karyogram("wellcome_45X_turner_labeled.jpg")).grey
    slots = [c.box for c in slice_karyogram(grey).cells]
    below = [f for f in check_text(grey, slots).found if f.box[1] > 900]
    assert [(f.where, f.box) for f in below] == [("margin", (1024, 970, 1045, 1021))]  # right of the X


def test_the_wellcome_arrow_is_found_on_a_taller_page():
    """The same print with more paper below it: the arrow, now 0.043 of the page's height, is no taller than
    the text mask's glyphs but its filled head is too thick for one; it was found by neither."""
    grey = read_karyogram(real_karyogram("wellcome_45X_turner_labeled.jpg")).grey
    grey = np.vstack([grey, np.full((120, grey.shape[1]), np.median(grey), grey.dtype)])
    slots = [c.box for c in slice_karyogram(grey).cells]
    check = check_text(grey, slots)
    below = [f for f in check.found if f.box[1] > 900]
    assert [(f.where, f.box) for f in below] == [("margin", (1024, 970, 1045, 1021))]  # right of the X
    out = blank(grey, list(check.regions), check.background, check.chromosomes)
    assert out[965:1026, 1019:1050].min() > check.background - 0.1  # blanked away


def test_a_line_just_below_the_header_band_is_drawn_up_to_it():
    """Rows of the print left between the band's fill and the line's showed as a grainy seam."""
    found = [
        TextOutside("header", (100, 150, 200, 180)),
        TextOutside("slot", (100, 206, 200, 236)),  # the header's second line, in the top slots' boxes
        TextOutside("margin", (300, 260, 330, 290)),  # a note well below the band stays its own box
    ]
    slots = [(0, 200, 500, 400)]
    regions = regions_to_blank(found, slots, (500, 600))
    assert sorted(regions) == [
        (0, 0, 600, 198),
        (94, 144, 206, 186),
        (94, 198, 206, 242),
        (294, 254, 336, 296),
    ]


def test_the_wellcome_header_leaves_no_strip_between_the_band_and_its_second_line():
    """Rows 94-98 stayed unpainted above "(TURNER'S SYNDROME)": a faint dotted seam under zoom."""
    grey = read_karyogram(real_karyogram("wellcome_45X_turner_labeled.jpg")).grey
    slots = [c.box for c in slice_karyogram(grey).cells]
    check = check_text(grey, slots)
    painted = painted_mask(grey.shape, check.regions)
    second = [r for r in check.regions if r[0] > 0 and r[1] < 110 < r[3]]  # "(TURNER'S SYNDROME)"
    assert len(second) == 1
    x0, _, x1, y1 = second[0]
    assert painted[:y1, x0:x1].all()
