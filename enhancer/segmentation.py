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


@dataclass(frozen=True)
class BorderLine:
    """A long dark line across most of the image, away from its edges: a border between panels."""

    vertical: bool
    start: int  # its first column (vertical) or row (horizontal)
    stop: int  # one past its last


@dataclass
class Segmentation:
    background: float  # grey level of the background
    objects: list[ChromosomeObject]
    labels: np.ndarray  # int32 image, object label per pixel (0 = not chromosome)
    underlines: list[Underline]
    underline_mask: np.ndarray
    text_mask: np.ndarray  # label digits, header text, arrows
    border_lines: list[BorderLine] = field(default_factory=list)  # panel borders of a multi-panel figure
    debris: int = field(default=0)


def background_level(grey: np.ndarray) -> float:
    """The most common grey level: the background on any karyogram export."""
    return (int(np.argmax(_histogram(grey))) + 0.5) / 256


def _histogram(grey: np.ndarray) -> np.ndarray:
    """256-bin histogram of grey levels in [0, 1], on a quarter of the pixels (enough for levels)."""
    return np.bincount(np.clip(grey[::2, ::2] * 256, 0, 255).astype(np.intp).ravel(), minlength=256)


def segment(grey: np.ndarray) -> Segmentation:
    """Find chromosome objects, underlines and text on a karyogram."""
    height, width = grey.shape
    grey = _flatten_illumination(grey)
    # A noisy image is denoised first so noise does not join objects (clean exports are not, so
    # narrow gaps between homologs stay open); its background level is read on the denoised copy,
    # where noise clipped at white no longer makes a false peak.
    noise = _noise_level(grey)
    noisy = noise > 0.02
    grey_for_mask = ndi.gaussian_filter(grey, 1.5) if noisy else grey
    hist = _histogram(grey)
    bg = (int(np.argmax(_histogram(grey_for_mask) if noisy else hist)) + 0.5) / 256
    ink = (int(np.searchsorted(np.cumsum(hist), 0.005 * hist.sum())) + 0.5) / 256  # 0.5th percentile
    contrast = max(bg - ink, 1e-3)
    strong = grey < bg - 0.15 * contrast  # clearly dark: text, lines, chromosome bodies
    # Pale chromosome parts too. In a noisy image the blurred pale fringe bridges homologs, labels
    # and underlines: only the darker 70 % of the contrast counts (6 severe synthetic karyograms:
    # object counts right in 140 of 144 slots, against 113 at 8 %).
    if noisy:
        noise = _noise_level(grey_for_mask)
    inclusive = grey_for_mask < bg - max((0.3 if noisy else 0.08) * contrast, 4 * noise)
    if noisy:  # pale bands the stricter level cut across are closed again (chromosomes stand upright)
        inclusive = ndi.binary_closing(inclusive, structure=np.ones((max(3, round(0.012 * height)), 1), bool))

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
    areas = np.bincount(labels.ravel())
    areas[0] = 0
    boxes = ndi.find_objects(labels)
    sized = np.flatnonzero(areas >= 12)
    if len(sized) == 0:
        return Segmentation(
            bg, [], np.zeros_like(labels), underlines, underline_mask, text_mask, border_lines
        )
    # A karyogram holds ~46 chromosomes: the typical one is judged among the largest components,
    # so that many specks of noise cannot make a speck look typical.
    larger = sized[np.argsort(areas[sized])][-30:]
    typical_area = float(np.median(areas[larger]))
    thickness = {i: _half_thickness(labels, boxes[i - 1], i) for i in larger}
    typical_thickness = float(np.median(list(thickness.values())))
    objects, debris = [], int(np.count_nonzero(areas[1:])) - len(sized)
    keep = np.zeros(len(areas), bool)
    for i in sized:
        box = boxes[i - 1]
        # Specks, and thin marks (cut-out edges, fibres, arrows, annotation text) are debris, not chromosomes:
        # a chromosome is nearly as thick as the typical one (0.42 keeps the real exports whole).
        if areas[i] < 0.08 * typical_area:
            debris += 1
            continue
        half = thickness[i] if i in thickness else _half_thickness(labels, box, i)
        if half < 0.42 * typical_thickness:
            debris += 1
            continue
        # Stains and uneven illumination make pale smooth blotches that just cross the threshold;
        # even a pale chromosome has a core well darker (measured on 4 stained moderate-poor synthetic
        # karyograms, in units of contrast: blotches ≤0.17, chromosomes ≥0.5).
        if bg - np.percentile(grey_for_mask[box][labels[box] == i], 10) < 0.3 * contrast:
            debris += 1
            continue
        # A banner or bar across the page (footer, header band) is no chromosome: none is a third
        # of the page wide.
        if box[1].stop - box[1].start > width / 3:
            debris += 1
            continue
        keep[i] = True
        objects.append(
            ChromosomeObject(
                label=int(i), box=(box[1].start, box[0].start, box[1].stop, box[0].stop), area=int(areas[i])
            )
        )
    labels = np.where(keep[labels], labels, 0).astype(np.int32)
    objects = _split_touching_pairs(objects, labels, np.clip(bg - grey_for_mask, 0, None))
    return Segmentation(bg, objects, labels, underlines, underline_mask, text_mask, border_lines, debris)


