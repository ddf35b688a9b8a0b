"""Layout styles of karyogram exports, so slicing is tested on the layouts labs actually send.

A style says how the page around the chromosomes looks (background, halos, underlines,
labels, header, footer banner, frame, arrows), how the chromosomes are set (length, bend,
spacing, height above the underline) and the image's size and JPEG quality. The slots stay
those of the standard template, so every style has ground-truth slots.
"""

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage as ndi

from .karyotype import random_karyotype


@dataclass(frozen=True)
class LayoutStyle:
    background: float | None = None  # grey level; None = the `background` argument (white or grey)
    halo_px: float = 0.0  # white cut-out margin around each chromosome, in px per 1000 px of height
    underline: int | None = 25  # grey level of the underlines; None = no underlines
    underline_px: float | None = None  # thickness per 1000 px of height; None = 1 px per 900 px
    labels: str = "below"  # "below" the underline, "above" the row, "pairs" (no underline), "none"
    sex_one_by_one: bool = False  # "X X Y": one label per sex chromosome
    header_lines: int = 0  # lines of header text (the first is the karyotype)
    footer: bool = False  # a grey banner with white text along the bottom
    frame: bool = False  # a dark frame around the whole figure
    arrows: int = 0  # arrows with a short annotation, pointing at chromosomes
    length: float = 1.0  # chromosome length, relative to the default
    bend: float = 1.0  # largest bend, relative to the default
    homolog_gap: float = 0.4  # gap between homologs, in chromosome widths
    lift: float = 0.0  # chromosome bottoms this far (of the height) above the underline
    width_scale: float = 1.0  # narrower pages bring the slots closer together
    size: tuple[int, int] | None = None  # width, height; None = the arguments
    jpeg_quality: tuple[int, int] | None = None  # range of JPEG quality to save at
    karyotypes: tuple[str, ...] | None = None  # drawn from these instead of the argument


ANEUPLOID = ("47,XXY", "45,X", "47,XXX", "47,XY,+8", "45,XX,-7", "47,XYY")

STYLES: dict[str, LayoutStyle] = {
    "cytovision": LayoutStyle(),
    "cut_paste": LayoutStyle(
        background=0.91,
        halo_px=3.5,
        underline=None,
        labels="pairs",
        sex_one_by_one=True,
        header_lines=2,
        footer=True,
        arrows=1,
    ),
    "journal": LayoutStyle(
        underline=105, underline_px=2.2, frame=True, arrows=1, karyotypes=("47,XXX", "47,XXY")
    ),
    "annotated": LayoutStyle(arrows=3),
    "header_footer": LayoutStyle(header_lines=2, footer=True),
    "bare": LayoutStyle(underline=None, labels="none"),
    "labels_above": LayoutStyle(labels="above"),
    "tight": LayoutStyle(homolog_gap=0.12, bend=0.4, width_scale=0.72),
    "short": LayoutStyle(length=0.45, lift=0.035),
    "long_bent": LayoutStyle(length=1.2, bend=2.6),
    "aneuploid": LayoutStyle(sex_one_by_one=True, karyotypes=ANEUPLOID),
    "jpeg_low": LayoutStyle(jpeg_quality=(12, 30)),
    "small": LayoutStyle(size=(550, 458)),
    "large": LayoutStyle(size=(3000, 2500)),
}


def style_named(name: str) -> LayoutStyle:
    if name not in STYLES:
        raise ValueError(f"unknown layout style {name!r}; one of {', '.join(STYLES)}")
    return STYLES[name]


def page_background(dark: np.ndarray, level: float, style: LayoutStyle, height: int) -> np.ndarray:
    """The page under the chromosomes: the background level, white halos where the style cuts them out."""
    page = np.full(dark.shape, level)
    if style.halo_px:
        reach = style.halo_px * height / 1000
        page[ndi.distance_transform_edt(dark < 0.02) <= reach] = 1.0
    return page


