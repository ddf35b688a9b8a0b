"""Compose synthetic karyograms laid out like a CytoVision-style export, with ground truth.

Four rows of 5/7/6/6 slots, an underline and a number label under each slot, optional
header text, white or grey background. Excellent and poor versions of one seed share
every pose and position, so `pair` quality gives pixel-aligned ground truth.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..slicing import ROWS
from ..template import BASELINE_Y, template_slots
from .cytoband import Cytobands, load_cytobands
from .degrade import EXCELLENT_IMAGE, EXCELLENT_LOOK, degrade_image, describe, poor_image, poor_look
from .karyotype import KARYOTYPES, parse_karyotype
from .layouts import draw_annotations, page_background, save_as_jpeg, style_named
from .render import Look, Pose, render_chromosome

CYTOBAND_FILE = Path(__file__).with_name("data") / "hg38_cytoBand.tsv"

CHR1_LENGTH = 0.17  # of the image height, at full length
CHROMOSOME_WIDTH = 0.024


@dataclass
class SyntheticKaryogram:
    image: np.ndarray  # uint8 grey
    truth: dict  # karyotype, slots, chromosomes, quality and degradation parameters


def synthesize(karyotype: str = "46,XY", seed: int = 0, quality: str = "excellent", severity: str = "moderate",
               width: int = 1200, height: int = 1000, header: bool = False, background: str = "white",
               shorten: bool = True, cytobands: Cytobands | None = None,
               style: str = "cytovision") -> SyntheticKaryogram:
    """One karyogram; `quality` is "excellent" or "poor" (see `synthesize_pair` for aligned pairs);
    `style` is a layout style of `layouts.STYLES`."""
    if quality == "excellent":
        return _compose(karyotype, seed, EXCELLENT_LOOK, EXCELLENT_IMAGE, "excellent", severity, width, height,
                        header, background, cytobands, style)
    if quality != "poor":
        raise ValueError("quality must be 'excellent' or 'poor'")
    rng = np.random.default_rng([seed, 1])
    return _compose(karyotype, seed, poor_look(severity, rng, shorten), poor_image(severity, rng), "poor",
                    severity, width, height, header, background, cytobands, style)


def synthesize_pair(karyotype: str = "46,XY", seed: int = 0, severity: str = "moderate",
                    **kwargs) -> tuple[SyntheticKaryogram, SyntheticKaryogram]:
    """The same karyogram excellent and poor, pixel-aligned (no shortening)."""
    return (synthesize(karyotype, seed, "excellent", severity, **kwargs),
            synthesize(karyotype, seed, "poor", severity, shorten=False, **kwargs))


def random_karyotype(rng: np.random.Generator) -> str:
    """Normal karyotypes half the time, otherwise one of the common bone-marrow changes."""
    if rng.random() < 0.5:
        return str(rng.choice(["46,XX", "46,XY"]))
    return str(rng.choice(KARYOTYPES[2:]))


def _compose(karyotype, seed, look: Look, degradation, quality, severity, width, height, header, background,
             cytobands, style_name) -> SyntheticKaryogram:
    style = style_named(style_name)
    width, height = style.size or (round(width * style.width_scale), height)
    if style.karyotypes:
        karyotype = str(np.random.default_rng([seed, 3]).choice(style.karyotypes))
    bands = cytobands or load_cytobands(str(CYTOBAND_FILE))
    slots = parse_karyotype(karyotype, bands)
    geometry = np.random.default_rng([seed, 0])  # poses and positions: identical for a pair
    bg = style.background or (1.0 if background == "white" else 0.9)
    px_per_bp = style.length * CHR1_LENGTH * height / bands.length("1")
    chrom_width = CHROMOSOME_WIDTH * height
    dark = np.zeros((height, width))
    chromosomes, slot_boxes = [], []

    template = iter(template_slots(width, height))
    for row, labels in enumerate(ROWS):
        base_y = int(BASELINE_Y[row] * height)
        for label in labels:
            slot = next(template)
            slot_boxes.append(slot)
            cx = (slot["box"][0] + slot["box"][2]) / 2
            members = slots[label]
            max_bend = 0.35 * chrom_width * style.bend
            spacing = chrom_width + 2 * max_bend + style.homolog_gap * chrom_width
            for i, chromosome in enumerate(members):
                pose = Pose.draw(geometry, max_bend=max_bend)
                ink, alpha = render_chromosome(chromosome, bands, px_per_bp, chrom_width, pose, look)
                x_centre = cx + (i - (len(members) - 1) / 2) * spacing + geometry.normal(0, 1.5)
                bottom = base_y - 3 - int(geometry.integers(0, 4)) - round(style.lift * height)
                box = _paste(dark, ink, alpha, x_centre, bottom)
                chromosomes.append({"label": label, "index": i, "box": box,
                                    "segments": [[s.chrom, s.start, s.end, s.reverse] for s in chromosome]})

    grey = page_background(dark, bg, style, height) * (1 - 0.9 * dark)
    grey = draw_annotations(grey, style, karyotype, slot_boxes, chromosomes, header, np.random.default_rng([seed, 4]))
    rng = np.random.default_rng([seed, 2])
    image = degrade_image(grey, bg, degradation, rng)
    if style.jpeg_quality:
        image = save_as_jpeg(image, int(rng.integers(*style.jpeg_quality, endpoint=True)))
    truth = {
        "karyotype": karyotype, "seed": seed, "quality": quality,
        "severity": severity if quality == "poor" else None, "background": background, "style": style_name,
        "image": {"width": width, "height": height},
        "slots": slot_boxes, "chromosomes": chromosomes, "degradation": describe(look, degradation),
    }
    return SyntheticKaryogram(image, truth)


def _paste(dark: np.ndarray, ink: np.ndarray, alpha: np.ndarray, x_centre: float, bottom: int) -> list[int]:
    """Composite `ink` with its bottom at `bottom`; returns the chromosome's box (alpha > 0.5)."""
    rows, cols = np.nonzero(alpha > 0.5)
    y_off = bottom - rows.max() - 1
    x_off = int(round(x_centre - (cols.min() + cols.max()) / 2))
    h, w = dark.shape
    ys, xs = slice(max(y_off, 0), min(y_off + ink.shape[0], h)), slice(max(x_off, 0), min(x_off + ink.shape[1], w))
    sub = ink[ys.start - y_off:ys.stop - y_off, xs.start - x_off:xs.stop - x_off]
    dark[ys, xs] = np.maximum(dark[ys, xs], sub)
    return [int(cols.min() + x_off), int(rows.min() + y_off), int(cols.max() + x_off + 1), int(rows.max() + y_off + 1)]