def _split_touching_pairs(
    objects: list[ChromosomeObject], labels: np.ndarray, darkness: np.ndarray
) -> list[ChromosomeObject]:
    """Homologs set close together touch where they bend or lean, or blur into one: an object
    twice as wide as a chromosome whose ink, summed per column, has a pale valley in its middle
    between two darker sides is cut there in two (`labels` too)."""
    if not objects:
        return objects
    typical_width = float(np.median([o.width for o in objects]))
    result = []
    next_label = int(labels.max()) + 1
    for obj in objects:
        x0, y0, x1, y1 = obj.box
        if obj.width < 1.7 * typical_width:
            result.append(obj)
            continue
        inside = labels[y0:y1, x0:x1] == obj.label
        columns = (darkness[y0:y1, x0:x1] * inside).sum(axis=0)
        middle = slice(obj.width // 4, obj.width - obj.width // 4)
        cut = middle.start + int(np.argmin(columns[middle]))
        if columns[cut] >= 0.3 * min(columns[:cut].max(), columns[cut + 1 :].max()):
            result.append(obj)
            continue
        right = inside.copy()
        right[:, : cut + 1] = False
        labels[y0:y1, x0:x1][right] = next_label
        for label, part in ((obj.label, inside & ~right), (next_label, right)):
            rows, cols = np.nonzero(part)
            box = (
                x0 + int(cols.min()),
                y0 + int(rows.min()),
                x0 + int(cols.max()) + 1,
                y0 + int(rows.max()) + 1,
            )
            result.append(ChromosomeObject(label=label, box=box, area=int(part.sum())))
        next_label += 1
    return result


def _flatten_illumination(grey: np.ndarray) -> np.ndarray:
    """Uneven light makes broad pale shadows that pass for chromosomes: the page's own level,
    a median over windows far wider than a chromosome pair (on a 16x smaller copy), is
    levelled out. An evenly lit export is returned as it is."""
    rows, cols = grey.shape[0] // 16, grey.shape[1] // 16
    if rows < 3 or cols < 3:
        return grey
    small = grey[: rows * 16, : cols * 16].reshape(rows, 16, cols, 16).mean(axis=(1, 3))
    page = ndi.median_filter(small, size=13, mode="nearest")
    if np.ptp(page) < 0.04:
        return grey
    page = ndi.gaussian_filter(page, 1)
    zoom = (grey.shape[0] / page.shape[0], grey.shape[1] / page.shape[1])
    level = ndi.zoom(page, zoom, order=1, mode="nearest", grid_mode=True)[: grey.shape[0], : grey.shape[1]]
    level = np.pad(
        level, ((0, grey.shape[0] - level.shape[0]), (0, grey.shape[1] - level.shape[1])), mode="edge"
    )
    return np.clip(grey + (np.median(page) - level), 0, 1)


def _noise_level(grey: np.ndarray) -> float:
    """Robust noise estimate (scaled median absolute deviation), on a ninth of the pixels."""
    sample = grey[::3, ::3]
    return 1.4826 * float(np.median(np.abs(sample - np.median(sample))))


def _half_thickness(labels: np.ndarray, box: tuple[slice, slice], index: int) -> float:
    """Largest distance from inside component `index` to its outside: half its thickness."""
    inside = np.pad(labels[box] == index, 1)
    return float(ndi.distance_transform_edt(inside).max())


def _find_lines(
    strong: np.ndarray, width: int, height: int
) -> tuple[list[Underline], np.ndarray, list[BorderLine]]:
    """Underlines: thin horizontal lines that come in groups at one height (one per slot); and the long
    lines between the panels of a multi-panel figure."""
    length = max(25, round(0.05 * width))
    opened = _line_opening(strong, length, axis=1)
    max_thickness = max(3, round(0.006 * height))
    candidates: list[Underline] = []
    border_lines = []
    for r in measure.regionprops(measure.label(opened)):
        y0, x0, y1, x1 = r.bbox
        if y1 - y0 > max_thickness:
            continue
        above = strong[max(y0 - 2, 0), x0:x1].mean()
        below = strong[min(y1 + 1, height - 1), x0:x1].mean()
        if above >= 0.5 or below >= 0.5:  # the edge of a dark area (a shadow), not a line
            continue
        if x1 - x0 > 0.7 * width:
            if _inside(y0, y1, height, 0.15):  # a rule under a header or over a footer is not
                border_lines.append(BorderLine(False, y0, y1))
        else:
            candidates.append(Underline(x0, x1, y0, y1))
    vertical = _line_opening(strong, max(25, round(0.6 * height)), axis=0)
    border_lines += [
        BorderLine(True, r.bbox[1], r.bbox[3])
        for r in measure.regionprops(measure.label(vertical))
        if r.bbox[3] - r.bbox[1] <= max(3, round(0.006 * width))
        and _inside(r.bbox[1], r.bbox[3], width, 0.06)
    ]

    rows: list[list[Underline]] = []
    for line in sorted(candidates, key=lambda u: u.y0):
        if rows and abs(rows[-1][0].y0 - line.y0) <= max_thickness:
            rows[-1].append(line)
        else:
            rows.append([line])
    underlines = [u for row in rows if len(row) >= 3 for u in row]
    mask = np.zeros_like(strong)
    for u in underlines:
        mask[u.y0 : u.y1, u.x0 : u.x1] = True
    mask &= strong
    return underlines, mask, border_lines


def _inside(start: int, stop: int, size: int, margin: float) -> bool:
    """A long line away from the image's edges divides panels; one along an edge is a frame."""
    return start > margin * size and stop < (1 - margin) * size


def _below_underlines(strong: np.ndarray, underlines: list[Underline], height: int) -> np.ndarray:
    """Under a row of underlines sit the slot labels: dark marks there are text, not chromosomes."""
    mask = np.zeros_like(strong)
    depth = round(0.045 * height)
    for u in underlines:
        mask[u.y1 : u.y1 + depth, u.x0 : u.x1] = strong[u.y1 : u.y1 + depth, u.x0 : u.x1]
    return mask


def _line_opening(mask: np.ndarray, length: int, axis: int) -> np.ndarray:
    """Binary opening with a straight line (runs of at least `length` pixels along `axis`)."""
    as_int = mask.astype(np.uint8)
    eroded = ndi.minimum_filter1d(as_int, length, axis=axis)
    return ndi.maximum_filter1d(eroded, length, axis=axis, origin=0).astype(bool) & mask


def _find_text(grey: np.ndarray, strong: np.ndarray, bg: float, ink: float, height: int) -> np.ndarray:
    """Label digits, header text and arrows: small, thin-stroked components in near-black ink.

    Measured for all components at once, on their pixels sorted by component: a noisy image
    holds tens of thousands of specks."""
    text_level = bg - 0.7 * (bg - ink)
    labels, count = ndi.label(strong, structure=np.ones((3, 3), bool))
    if count == 0:
        return np.zeros_like(strong)
    rows, cols = np.nonzero(strong)
    owner = labels[rows, cols]
    order = np.lexsort((grey[rows, cols], owner))
    starts = np.searchsorted(owner[order], np.arange(1, count + 1))
    rows, cols = rows[order], cols[order]
    top, left = np.minimum.reduceat(rows, starts), np.minimum.reduceat(cols, starts)
    glyph_height = np.maximum.reduceat(rows, starts) - top + 1
    glyph_width = np.maximum.reduceat(cols, starts) - left + 1
    sizes = np.diff(np.append(starts, len(rows)))
    values = grey[rows, cols]
    # The stroke's core (its darker quarter): blur leaves a printed label's core dark but spreads
    # pale edge pixels around it.
    core = values[starts + (sizes - 1) // 4]
    text = np.zeros(count + 1, bool)
    # (A noise speck of a few pixels is no glyph; judging it would cost time on noisy images.)
    text[1:] = (glyph_height <= 0.045 * height) & (core < text_level) & (sizes >= 2e-5 * height**2)
    # A stroke is thin when its half thickness is at most 0.1 * its height + 2 and 0.0035 of the
    # image height + 1 (labels and annotations measure <= 3 px at glyph heights 10-27 px on 750-1000 px
    # pages; the narrow small chromosomes of the current renderer >= 4 px at 750 px, which
    # 0.15 * glyph height + 2 took for text); a component too small to hold a thicker one passes
    # without being measured.
    thin = np.minimum(0.1 * glyph_height + 2, 0.0035 * height + 1)
    measure_these = np.flatnonzero(text[1:] & ((np.minimum(glyph_height, glyph_width) + 1) / 2 > thin))
    for i in measure_these:
        box = (slice(top[i], top[i] + glyph_height[i]), slice(left[i], left[i] + glyph_width[i]))
        text[i + 1] = _half_thickness(labels, box, i + 1) <= thin[i]
    return text[labels]
