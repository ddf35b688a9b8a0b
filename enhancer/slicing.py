"""Cut a karyogram export into one cell per chromosome slot (1..22, X, Y), and describe it.

A karyogram is four rows of 5/7/6/6 slots (1-5, 6-12, 13-18, 19-22 X Y). Slots come from
the underlines when the export has them, otherwise from the gaps between chromosome
groups. A cell is the slot's region, so every object in the slot travels with it; its
mask holds only chromosome pixels (no underline, label text or debris). When the layout
cannot be read, `LayoutError` says why and carries the best guess, its unsure slots marked.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from skimage.filters import threshold_otsu

from .panels import Box, panel_boxes
from .segmentation import ChromosomeObject, Segmentation, Underline, segment
from .slot_labels import read_slot_labels
from .template import LABELS_23, LABELS_24, ROWS, template_slots


class LayoutError(ValueError):
    """The image cannot be read as one karyogram; the message says why.

    `guess`, when not None, is the best layout found, as `Layout.to_json()` with an extra
    `"unsure": bool` per cell, so a person can start from it instead of a blank template. `panels`, when
    the image is a figure of several karyograms, are their boxes: each can be enhanced on its own.
    `boxes_help` says that slot boxes given by a person get past the refusal; each user of the library
    says how in its own words (the command line's `--layout`, the web app's slot-box editor).
    """

    def __init__(
        self,
        message: str,
        guess: dict | None = None,
        panels: list[Box] | None = None,
        boxes_help: bool = False,
    ):
        super().__init__(message)
        self.guess = guess
        self.panels = panels or []  # a multi-panel figure's panels (`panels.panel_boxes`), each a karyogram
        self.boxes_help = boxes_help


@dataclass
class Cell:
    label: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the original, x1/y1 exclusive
    mask: np.ndarray  # bool, shape (y1 - y0, x1 - x0): chromosome pixels of this slot
    objects: int  # chromosome objects in the slot

    @property
    def shape(self) -> tuple[int, int]:
        return self.box[3] - self.box[1], self.box[2] - self.box[0]


@dataclass
class Layout:
    width: int
    height: int
    cells: list[Cell]

    def cell(self, label: str) -> Cell:
        return next(c for c in self.cells if c.label == label)

    def to_json(self) -> dict:
        return {
            "image": {"width": self.width, "height": self.height},
            "cells": [{"label": c.label, "box": list(c.box), "objects": c.objects} for c in self.cells],
        }

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2))


def slice_karyogram(grey: np.ndarray, cells: int = 24, layout: dict | None = None) -> Layout:
    """Detect the layout of a karyogram (or apply a given JSON `layout`) and cut its cells."""
    if cells not in (23, 24):
        raise ValueError("cells must be 23 or 24")
    seg = segment(grey)
    if layout is not None:
        result = layout_from_boxes(grey, layout, seg)
    else:
        result = _detect(grey, seg)
    return merge_sex_cells(result, seg) if cells == 23 else result


def layout_from_boxes(grey: np.ndarray, spec: dict, seg: Segmentation | None = None) -> Layout:
    """Build a layout from labelled boxes (e.g. corrected by a person) in the JSON format."""
    height, width = grey.shape
    check_boxes(spec, width, height)
    seg = seg or segment(grey)
    cells = []
    for entry in spec["cells"]:
        x0, y0, x1, y1 = (int(v) for v in entry["box"])
        members = [o for o in seg.objects if x0 <= _centre(o)[0] < x1 and y0 <= _centre(o)[1] < y1]
        cells.append(_make_cell(entry["label"], (x0, y0, x1, y1), members, seg))
    order = {label: i for i, label in enumerate(LABELS_24 + ("XY",))}
    cells.sort(key=lambda c: order[c.label])
    return Layout(width, height, cells)


def check_boxes(spec: object, width: int, height: int) -> None:
    """Raise `LayoutError` unless `spec` is a layout in the JSON format that fits a `width`×`height` image:
    each slot named once, each box inside the image and not empty. Needs no pixels, so a form can check
    a person's boxes before any work is queued."""
    cells = spec.get("cells") if isinstance(spec, dict) else None
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise LayoutError('The layout must be {"cells": [{"label": "1", "box": [x0, y0, x1, y1]}, ...]}.')
    image = spec.get("image") or {}
    if not isinstance(image, dict):
        raise LayoutError('The layout\'s "image" must be {"width": W, "height": H}.')
    if image and (image.get("width"), image.get("height")) != (width, height):
        raise LayoutError(
            f"The layout is for a {image.get('width')}×{image.get('height')} image, "
            f"this one is {width}×{height}."
        )
    labels = [c.get("label") for c in cells]
    if sorted(labels, key=str) not in (sorted(LABELS_24, key=str), sorted(LABELS_23, key=str)):
        raise LayoutError("The layout must name each of 1..22, X and Y (or 1..22 and XY) exactly once.")
    for entry in cells:
        box = entry.get("box")
        if not (isinstance(box, list) and len(box) == 4 and all(map(_is_number, box))):
            raise LayoutError(f"The box of cell {entry['label']} must be four numbers [x0, y0, x1, y1].")
        x0, y0, x1, y1 = (int(v) for v in box)
        if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
            raise LayoutError(f"The box of cell {entry['label']} lies outside the image or is empty.")


