"""The standard karyogram template (CytoVision-like): where the 24 slots sit, as fractions
of the image. The synthetic generator draws on it, and it is the starting point offered
to a person who corrects a layout the detector could not read."""

LABELS_24 = tuple([str(i) for i in range(1, 23)] + ["X", "Y"])
LABELS_23 = tuple([str(i) for i in range(1, 23)] + ["XY"])
ROWS = (LABELS_24[0:5], LABELS_24[5:12], LABELS_24[12:18], LABELS_24[18:24])  # the slots of each row

_COLUMNS = (0.079, 0.218, 0.357, 0.496, 0.635, 0.774, 0.913)
SLOT_X = (
    (0.092, 0.259, 0.426, 0.732, 0.899),
    _COLUMNS,
    (_COLUMNS[0], _COLUMNS[1], _COLUMNS[2], _COLUMNS[4], _COLUMNS[5], _COLUMNS[6]),
    (_COLUMNS[0], _COLUMNS[1], 0.426, 0.565, _COLUMNS[5], _COLUMNS[6]),
)
BASELINE_Y = (0.285, 0.50, 0.69, 0.905)  # underline height of each row
SLOT_WIDTH = (0.145, 0.117, 0.117, 0.117)
FIRST_ROW_TOP = 0.09
ROW_GAP = 0.045  # between an underline and the top of the next row (room for labels)


def template_slots(width: int, height: int) -> list[dict]:
    """Labelled slot boxes [x0, y0, x1, y1] of the template for an image of this size."""
    slots = []
    for row, labels in enumerate(ROWS):
        top = int((BASELINE_Y[row - 1] + ROW_GAP) * height) if row else int(FIRST_ROW_TOP * height)
        bottom = int(BASELINE_Y[row] * height)
        half = SLOT_WIDTH[row] * width / 2
        for label, fx in zip(labels, SLOT_X[row], strict=True):
            cx = fx * width
            slots.append({"label": label, "box": [int(cx - half), top, int(cx + half), bottom]})
    return slots
