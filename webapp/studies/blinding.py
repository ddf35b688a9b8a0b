"""Text on a karyogram beside its chromosomes (a header such as "47,XXY (KLINEFELTER'S SYNDROME)", a
footer with the patient's name, a note written into a slot) would unblind raters. It is found with the
slicer's own text mask (`enhancer.segmentation.segment`) and can be blanked, the same pixels in both arms,
each region filled with the background just around it in that arm (so no patch outline shows where the
print's background varies); the original's chromosome pixels inside the slots are never painted.
Marks of one text line (a comma, an apostrophe, a letter the mask missed between two it caught) are
blanked with their line. A near-black mark of thin strokes that the text mask leaves out (an arrow drawn at
a missing chromosome: too tall for a glyph, or its filled head too thick) is found as text too.

A slot's label (under its underline, or at the foot of its box on exports without underlines) is the
slot's own and is left alone. Other text inside a slot's box is not: on some exports a header's
second line reaches into the top row's slots.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage as ndi
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from skimage import measure

from enhancer.segmentation import Segmentation, segment

LABEL_BELOW = 0.05  # of the image height: the slot label under an underline
LABEL_IN_SLOT = 0.15  # of a slot's height: the label at the foot of a slot box that holds it
SIDE_PAD = 0.01  # of the image width, on each side of a slot
MARGIN = 2  # pixels kept clear between a blanked band and the nearest slot or label
LINE_GAP = 1.0  # of a letter's height: marks this close on one line are one text line
LINE_PAD = 0.2  # of a line's height, around it: the blurred or JPEG-ringing edge of its letters
RING = 6  # pixels: the ring around a blanked region whose background fills it
MARK_SMALL = 0.02  # of the image height: the smallest annotation mark, a small letter's height (less: dust)
MARK_TALL = 0.1  # of the image height: the tallest thin mark taken for an annotation (an arrow)
INK = 0.7  # of the way from the background to the ink: how dark an annotation's core is (as the text mask's)


@dataclass(frozen=True)
class TextOutside:
    """Text beside the chromosomes: `where` is "header" (above every slot), "footer" (below), "margin"
    (beside the slots) or "slot" (inside a slot's box, not its label)."""

    where: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive), pixels of the original

    def to_json(self) -> dict:
        return {"where": self.where, "box": list(self.box)}


def _zones(slots: list[tuple[int, int, int, int]], shape: tuple[int, int]) -> list[tuple[float, ...]]:
    height, width = shape
    return [
        (x0 - SIDE_PAD * width, y0, x1 + SIDE_PAD * width, y1 + LABEL_BELOW * height)
        for x0, y0, x1, y1 in slots
    ]


def _label_rows(slots: list[tuple[int, int, int, int]]) -> list[float]:
    """Per slot, the row below which text is its label, for exports that draw the number inside the slot's
    box: the foot of the box (`LABEL_IN_SLOT` of its height). Anything higher, a note under a chromosome
    included, is not the slot's own."""
    return [y1 - LABEL_IN_SLOT * (y1 - y0) for _, y0, _, y1 in slots]


def _place(cx: float, cy: float, zones, label_rows: list[float], top: float, bottom: float) -> str | None:
    """Where a text mark centred at (cx, cy) lies; None for a slot's own label."""
    for (a, b, c, d), label_row in zip(zones, label_rows, strict=True):
        if a <= cx <= c and b <= cy <= d:
            return None if cy > label_row else "slot"
    return "header" if cy < top else "footer" if cy > bottom else "margin"


@dataclass(frozen=True)
class TextCheck:
    """What text one karyogram showed beside its chromosomes, and how to blank it."""

    found: tuple[TextOutside, ...]
    regions: tuple[tuple[int, int, int, int], ...]  # what blanking paints over
    background: float  # grey level in [0, 1]
    # pixels blanking never paints: the chromosomes in the slots and the slots' own labels
    chromosomes: np.ndarray = field(repr=False, compare=False)