def _is_number(value: object) -> bool:
    """A finite JSON number (JSON readers accept NaN and Infinity; True is not a number here)."""
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, float) and math.isfinite(value)
    )


def merge_sex_cells(layout: Layout, seg: Segmentation) -> Layout:
    """The paper's 23 cells: X and Y become one cell `XY` covering both slots."""
    if any(c.label == "XY" for c in layout.cells):
        return layout
    x, y = layout.cell("X"), layout.cell("Y")
    box = (min(x.box[0], y.box[0]), min(x.box[1], y.box[1]), max(x.box[2], y.box[2]), max(x.box[3], y.box[3]))
    x0, y0, x1, y1 = box
    members = [o for o in seg.objects if x0 <= _centre(o)[0] < x1 and y0 <= _centre(o)[1] < y1]
    merged = _make_cell("XY", box, members, seg)
    return Layout(
        layout.width, layout.height, [c for c in layout.cells if c.label not in ("X", "Y")] + [merged]
    )


def _detect(grey: np.ndarray, seg: Segmentation) -> Layout:
    """Rows, then slots per row; on failure the LayoutError carries the best guess."""
    height, width = grey.shape
    if seg.border_lines:
        panels = panel_boxes(seg.border_lines, width, height)
        if panels:
            message = (  # the panels' boxes travel with the error (its `panels`), not in its words
                f"The image is a figure of {len(panels)} panels divided by long lines; "
                "split it into one karyogram per panel."
            )
        else:
            message = "The image has long border lines like a multi-panel figure; crop it to one karyogram."
        raise LayoutError(message, _guess(seg, width, height, {}), panels, boxes_help=not panels)
    if len(seg.objects) < 20:
        raise LayoutError(
            (
                f"Only {len(seg.objects)} chromosome object{'s were' if len(seg.objects) > 1 else ' was'} found"
                if seg.objects
                else "No chromosome was found"
            )
            + "; this does not look like a karyogram.",
            _guess(seg, width, height, {}),
        )
    rows = _rows(seg.objects)
    if len(rows) != 4:
        raise LayoutError(
            f"Found {len(rows)} rows of chromosomes where a karyogram has 4.",
            _guess(seg, width, height, {}),
            boxes_help=True,
        )
    found: dict[str, Cell] = {}
    problems: list[LayoutError] = []
    spans: dict[str, tuple[int, int]] = {}  # rows found whose slots were not: their top and bottom
    typical_width = float(np.median([o.width for o in seg.objects]))
    split_gap = _slot_gap_threshold(rows, typical_width)
    previous_bottom = 0
    for index, (labels, row) in enumerate(zip(ROWS, rows, strict=True)):
        members = _without_hanging_marks(row)
        top = max(min(o.box[1] for o in members) - round(0.01 * height), 0, previous_bottom)
        bottom = max(o.box[3] for o in members)
        next_top = min(o.box[1] for o in rows[index + 1]) if index < 3 else height
        foot = min(next_top, bottom + round(0.08 * height))  # the row's underlines and labels lie above
        lines = _underlines_for_row(seg.underlines, bottom, foot, height)
        try:
            if len(lines) == len(labels):
                slots = _slots_from_underlines(members, lines)
                bottom = min(lines[0].y0, bottom + round(0.01 * height))
            else:
                slots = _slots_from_groups(members, labels, typical_width, split_gap, index)
                bottom = min(bottom + round(0.01 * height), height)
        except LayoutError as error:
            slots = _slots_from_labels(grey, members, labels, (bottom, foot), typical_width)
            bottom = min(bottom + round(0.01 * height), height)
            if slots is None:
                problems.append(error)
                previous_bottom = bottom
                spans.update(dict.fromkeys(labels, (top, bottom)))
                continue
        for label, (x0, x1, slot_members) in zip(labels, slots, strict=True):
            x0 = min(max(x0, 0), width - 1)  # an empty Y slot guessed past the edge stays inside
            found[label] = _make_cell(
                label, (x0, top, max(min(x1, width), x0 + 1), bottom), slot_members, seg
            )
        previous_bottom = bottom
    if problems:
        raise LayoutError(
            " ".join(map(str, problems)),
            _guess(seg, width, height, found, spans),
            boxes_help=any(p.boxes_help for p in problems),
        )
    return Layout(width, height, [found[label] for label in LABELS_24])


