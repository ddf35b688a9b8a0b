"""Separate what is on a karyogram: chromosome objects, underlines, label text and debris.

Works on the grey image in [0, 1] (dark chromosomes on a light background). Rules are
relative to the image's own background level and ink range, so they hold for white and
grey backgrounds, 8 and 16 bit, and resolutions from ~1000 to ~3000 px wide.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage as ndi
from skimage import measure, morphology, segmentation


@dataclass(frozen=True)
class Underline:
    x0: int
    x1: int  # exclusive
    y0: int
    y1: int  # exclusive


@dataclass
class ChromosomeObject:
    """One connected chromosome (or fragment) with its bounding box and pixel label."""

    label: int
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)
    area: int

    @property
    def cx(self) -> float:
        return (self.box[0] + self.box[2]) / 2

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]


@dataclass
class Segmentation:
    background: float  # grey level of the background
    objects: list[ChromosomeObject]
    labels: np.ndarray  # int32 image, object label per pixel (0 = not chromosome)
    underlines: list[Underline]
    underline_mask: np.ndarray
    text_mask: np.ndarray  # label digits, header text, arrows
    border_lines: int = 0  # long lines spanning most of the image: panel borders
    debris: int = field(default=0)


def background_level(grey: np.ndarray) -> float:
    """The most common grey level: the background on any karyogram export."""
    hist = np.histogram(grey, bins=256, range=(0.0, 1.0))[0]
    return (int(np.argmax(hist)) + 0.5) / 256


def segment(grey: np.ndarray) -> Segmentation:
    """Find chromosome objects, underlines and text on a karyogram."""
    height, width = grey.shape
    bg = background_level(grey)
    ink = float(np.percentile(grey, 0.5))
    contrast = max(bg - ink, 1e-3)
    strong = grey < bg - 0.15 * contrast  # clearly dark: text, lines, chromosome bodies
    # Pale chromosome parts too; a noisy image is denoised first so noise does not join objects
    # (clean exports are not, so narrow gaps between homologs stay open).
    noise = 1.4826 * float(np.median(np.abs(grey - np.median(grey))))
    noisy = noise > 0.02
    if noisy:
        grey_for_mask = ndi.gaussian_filter(grey, 1.5)
        noise = 1.4826 * float(np.median(np.abs(grey_for_mask - np.median(grey_for_mask))))
    else:
        grey_for_mask = grey
    inclusive = grey_for_mask < bg - max(0.08 * contrast, 4 * noise)

    # Noise breaks thin lines into short runs: in a noisy image they are looked for after
    # smoothing along the rows only, which keeps a one-pixel line as dark as it was.
    dark_lines = ndi.uniform_filter1d(grey, 9, axis=1) < bg - 0.15 * contrast if noisy else strong
    underlines, line_mask, border_lines = _find_lines(dark_lines, width, height)
    underline_mask = ndi.binary_dilation(line_mask, iterations=1) & strong if noisy else line_mask
    text_mask = _find_text(grey, strong & ~underline_mask, bg, ink, height)
    text_mask |= _below_underlines(strong & ~underline_mask, underlines, height)

    candidate = inclusive & ~ndi.binary_dilation(underline_mask | text_mask, iterations=1)
    candidate = morphology.remove_small_holes(candidate, max_size=int(0.002 * height * width))
    if noisy:
        # Blur and noise bridge neighbours in the pale fringe: seed on the clearly dark bodies and
        # let the fringe join the nearest seed, split at the brightest ridge (watershed).
        seeds = measure.label(strong & candidate, connectivity=2)
        labels = segmentation.watershed(grey_for_mask, seeds, mask=candidate)
    else:
        labels = measure.label(candidate, connectivity=2)
    half_thickness = ndi.distance_transform_edt(candidate)
    regions = [r for r in measure.regionprops(labels, intensity_image=half_thickness) if r.area >= 12]
    if not regions:
        return Segmentation(bg, [], np.zeros_like(labels), underlines, underline_mask, text_mask, border_lines)
    # A karyogram holds ~46 chromosomes: the typical one is judged among the largest components,
    # so that many specks of noise cannot make a speck look typical.
    larger = sorted(regions, key=lambda r: r.area)[-30:]
    typical_area = float(np.median([r.area for r in larger]))
    typical_thickness = float(np.median([r.intensity_max for r in larger]))
    objects, debris = [], 0
    keep = np.zeros(labels.max() + 1, bool)
    for r in regions:
        # Specks, and thin outlines (cut-out edges, fibres) are debris, not chromosomes.
        if r.area < 0.08 * typical_area or r.intensity_max < 0.35 * typical_thickness:
            debris += 1
            continue
        # Stains and uneven illumination make pale smooth blotches that just cross the threshold;
        # even a pale chromosome has a core well darker (measured on 4 stained moderate-poor synthetic
        # karyograms, in units of contrast: blotches ≤0.17, chromosomes ≥0.5).
        if bg - np.percentile(grey_for_mask[r.slice][r.image], 10) < 0.3 * contrast:
            debris += 1
            continue
        y0, x0, y1, x1 = r.bbox
        keep[r.label] = True
        objects.append(ChromosomeObject(label=r.label, box=(x0, y0, x1, y1), area=int(r.area)))
    labels = np.where(keep[labels], labels, 0).astype(np.int32)
    return Segmentation(bg, objects, labels, underlines, underline_mask, text_mask, border_lines, debris)


def _find_lines(strong: np.ndarray, width: int, height: int) -> tuple[list[Underline], np.ndarray, int]:
    """Underlines: thin horizontal lines that come in groups at one height (one per slot)."""
    length = max(25, round(0.05 * width))
    opened = _line_opening(strong, length, axis=1)
    max_thickness = max(3, round(0.006 * height))
    candidates: list[Underline] = []
    border_lines = 0
    for r in measure.regionprops(measure.label(opened)):
        y0, x0, y1, x1 = r.bbox
        if y1 - y0 > max_thickness:
            continue
        if x1 - x0 > 0.7 * width:
            border_lines += 1
            continue
        above = strong[max(y0 - 2, 0), x0:x1].mean()
        below = strong[min(y1 + 1, height - 1), x0:x1].mean()
        if above < 0.5 and below < 0.5:
            candidates.append(Underline(x0, x1, y0, y1))
    vertical = _line_opening(strong, max(25, round(0.6 * height)), axis=0)
    border_lines += int(measure.label(vertical).max())

    rows: list[list[Underline]] = []
    for line in sorted(candidates, key=lambda u: u.y0):
        if rows and abs(rows[-1][0].y0 - line.y0) <= max_thickness:
            rows[-1].append(line)
        else:
            rows.append([line])
    underlines = [u for row in rows if len(row) >= 3 for u in row]
    mask = np.zeros_like(strong)
    for u in underlines:
        mask[u.y0:u.y1, u.x0:u.x1] = True
    mask &= strong
    return underlines, mask, border_lines


def _below_underlines(strong: np.ndarray, underlines: list[Underline], height: int) -> np.ndarray:
    """Under a row of underlines sit the slot labels: dark marks there are text, not chromosomes."""
    mask = np.zeros_like(strong)
    depth = round(0.045 * height)
    for u in underlines:
        mask[u.y1:u.y1 + depth, u.x0:u.x1] = strong[u.y1:u.y1 + depth, u.x0:u.x1]
    return mask


def _line_opening(mask: np.ndarray, length: int, axis: int) -> np.ndarray:
    """Binary opening with a straight line (runs of at least `length` pixels along `axis`)."""
    as_int = mask.astype(np.uint8)
    eroded = ndi.minimum_filter1d(as_int, length, axis=axis)
    return ndi.maximum_filter1d(eroded, length, axis=axis, origin=0).astype(bool) & mask


def _find_text(grey: np.ndarray, strong: np.ndarray, bg: float, ink: float, height: int) -> np.ndarray:
    """Label digits, header text and arrows: small, thin-stroked components in near-black ink."""
    text_level = bg - 0.7 * (bg - ink)
    labels = measure.label(strong, connectivity=2)
    half_stroke = ndi.distance_transform_edt(strong)
    mask = np.zeros_like(strong)
    for r in measure.regionprops(labels, intensity_image=grey):
        y0, x0, y1, x1 = r.bbox
        glyph_height = y1 - y0
        if glyph_height > 0.045 * height:
            continue
        thin = half_stroke[y0:y1, x0:x1][r.image].max() <= 0.15 * glyph_height + 2
        if thin and np.median(r.image_intensity[r.image]) < text_level:
            mask[y0:y1, x0:x1] |= r.image
    return mask
