from enhancer.slot_counts import layout_warnings
from enhancer.template import LABELS_23, LABELS_24


def _counts(**changes: int) -> dict[str, int]:
    counts = {label: 2 for label in LABELS_24} | {"Y": 0}  # 46,XX
    return counts | {label.removeprefix("c"): n for label, n in changes.items()}


def test_karyograms_sliced_as_they_should_be_raise_nothing():
    assert layout_warnings(_counts()) == []
    assert layout_warnings(_counts(c7=1, c8=3, X=1, Y=1)) == []  # 46,XY,-7,+8 in bone marrow
    assert layout_warnings(_counts(c21=4, X=4)) == []  # high-hyperdiploid ALL
    assert layout_warnings({label: 2 for label in LABELS_23}) == []  # the paper's merged XY cell


def test_empty_autosome_slots_crowded_slots_and_no_sex_chromosome_are_named():
    assert layout_warnings(_counts(c2=0, c1=5, X=0)) == [
        "no chromosome in slot 2",
        "more than 4 objects in slot 1 (5)",
        "no sex chromosome in X or Y",
    ]
    assert layout_warnings(_counts(c2=0, c21=0)) == ["no chromosome in slots 2, 21"]