def _guess(
    seg: Segmentation,
    width: int,
    height: int,
    found: dict[str, Cell],
    spans: dict[str, tuple[int, int]] | None = None,
) -> dict:
    """The cells found, and the standard template's box (marked unsure) for every slot not found,
    moved to the height of its row where the row was found."""
    template = {slot["label"]: slot["box"] for slot in template_slots(width, height)}
    cells = []
    for label in LABELS_24:
        cell = found.get(label)
        if cell is None:
            x0, y0, x1, y1 = template[label]
            y0, y1 = (spans or {}).get(label, (y0, y1))
            members = [o for o in seg.objects if x0 <= _centre(o)[0] < x1 and y0 <= _centre(o)[1] < y1]
            cell = _make_cell(label, (x0, y0, x1, y1), members, seg)
        cells.append(
            {"label": label, "box": list(cell.box), "objects": cell.objects, "unsure": label not in found}
        )
    return {"image": {"width": width, "height": height}, "cells": cells}


def _rows(objects: list[ChromosomeObject]) -> list[list[ChromosomeObject]]:
    """Group objects into horizontal bands whose vertical extents overlap."""
    ordered = sorted(objects, key=lambda o: o.box[1])
    bands: list[list] = []
    for obj in ordered:
        if bands and obj.box[1] <= bands[-1][1] - 0.15 * (obj.box[3] - obj.box[1]):
            bands[-1][1] = max(bands[-1][1], obj.box[3])
            bands[-1][2].append(obj)
        else:
            bands.append([obj.box[1], obj.box[3], [obj]])
    total = sum(o.area for o in objects)
    # Bands holding almost nothing (stray debris) or only short marks (a line of label text
    # whose underlines were too faint to find) are not rows: every row holds a chromosome
    # at least 0.3 as tall as the tallest ones (13 and X are ~0.45 of chromosome 1; a label
    # is < 0.2 even of condensed ones).
    tallest = float(np.percentile([o.box[3] - o.box[1] for o in objects], 95))
    return [
        b[2]
        for b in bands
        if sum(o.area for o in b[2]) > 0.01 * total and max(o.box[3] - o.box[1] for o in b[2]) > 0.3 * tallest
    ]


def _without_hanging_marks(row: list[ChromosomeObject]) -> list[ChromosomeObject]:
    """Chromosomes stand on the row's baseline; a small mark that starts below it is a label or
    a speck caught in the row's band, not a chromosome."""
    baseline = float(np.median([o.box[3] for o in row]))
    typical_height = float(np.median([o.box[3] - o.box[1] for o in row]))
    return [
        o
        for o in row
        if o.box[1] < baseline - 0.1 * typical_height or o.box[3] - o.box[1] > 0.5 * typical_height
    ]


