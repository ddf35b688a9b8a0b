"""Text on a karyogram outside its chromosome slots (a header such as "47,XXY (KLINEFELTER'S SYNDROME)", a
footer with the patient's name) would unblind raters. It is found with the slicer's own text mask
(`enhancer.segmentation.segment`) and can be blanked, identically in both arms, with the background level.

Slot labels sit just under each slot's underline; text there is the slot's own and is left alone.
"""

from dataclasses import dataclass

import numpy as np
from skimage import measure

from enhancer.segmentation import segment

LABEL_BELOW = 0.05  # of the image height: the slot label under an underline
SIDE_PAD = 0.01  # of the image width, on each side of a slot
MARGIN = 2  # pixels kept clear between a blanked band and the nearest slot or label


@dataclass(frozen=True)
class TextOutside:
    """Text outside the slots: `where` is "header" (above every slot), "footer" (below) or "margin"."""

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


@dataclass(frozen=True)
class TextCheck:
    """What one karyogram showed outside its slots, and the background level to blank it with."""

    found: tuple[TextOutside, ...]
    regions: tuple[tuple[int, int, int, int], ...]  # what blanking paints over
    background: float  # grey level in [0, 1]


def check_text(grey: np.ndarray, slots: list[tuple[int, int, int, int]]) -> TextCheck:
    """Text components of the slicer's text mask whose centre lies outside every slot and its label."""
    zones = _zones(slots, grey.shape)
    top = min(z[1] for z in zones)
    bottom = max(z[3] for z in zones)
    seg = segment(grey)
    found = []
    for region in measure.regionprops(measure.label(seg.text_mask, connectivity=2)):
        y0, x0, y1, x1 = region.bbox
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        if any(a <= cx <= c and b <= cy <= d for a, b, c, d in zones):
            continue
        where = "header" if y1 <= top else "footer" if y0 >= bottom else "margin"
        found.append(TextOutside(where, (int(x0), int(y0), int(x1), int(y1))))
    return TextCheck(tuple(found), tuple(regions_to_blank(found, slots, grey.shape)), seg.background)


def regions_to_blank(
    found: list[TextOutside], slots: list[tuple[int, int, int, int]], shape: tuple[int, int]
) -> list[tuple[int, int, int, int]]:
    """What to paint over: the whole band above (below) the slots when text is there, and each margin text box.

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
        if f.where == "margin":
            x0, y0, x1, y1 = f.box
            regions.append(
                (max(0, x0 - MARGIN), max(0, y0 - MARGIN), min(width, x1 + MARGIN), min(height, y1 + MARGIN))
            )
    return regions


def blank(grey: np.ndarray, regions: list[tuple[int, int, int, int]], level: float) -> np.ndarray:
    """A copy of `grey` (values in [0, 1]) with each region set to `level` (the background)."""
    out = grey.copy()
    for x0, y0, x1, y1 in regions:
        out[y0:y1, x0:x1] = level
    return out
