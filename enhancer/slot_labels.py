"""Read the slot labels (1..22, X, Y) printed under a row of a karyogram, with Tesseract OCR.

Labels anchor slot identity where the chromosome groups alone cannot (slots left empty,
groups split or merged). Tesseract is optional: without it (or when it fails) nothing is
read and the slicer keeps to the geometry.
"""

import numpy as np
from PIL import Image, ImageOps

WHITELIST = "0123456789XY"
PAD = 20  # white margin around the strip, px


def read_slot_labels(grey: np.ndarray, y0: int, y1: int, wanted: tuple[str, ...]) -> dict[str, list[float]]:
    """The labels among `wanted` found in rows y0:y1 of `grey` ([0, 1], dark text on light), each with
    the x-centres (px of the image) where it was read; empty when Tesseract is not available."""
    try:
        import pytesseract
    except ImportError:
        return {}
    strip = grey[max(y0, 0) : max(y1, 0)]
    if strip.shape[0] < 4:
        return {}
    # Labels are ~1.7 % of the image's height; Tesseract reads black-on-white glyphs ~45 px tall best,
    # as one block of text (psm 6): sparse-text mode misses lone digits.
    scale = float(np.clip(45 / (0.017 * grey.shape[0]), 1, 4))
    page, darkest = float(np.median(strip)), float(strip.min())
    ink = np.where(strip < (page + darkest) / 2, 0, 255).astype(np.uint8)
    size = (round(ink.shape[1] * scale), round(ink.shape[0] * scale))
    image = ImageOps.expand(Image.fromarray(ink).resize(size, Image.Resampling.LANCZOS), PAD, fill=255)
    config = f"--psm 6 -c tessedit_char_whitelist={WHITELIST}"
    try:
        data = pytesseract.image_to_data(image, config=config, output_type=pytesseract.Output.DICT)
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError):
        return {}
    found: dict[str, list[float]] = {}
    for text, left, width in zip(data["text"], data["left"], data["width"], strict=True):
        for label in _labels_in(text.strip(), wanted):
            found.setdefault(label, []).append((left - PAD + width / 2) / scale)
    return found


def _labels_in(text: str, wanted: tuple[str, ...]) -> list[str]:
    """A word is one label ("12"), or sex chromosomes read together ("XXY" is three labels)."""
    if text in wanted:
        return [text]
    if text and set(text) <= {"X", "Y"}:
        return [c for c in text if c in wanted]
    return []