def _underlines_for_row(lines: list[Underline], bottom: int, limit: int, height: int) -> list[Underline]:
    """The first group of underlines at the foot of a row (short chromosomes may stand well above it)."""
    near = [u for u in lines if bottom - 0.05 * height <= u.y0 <= limit]
    if not near:
        return []
    y = min(u.y0 for u in near)
    return sorted((u for u in near if abs(u.y0 - y) <= 3), key=lambda u: u.x0)


def _slots_from_underlines(members, lines: list[Underline]):
    assigned: list[list[ChromosomeObject]] = [[] for _ in lines]
    centres = np.array([(u.x0 + u.x1) / 2 for u in lines])
    for obj in members:
        assigned[int(np.argmin(np.abs(centres - obj.cx)))].append(obj)
    slots = []
    for line, objs in zip(lines, assigned, strict=True):
        x0 = min([line.x0] + [o.box[0] for o in objs])
        x1 = max([line.x1] + [o.box[2] for o in objs])
        slots.append((x0, x1, objs))
    return slots


def _slots_from_labels(grey: np.ndarray, members, labels, band: tuple[int, int], typical_width: float):
    """Slots anchored on the labels printed under the row (OCR), when the groups could not be read:
    each chromosome joins the nearest label; sex chromosomes may be labelled one by one ("X X Y").
    None unless every label of the row is read once (X and Y may repeat), in order."""
    found = read_slot_labels(grey, band[0], band[1], labels)
    if set(found) != set(labels) or any(len(found[label]) > 1 for label in labels if label not in ("X", "Y")):
        return None
    centres = [float(np.mean(found[label])) for label in labels]
    if centres != sorted(centres):
        return None
    anchors = [(label, x) for label in labels for x in found[label]]
    assigned: dict[str, list[ChromosomeObject]] = {label: [] for label in labels}
    for obj in members:
        assigned[min(anchors, key=lambda anchor: abs(anchor[1] - obj.cx))[0]].append(obj)
    slots = []
    for label in labels:
        objs = assigned[label]
        x0 = min([min(found[label]) - typical_width] + [o.box[0] for o in objs])
        x1 = max([max(found[label]) + typical_width] + [o.box[2] for o in objs])
        slots.append((round(x0), round(x1), objs))
    return slots


def _gaps(members: list[ChromosomeObject]) -> list[float]:
    """Horizontal gaps between consecutive objects of a row (0 where they overlap)."""
    ordered = sorted(members, key=lambda o: o.box[0])
    gaps, right = [], ordered[0].box[2]
    for obj in ordered[1:]:
        gaps.append(max(obj.box[0] - right, 0))
        right = max(right, obj.box[2])
    return gaps


def _slot_gap_threshold(rows, typical_width: float) -> float:
    """The gap that separates slots from homologs within a slot.

    Rows 1-3 never lack a slot, so in each the widest (slots - 1) gaps are between slots and the
    rest within them; the threshold lies midway (log scale) between the two. Where rows disagree
    (a fragment placed apart, a merged pair), gaps are split in two clusters by Otsu instead."""
    within, between = [], []
    for labels, row in zip(ROWS[:3], rows[:3], strict=False):
        gaps = sorted(_gaps(row), reverse=True)
        if len(gaps) >= len(labels) - 1:
            between += gaps[: len(labels) - 1]
            within += gaps[len(labels) - 1 :]
    if between and within and min(between) > 2 * max(within) + 2:
        return float(np.expm1((np.log1p(min(between)) + np.log1p(max(within))) / 2))
    gaps = np.log1p(np.array([g for row in rows for g in _gaps(row)], float))
    if len(np.unique(gaps)) < 2:
        return 0.6 * typical_width
    cut = threshold_otsu(gaps)
    # Midway (in log space) between the widest within-slot gap and the narrowest slot gap.
    middle = (gaps[gaps <= cut].max() + gaps[gaps > cut].min()) / 2
    return max(float(np.expm1(middle)), 0.1 * typical_width)


