"""Text on a karyogram beside its chromosomes (a header such as "47,XXY (KLINEFELTER'S SYNDROME)", a
footer with the patient's name, a note written into a slot) would unblind raters. It is found with the
slicer's own text mask (`enhancer.segmentation.segment`) and can be blanked, identically in both arms, with
the background level; the original's chromosome pixels inside the slots are never painted.

A slot's label (under its underline, or at the foot of its box on exports without underlines) is the
slot's own and is left alone. Other text inside a slot's box is not: on some exports a header's
second line reaches into the top row's slots.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage as ndi
from skimage import measure

from enhancer.segmentation import segment

LABEL_BELOW = 0.05  # of the image height: the slot label under an underline
LABEL_IN_SLOT = 0.15  # of a slot's height: the label at the foot of a slot box that holds it
SIDE_PAD = 0.01  # of the image width, on each side of a slot
MARGIN = 2  # pixels kept clear between a blanked band and the nearest slot or label


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
    chromosomes: np.ndarray = field(repr=False, compare=False)  # pixels blanking never paints: in the slots


def check_text(grey: np.ndarray, slots: list[tuple[int, int, int, int]]) -> TextCheck:
    """Text components of the slicer's text mask other than the slots' own labels."""
    zones = _zones(slots, grey.shape)
    top = min(z[1] for z in zones)
    bottom = max(z[3] for z in zones)
    seg = segment(grey)
    label_rows = _label_rows(slots)
    found = []
    for region in measure.regionprops(measure.label(seg.text_mask, connectivity=2)):
        y0, x0, y1, x1 = region.bbox
        where = _place((x0 + x1) / 2, (y0 + y1) / 2, zones, label_rows, top, bottom)
        if where is not None:
            found.append(TextOutside(where, (int(x0), int(y0), int(x1), int(y1))))
    # Only inside the slots: in a header or footer band thick letters can pass for chromosome objects.
    in_slots = np.zeros(grey.shape, bool)
    for x0, y0, x1, y1 in slots:
        in_slots[y0:y1, x0:x1] = True
    chromosomes = ndi.binary_dilation(seg.labels > 0, iterations=MARGIN) & in_slots
    return TextCheck(
        tuple(found), tuple(regions_to_blank(found, slots, grey.shape)), seg.background, chromosomes
    )


def regions_to_blank(
    found: list[TextOutside], slots: list[tuple[int, int, int, int]], shape: tuple[int, int]
) -> list[tuple[int, int, int, int]]:
    """What to paint over: the whole band above (below) the slots when text is there, and each other text box.

    A whole band, because the text mask may catch only some letters of a faint or blurred header.
    """
    height, width = shape
    zones = _zones(slots, shape)
    top, bottom = int(min(z[1] for z in zones)), int(np.ceil(max(z[3] for z in zones)))
    regions = []
    if any(f.where == "header" for f in found) and top - MARGIN > 0:
        regions.append((0, 0, width, top - MARGIN))
    if any(f.where == "footer" for f in found) and bottom + MARGIN < height:
        regions.append((0, bottom + MARGIN, width, height))
    for f in found:
        if f.where in ("margin", "slot"):
            x0, y0, x1, y1 = f.box
            regions.append(
                (max(0, x0 - MARGIN), max(0, y0 - MARGIN), min(width, x1 + MARGIN), min(height, y1 + MARGIN))
            )
    return regions


def blank(
    grey: np.ndarray, regions: list[tuple[int, int, int, int]], level: float, keep: np.ndarray | None = None
) -> np.ndarray:
    """A copy of `grey` (values in [0, 1]) with each region set to `level` (the background), except the
    pixels `keep` marks (the original's chromosomes, so a note drawn in a slot goes and the slot stays)."""
    out = grey.copy()
    for x0, y0, x1, y1 in regions:
        window = out[y0:y1, x0:x1]
        window[...] = level if keep is None else np.where(keep[y0:y1, x0:x1], window, level)
    return out