def check_text(grey: np.ndarray, slots: list[tuple[int, int, int, int]]) -> TextCheck:
    """Text components of the slicer's text mask, and tall thin marks (`_tall_marks`), other than the slots'
    own labels."""
    zones = _zones(slots, grey.shape)
    top = min(z[1] for z in zones)
    bottom = max(z[3] for z in zones)
    seg = segment(grey)
    label_rows = _label_rows(slots)
    found = []
    labels = np.zeros(grey.shape, bool)
    text = measure.label(seg.text_mask | _tall_marks(grey, seg), connectivity=2)
    for region in measure.regionprops(text):
        y0, x0, y1, x1 = region.bbox
        where = _place((x0 + x1) / 2, (y0 + y1) / 2, zones, label_rows, top, bottom)
        if where is not None:
            found.append(TextOutside(where, (int(x0), int(y0), int(x1), int(y1))))
        else:
            labels[y0:y1, x0:x1] |= text[y0:y1, x0:x1] == region.label
    # Only inside the slots: in a header or footer band thick letters can pass for chromosome objects.
    in_slots = np.zeros(grey.shape, bool)
    for x0, y0, x1, y1 in slots:
        in_slots[y0:y1, x0:x1] = True
    chromosomes = ndi.binary_dilation(seg.labels > 0, iterations=MARGIN) & in_slots
    chromosomes |= ndi.binary_dilation(labels, iterations=MARGIN)
    return TextCheck(
        tuple(found), tuple(regions_to_blank(found, slots, grey.shape)), seg.background, chromosomes
    )


def _tall_marks(grey: np.ndarray, seg: Segmentation) -> np.ndarray:
    """Marks of thin strokes with a near-black core, as the text mask's glyphs, that it left out (taller than
    a glyph, or with a part too thick for one, as an arrow's filled head), from `MARK_SMALL` to `MARK_TALL`
    of the image and clear of chromosomes, underlines and text: an arrow at a missing chromosome, which the
    segmenter leaves as debris."""
    height = grey.shape[0]
    contrast = seg.background - np.percentile(grey, 0.5)
    clear = ~ndi.binary_dilation((seg.labels > 0) | seg.text_mask | seg.underline_mask, iterations=3)
    marks, _ = ndi.label(grey < seg.background - 0.15 * contrast, np.ones((3, 3), bool))
    found = np.zeros(grey.shape, bool)
    for number, box in enumerate(ndi.find_objects(marks), start=1):
        mark = marks[box] == number
        if not MARK_SMALL * height <= max(mark.shape) <= MARK_TALL * height or not clear[box][mark].all():
            continue
        # as the segmenter's text: the darker quarter of the stroke near-black, half a stroke at most
        # 0.0035 of the image height + 1
        core = np.percentile(grey[box][mark], 25) < seg.background - INK * contrast
        if core and np.median(ndi.distance_transform_edt(mark)[mark]) <= 0.0035 * height + 1:
            found[box] |= mark
    return found


def regions_to_blank(
    found: list[TextOutside], slots: list[tuple[int, int, int, int]], shape: tuple[int, int]
) -> list[tuple[int, int, int, int]]:
    """What to paint over: the whole band above (below) the slots when text is there, and each text line.

    A whole band, because the text mask may catch only some letters of a faint or blurred header; each line
    too, padded, because a header line may reach below the band (the comma of "45,XO") and a line's letters
    have blurred edges the mask leaves out. A line that ends within its pad of a band (or of the image's edge)
    is drawn up to it, so no strip of the print's grain is left between two smooth fills.
    """
    height, width = shape
    zones = _zones(slots, shape)
    top, bottom = int(min(z[1] for z in zones)), int(np.ceil(max(z[3] for z in zones)))
    regions = []
    header_end, footer_start = 0, height
    if any(f.where == "header" for f in found) and top - MARGIN > 0:
        header_end = top - MARGIN
        regions.append((0, 0, width, header_end))
    if any(f.where == "footer" for f in found) and bottom + MARGIN < height:
        footer_start = bottom + MARGIN
        regions.append((0, footer_start, width, height))
    for x0, y0, x1, y1 in _lines([f.box for f in found]):
        pad = max(MARGIN, round(LINE_PAD * (y1 - y0)))
        upper, lower = max(0, y0 - pad), min(height, y1 + pad)
        upper = min(upper, header_end) if upper - header_end <= pad else upper
        lower = max(lower, footer_start) if footer_start - lower <= pad else lower
        regions.append((max(0, x0 - pad), upper, min(width, x1 + pad), lower))
    return regions


