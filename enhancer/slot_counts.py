"""Whether a layout's chromosome counts look like a karyogram's, to warn when slot boxes (a person's, or a
guess run as it was) do not fit the image.

A slot of chromosomes 1-22 holds one to three of them (a monosomy, a pair, a trisomy; a chromosome that the
threshold breaks in two counts twice), so an empty autosome slot, a crowded slot or no sex chromosome at all
means a box is misplaced. The counts are what `slicing` found in each box (`Cell.objects`).
"""

from collections.abc import Mapping

SEX_LABELS = ("X", "Y", "XY")
MAX_OBJECTS = 3  # in one slot: a trisomy's three chromosomes


def layout_warnings(objects: Mapping[str, int]) -> list[str]:
    """What looks wrong in a layout's object counts per slot label, in slot order; empty when nothing does."""
    empty = [label for label, n in objects.items() if n == 0 and label not in SEX_LABELS]
    crowded = [f"{label} ({n})" for label, n in objects.items() if n > MAX_OBJECTS]
    warnings = []
    if empty:
        warnings.append(f"no chromosome in slot{'s' if len(empty) > 1 else ''} {', '.join(empty)}")
    if crowded:
        warnings.append(
            f"more than {MAX_OBJECTS} objects in slot{'s' if len(crowded) > 1 else ''} {', '.join(crowded)}"
        )
    if not any(objects.get(label, 0) for label in SEX_LABELS):
        warnings.append("no sex chromosome in X or Y")
    return warnings
