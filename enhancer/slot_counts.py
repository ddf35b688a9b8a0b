"""Whether a layout's chromosome counts look like a karyogram's, to warn when slot boxes (a person's, or a
guess run as it was) do not fit the image.

A slot of chromosomes 1-22 holds one to four of them (a monosomy, a pair, a trisomy, the tetrasomies of
high-hyperdiploid leukaemias; a chromosome the threshold breaks in two counts twice), so an empty autosome
slot, a more crowded one or no sex chromosome at all is worth a look: a box may be misplaced. The counts are what `slicing` found in each box (`Cell.objects`).
"""

from collections.abc import Mapping

SEX_LABELS = ("X", "Y", "XY")
MAX_OBJECTS = 4  # in one slot: a tetrasomy, or a trisomy with one chromosome broken in two


def layout_warnings(objects: Mapping[str, int]) -> list[str]:
    """What looks unusual in a layout's object counts per slot label, in slot order; empty when nothing does."""
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