def draw_annotations(
    grey: np.ndarray,
    style: LayoutStyle,
    karyotype: str,
    slot_boxes: list[dict],
    chromosomes: list[dict],
    header: bool,
    rng: np.random.Generator,
) -> np.ndarray:
    """Underlines, labels, header, footer, frame and arrows, drawn onto the grey page."""
    height, width = grey.shape
    image = Image.fromarray(np.clip(np.rint(grey * 255), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(10, int(0.02 * height)))
    line = max(1, round(style.underline_px * height / 1000) if style.underline_px else height // 900)
    for slot in slot_boxes:
        x0, top, x1, y = slot["box"]
        if style.underline is not None:
            draw.rectangle([x0, y, x1, y + line - 1], fill=style.underline)
        if style.labels == "below":
            _slot_label(draw, slot, chromosomes, style, ((x0 + x1) / 2, y + 0.012 * height), font, "mt")
        elif style.labels == "pairs":
            _slot_label(draw, slot, chromosomes, style, ((x0 + x1) / 2, y + 0.008 * height), font, "mt")
        elif style.labels == "above":
            _slot_label(draw, slot, chromosomes, style, ((x0 + x1) / 2, top - 0.004 * height), font, "mb")
    big = ImageFont.load_default(size=max(12, int(0.03 * height)))
    lines = [karyotype, "G-banded, 550 band level"][: style.header_lines] or ([karyotype] if header else [])
    first = 0.012 if style.header_lines else 0.025
    for i, text in enumerate(lines):
        draw.text((width / 2, (first + 0.034 * i) * height), text, fill=10, font=big, anchor="mt")
    if style.footer:
        draw.rectangle([0, round(0.955 * height), width - 1, height - 1], fill=120)
        draw.text((width / 2, 0.977 * height), "Cytogenetics laboratory", fill=250, font=font, anchor="mm")
    for _ in range(style.arrows):
        _arrow(draw, chromosomes, rng, height, font)
    if style.frame:
        edge = max(2, round(0.003 * height))
        draw.rectangle([0, 0, width - 1, height - 1], outline=30, width=edge)
    return np.asarray(image, dtype=np.float64) / 255


def _slot_label(
    draw: ImageDraw.ImageDraw,
    slot: dict,
    chromosomes: list[dict],
    style: LayoutStyle,
    at: tuple[float, float],
    font,
    anchor: str,
) -> None:
    members = [c for c in chromosomes if c["label"] == slot["label"]]
    if style.sex_one_by_one and slot["label"] in ("X", "Y"):
        for member in members:  # one label under each sex chromosome
            draw.text(
                ((member["box"][0] + member["box"][2]) / 2, at[1]),
                slot["label"],
                fill=10,
                font=font,
                anchor=anchor,
            )
        return
    draw.text(at, slot["label"], fill=10, font=font, anchor=anchor)


def _arrow(
    draw: ImageDraw.ImageDraw, chromosomes: list[dict], rng: np.random.Generator, height: int, font
) -> None:
    """An arrow from the right, in the gap after a slot, pointing at its last chromosome's middle,
    with a short note at its tail."""
    rightmost = [
        c
        for c in chromosomes
        if not any(o["label"] == c["label"] and o["index"] > c["index"] for o in chromosomes)
    ]
    target = rightmost[int(rng.integers(len(rightmost)))]
    _, y0, x1, y1 = target["box"]
    tip = (x1 + 0.006 * height, (y0 + y1) / 2)
    tail = (tip[0] + 0.035 * height, tip[1] - 0.02 * height)
    stroke = max(1, round(0.002 * height))
    draw.line([tail, tip], fill=15, width=stroke)
    head = 0.008 * height
    draw.polygon(
        [tip, (tip[0] + head, tip[1] - 0.3 * head), (tip[0] + 0.6 * head, tip[1] + 0.7 * head)], fill=15
    )
    draw.text((tail[0] + 2, tail[1]), "+" + target["label"], fill=15, font=font, anchor="lb")


def save_as_jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """The uint8 grey image after a round trip through JPEG at `quality`."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("L"))


def corpus_case(style: str, index: int) -> dict:
    """Arguments of `synthesize` for karyogram `index` of a style's corpus: karyotypes drawn as in
    `random_karyotype`, excellent and mildly poor in turn, white or grey background."""
    rng = np.random.default_rng([index, 21, sum(map(ord, style))])
    return {
        "karyotype": random_karyotype(rng),
        "seed": 100_000 + index,
        "style": style,
        "quality": ("excellent", "poor")[index % 2],
        "severity": "mild",
        "background": "grey" if rng.random() < 0.3 else "white",
    }
