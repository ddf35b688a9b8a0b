"""Compose synthetic karyograms laid out like a karyogram export, with ground truth.

Four rows of 5/7/6/6 slots; the page around them (underlines, labels, header, background,
spacing, JPEG) follows a layout style of `layouts` (default CytoVision-like). The chromosomes of a karyogram are rendered once, at
one condensation (band level 300–850, drawn per seed); the excellent image is that rendering
through good optics, and a poor image is the same rendering degraded (`degrade`). So the two
images of a pair share band level, length and geometry exactly, pixel for pixel, and the
excellent one holds no band that the poor one does not.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage as ndi

from ..template import BASELINE_Y, ROWS, template_slots
from .cytoband import Cytobands, load_cytobands
from .degrade import (
    TRAINING_FAMILIES,
    Degradation,
    degrade_content,
    draw_degradation,
    encode,
    excellent_capture,
)
from .karyotype import parse_karyotype
from .layouts import LayoutStyle, draw_annotations, page_background, save_as_jpeg, style_named
from .render import Look, Pose, render_chromosome

CYTOBAND_FILE = Path(__file__).with_name("data") / "hg38_cytoBand.tsv"
INK = 1.0  # darkness of a fully stained, fully covered pixel


@dataclass
class SyntheticKaryogram:
    image: np.ndarray  # uint8 grey
    truth: dict  # karyotype, slots, chromosomes, condensation, quality and degradation parameters
    mask: np.ndarray | None = None  # chromosome pixels before degradation (identical within a pair)


@dataclass
class _Scene:
    """The rendered chromosomes of one karyogram, before optics, annotations and degradation."""

    dark: np.ndarray
    mask: np.ndarray
    look: Look
    style: LayoutStyle
    background: float
    page: np.ndarray  # the page under the chromosomes (background level, halos where the style has them)
    width_px: float
    slot_boxes: list[dict]
    truth: dict


def synthesize(
    karyotype: str = "46,XY",
    seed: int = 0,
    quality: str = "excellent",
    severity: str | float = "moderate",
    width: int = 1200,
    height: int = 1000,
    header: bool = False,
    background: str = "white",
    shorten: bool = True,
    cytobands: Cytobands | None = None,
    family: str | None = None,
    style: str = "cytovision",
) -> SyntheticKaryogram:
    """One karyogram; `quality` is "excellent" or "poor" (see `synthesize_pair` for aligned pairs);
    `style` is a layout style of `layouts.STYLES`.

    A poor karyogram is degraded by `family` (default: one of TRAINING_FAMILIES drawn per seed, so
    the held-out family never appears unless named). With `shorten`, an unpaired poor karyogram is
    drawn at the condensed end (300–400 bands), as bone-marrow preparations often are."""
    if quality not in ("excellent", "poor"):
        raise ValueError("quality must be 'excellent' or 'poor'")
    poor = quality == "poor"
    scene = _render(karyotype, seed, width, height, background, cytobands, poor and shorten, style)
    if not poor:
        return _finish(scene, excellent_capture(np.random.default_rng([seed, 3])), seed, header)
    return _finish(scene, _poor_degradation(seed, severity, family), seed, header, severity)


def synthesize_pair(
    karyotype: str = "46,XY",
    seed: int = 0,
    severity: str | float = "moderate",
    family: str | None = None,
    width: int = 1200,
    height: int = 1000,
    header: bool = False,
    background: str = "white",
    cytobands: Cytobands | None = None,
    style: str = "cytovision",
) -> tuple[SyntheticKaryogram, SyntheticKaryogram]:
    """The same karyogram excellent and poor: one rendering, pixel-aligned, same band level and length."""
    scene = _render(karyotype, seed, width, height, background, cytobands, False, style)
    return (
        _finish(scene, excellent_capture(np.random.default_rng([seed, 3])), seed, header),
        _finish(scene, _poor_degradation(seed, severity, family), seed, header, severity),
    )


def _poor_degradation(seed: int, severity: str | float, family: str | None) -> Degradation:
    rng = np.random.default_rng([seed, 1])
    chosen = family or str(rng.choice(TRAINING_FAMILIES))
    return draw_degradation(chosen, severity, rng)


def _render(
    karyotype, seed, width, height, background, cytobands, condensed: bool, style_name: str
) -> _Scene:
    style = style_named(style_name)
    width, height = style.size or (round(width * style.width_scale), height)
    if style.karyotypes:
        karyotype = str(np.random.default_rng([seed, 3]).choice(style.karyotypes))
    bands = cytobands or load_cytobands(str(CYTOBAND_FILE))
    slots = parse_karyotype(karyotype, bands)
    geometry = np.random.default_rng([seed, 0])  # condensation, poses and positions
    look = Look.draw(geometry, band_level=int(geometry.choice([300, 400])) if condensed else None)
    bg = style.background or (1.0 if background == "white" else 0.9)
    px_per_bp = style.length * look.chr1_length * height / bands.length("1")
    chrom_width = look.width * height
    dark = np.zeros((height, width))
    cover = np.zeros((height, width))
    chromosomes, slot_boxes = [], []

    template = iter(template_slots(width, height))
    for row, labels in enumerate(ROWS):
        base_y = int(BASELINE_Y[row] * height)
        for label in labels:
            slot = next(template)
            slot_boxes.append(slot)
            cx = (slot["box"][0] + slot["box"][2]) / 2
            members = slots[label]
            max_bend = 0.9 * chrom_width * style.bend
            spacing = chrom_width + 2.4 * max_bend + style.homolog_gap * chrom_width  # homologs never touch
            for i, chromosome in enumerate(members):
                pose = Pose.draw(geometry, max_bend=max_bend)
                ink, alpha = render_chromosome(chromosome, bands, px_per_bp, chrom_width, pose, look)
                x_centre = cx + (i - (len(members) - 1) / 2) * spacing + geometry.normal(0, 1.5)
                bottom = base_y - 3 - int(geometry.integers(0, 4)) - round(style.lift * height)
                box = _paste(dark, cover, ink, alpha, x_centre, bottom)
                chromosomes.append(
                    {
                        "label": label,
                        "index": i,
                        "box": box,
                        "segments": [[s.chrom, s.start, s.end, s.reverse] for s in chromosome],
                    }
                )

    truth = {
        "karyotype": karyotype,
        "seed": seed,
        "background": background,
        "style": style_name,
        "image": {"width": width, "height": height},
        "slots": slot_boxes,
        "chromosomes": chromosomes,
        "condensation": {
            "band_level": look.band_level,
            "chromosome_1_px": round(look.chr1_length * height, 1),
            "width_px": round(chrom_width, 1),
        },
        "look": {k: round(v, 4) for k, v in vars(look).items()},
    }
    page = page_background(dark, bg, style, height)
    return _Scene(dark, cover > 0.5, look, style, bg, page, chrom_width, slot_boxes, truth)


def _finish(
    scene: _Scene, params: Degradation, seed: int, header: bool, severity: str | float | None = None
) -> SyntheticKaryogram:
    """Optics, then the degradation of the chromosome image, then the software's annotations, then export."""
    dark = ndi.gaussian_filter(scene.dark, scene.look.optics * scene.width_px)
    grey = scene.page * (1 - INK * dark)
    rng = np.random.default_rng([seed, 2])
    grey = degrade_content(grey, scene.mask, params, rng, scene.background, scene.width_px)
    truth = scene.truth
    grey = draw_annotations(
        grey,
        scene.style,
        truth["karyotype"],
        scene.slot_boxes,
        truth["chromosomes"],
        header,
        np.random.default_rng([seed, 4]),
    )
    quality = "excellent" if params.family == "excellent" else "poor"
    truth = {**truth, "quality": quality, "severity": severity, "degradation": params.as_dict()}
    image = encode(grey, params)
    if scene.style.jpeg_quality:  # the style's export, after the capture's own encoding
        jpeg = np.random.default_rng([seed, 5])
        image = save_as_jpeg(image, int(jpeg.integers(*scene.style.jpeg_quality, endpoint=True)))
    return SyntheticKaryogram(image, truth, scene.mask.copy())


def _paste(
    dark: np.ndarray, cover: np.ndarray, ink: np.ndarray, alpha: np.ndarray, x_centre: float, bottom: int
) -> list[int]:
    """Composite `ink` with its bottom at `bottom`; returns the chromosome's box (alpha > 0.5)."""
    rows, cols = np.nonzero(alpha > 0.5)
    y_off = bottom - rows.max() - 1
    x_off = round(x_centre - (cols.min() + cols.max()) / 2)
    h, w = dark.shape
    ys, xs = (
        slice(max(y_off, 0), min(y_off + ink.shape[0], h)),
        slice(max(x_off, 0), min(x_off + ink.shape[1], w)),
    )
    sub = ink[ys.start - y_off : ys.stop - y_off, xs.start - x_off : xs.stop - x_off]
    dark[ys, xs] = np.maximum(dark[ys, xs], sub)
    cover[ys, xs] = np.maximum(
        cover[ys, xs], alpha[ys.start - y_off : ys.stop - y_off, xs.start - x_off : xs.stop - x_off]
    )
    return [
        int(cols.min() + x_off),
        int(rows.min() + y_off),
        int(cols.max() + x_off + 1),
        int(rows.max() + y_off + 1),
    ]
