"""The panels of a multi-panel figure: the rectangles its border lines divide it into, so that a figure
showing two karyograms side by side (a journal's "(a) 45,X  (b) 47,XXX") is cut into one karyogram each
instead of being refused."""

from collections.abc import Sequence

import numpy as np

from .io import DecodedKaryogram, ImageInfo, encode_karyogram
from .segmentation import BorderLine, segment

# A panel spans at least this share of the figure's width and of its height: the strip between the two
# lines of a double border, or a caption column, is not a panel.
MIN_PANEL_SHARE = 0.2

Box = tuple[int, int, int, int]  # x0, y0, x1, y1; x1 and y1 exclusive


def _spans(size: int, lines: list[BorderLine]) -> list[tuple[int, int]]:
    """The stretches of 0..size that `lines` leave between them, those wide enough to be panels."""
    spans, start = [], 0
    for line in sorted(lines, key=lambda line: line.start):
        spans.append((start, line.start))
        start = max(start, line.stop)
    spans.append((start, size))
    return [(a, b) for a, b in spans if b - a >= MIN_PANEL_SHARE * size]


def panel_boxes(lines: Sequence[BorderLine], width: int, height: int) -> list[Box]:
    """The boxes of the panels that border `lines` divide a `width`×`height` figure into, row by row;
    empty unless there are at least two."""
    columns = _spans(width, [line for line in lines if line.vertical])
    rows = _spans(height, [line for line in lines if not line.vertical])
    boxes = [(x0, y0, x1, y1) for y0, y1 in rows for x0, x1 in columns]
    return boxes if len(boxes) >= 2 else []


def find_panels(grey: np.ndarray) -> list[Box]:
    """The panels of a figure of several karyograms (empty when it is one): `panel_boxes` of the border
    lines `segment` finds."""
    height, width = grey.shape
    return panel_boxes(segment(grey).border_lines, width, height)


def panel_files(karyogram: DecodedKaryogram, panels: Sequence[Box]) -> list[tuple[bytes, str]]:
    """Each panel cut from the figure's native pixels and encoded without loss (a TIFF stays TIFF, any
    other format becomes PNG; the padding byte of a 32-bit BMP is dropped), with its file suffix."""
    info = karyogram.info
    tiff = info.format == "TIFF"
    files = []
    for x0, y0, x1, y1 in panels:
        pixels = karyogram.pixels[y0:y1, x0:x1]
        if info.channels == 4 and not tiff:
            pixels = pixels[..., :3]
        channels = pixels.shape[2] if pixels.ndim == 3 else 1
        panel = ImageInfo("TIFF" if tiff else "PNG", x1 - x0, y1 - y0, channels, info.bit_depth)
        files.append((encode_karyogram(np.ascontiguousarray(pixels), panel), ".tif" if tiff else ".png"))
    return files