def _slots_from_groups(members, labels, typical_width: float, split_gap: float, row_index: int):
    """Slots where there are no underlines: chromosomes of one slot stand close together."""
    groups: list[list[ChromosomeObject]] = []
    for obj in sorted(members, key=lambda o: o.box[0]):
        if groups and obj.box[0] < max(o.box[2] for o in groups[-1]) + split_gap:
            groups[-1].append(obj)
        else:
            groups.append([obj])
    expected = len(labels)
    if len(groups) > 2.2 * expected:  # two karyograms side by side (severe blur splits up to ~2x)
        raise LayoutError(
            f"Row {row_index + 1} has {len(groups)} chromosome groups where {expected} slots "
            "belong; the image may hold more than one karyogram."
        )
    while len(groups) > expected:  # a marker or fragment placed apart joins its nearest slot
        gaps = [
            min(o.box[0] for o in groups[i + 1]) - max(o.box[2] for o in groups[i])
            for i in range(len(groups) - 1)
        ]
        i = int(np.argmin(gaps))
        groups[i : i + 2] = [groups[i] + groups[i + 1]]
    if labels[-1] != "Y":
        groups = _split_widest(groups, expected)
    if len(groups) < expected:
        if labels[-1] == "Y" and len(groups) == expected - 1:
            groups = _split_or_add_y(groups, typical_width)
        else:
            raise LayoutError(
                f"Row {row_index + 1} shows {len(groups)} groups where slots "
                f"{labels[0]}-{labels[-1]} need {expected}.",
                boxes_help=True,
            )
    margin = 0.3 * typical_width
    bounds = [(min(o.box[0] for o in g), max(o.box[2] for o in g)) if g else None for g in groups]
    slots = []
    for i, group in enumerate(groups):
        x0, x1 = bounds[i]
        left = bounds[i - 1][1] if i > 0 and bounds[i - 1] else None
        right = bounds[i + 1][0] if i + 1 < len(groups) and bounds[i + 1] else None
        x0 = round(max(x0 - margin, (left + x0) / 2) if left is not None else x0 - margin)
        x1 = round(min(x1 + margin, (x1 + right) / 2) if right is not None else x1 + margin)
        slots.append((x0, x1, group))
    return slots


def _split_widest(groups, expected: int):
    """Rows 1-3 are never missing a whole slot: split groups at their widest gaps until full."""
    while len(groups) < expected:
        best = None
        for i, group in enumerate(groups):
            if len(group) < 2:
                continue
            ordered = sorted(group, key=lambda o: o.box[0])
            gaps = _gaps(ordered)
            j = int(np.argmax(gaps))
            if best is None or gaps[j] > best[0]:
                best = (gaps[j], i, ordered, j)
        if best is None:
            break
        _, i, ordered, j = best
        groups[i : i + 1] = [ordered[: j + 1], ordered[j + 1 :]]
    return groups


def _split_or_add_y(groups, typical_width: float):
    """Row 4 with one group too few: either X and Y share the last group, or Y is absent."""
    last = sorted(groups[-1], key=lambda o: o.box[0])
    if len(last) >= 2 and last[-1].area < 0.6 * max(o.area for o in last[:-1]):
        return groups[:-1] + [last[:-1], [last[-1]]]
    # Y slot is empty: it follows X at the row's closest slot pitch (the template's X-to-Y step).
    centres = [np.mean([o.cx for o in g]) for g in groups]
    pitch = min(np.diff(centres)) if len(centres) > 1 else 4 * typical_width
    centre = centres[-1] + pitch
    ghost = ChromosomeObject(
        label=0, box=(round(centre - typical_width), 0, round(centre + typical_width), 0), area=0
    )
    return groups + [[ghost]]


def _centre(obj: ChromosomeObject) -> tuple[float, float]:
    return (obj.box[0] + obj.box[2]) / 2, (obj.box[1] + obj.box[3]) / 2


def _make_cell(label: str, box, members, seg: Segmentation) -> Cell:
    x0, y0, x1, y1 = box
    real = [o for o in members if o.label > 0]
    crop = seg.labels[y0:y1, x0:x1]
    mask = np.isin(crop, [o.label for o in real]) if real else np.zeros(crop.shape, bool)
    return Cell(label=label, box=(int(x0), int(y0), int(x1), int(y1)), mask=mask, objects=len(real))