def _lines(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Boxes of marks on one line (sharing half the smaller one's height) within `LINE_GAP` of a letter's
    height of each other, merged into one box per line (the connected groups of such neighbours)."""
    if not boxes:
        return []
    x0, y0, x1, y1 = (np.array(side)[:, None] for side in zip(*boxes, strict=True))
    height = y1 - y0
    shared = np.minimum(y1, y1.T) - np.maximum(y0, y0.T)
    gap = np.maximum(x0, x0.T) - np.minimum(x1, x1.T)
    near = (shared >= 0.5 * np.minimum(height, height.T)) & (gap <= LINE_GAP * np.maximum(height, height.T))
    _, line = connected_components(csr_matrix(near), directed=False)
    return [
        (int(x0[on].min()), int(y0[on].min()), int(x1[on].max()), int(y1[on].max()))
        for on in (line == n for n in range(line.max() + 1))
    ]


def blank(
    grey: np.ndarray, regions: list[tuple[int, int, int, int]], level: float, keep: np.ndarray | None = None
) -> np.ndarray:
    """A copy of `grey` (values in [0, 1]) with the regions filled with their surroundings' background
    (`_fill`, per connected patch of overlapping regions; `level` where they hold too little), except the
    pixels `keep` marks (the original's chromosomes and the slots' labels, so a note drawn in a slot goes and
    the slot stays)."""
    keep = np.zeros(grey.shape, bool) if keep is None else keep
    painted = np.zeros(grey.shape, bool)
    for x0, y0, x1, y1 in regions:
        painted[y0:y1, x0:x1] = True
    patches, _ = ndi.label(painted)
    out = grey.copy()
    for number, found in enumerate(ndi.find_objects(patches), start=1):
        rows, cols = found
        window = (
            slice(max(0, rows.start - RING), rows.stop + RING),
            slice(max(0, cols.start - RING), cols.stop + RING),
        )
        patch = patches[window] == number
        ring = ndi.binary_dilation(patch, np.ones((2 * RING + 1, 2 * RING + 1), bool)) & ~painted[window]
        fill = _fill(grey[window], patch, ring & ~keep[window], level)
        out[window] = np.where(patch & ~keep[window], fill, out[window])
    return out


def _fill(window: np.ndarray, patch: np.ndarray, ring: np.ndarray, level: float) -> np.ndarray:
    """The background of `ring` (background pixels around `patch`) carried over the window: a plane fitted to
    those within 3 robust deviations of their median (flat along an axis the ring does not span from end to
    end), plus the ring's own departure from it, carried a few pixels in so the patch's outline meets it."""
    values = window[ring].astype(float)
    if values.size < 3 * RING:
        return np.full(window.shape, level, window.dtype)
    median = np.median(values)
    ring = ring & (np.abs(window - median) <= 3 * (1.4826 * np.median(np.abs(values - median)) + 1e-3))
    design, plane = [np.ones(int(ring.sum()))], [np.ones(window.shape)]
    for at in np.mgrid[0 : window.shape[0], 0 : window.shape[1]].astype(float):
        if np.ptp(at[ring]) >= np.ptp(at[patch]):
            centre = at[ring].mean()
            design.append(at[ring] - centre)
            plane.append(at - centre)
    coefficients = np.linalg.lstsq(np.stack(design, 1), window[ring], rcond=None)[0]
    plane = sum(k * v for k, v in zip(coefficients, plane, strict=True))
    departure = np.where(ring, window - plane, 0.0)
    near = ndi.gaussian_filter(ring.astype(float), RING / 3)
    return (plane + ndi.gaussian_filter(departure, RING / 3) / np.maximum(near, 0.5)).astype(window.dtype)
