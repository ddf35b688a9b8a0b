"""Each rater's stored order: reproducible, counterbalanced, spaced, with hidden repeats."""

import pytest

from webapp.studies.ordering import items_per_rater, max_repeats, rater_order, rater_seed


@pytest.mark.parametrize("cases", [2, 3, 7, 60])
@pytest.mark.parametrize("rater", range(25))
def test_orders_keep_the_rules(cases, rater):
    repeats = min(3, cases)
    order = rater_order(cases, rater_seed("secret", 1, rater), repeats)
    firsts = [s for s in order if not s.repeat]
    assert sorted((s.case, s.arm) for s in firsts) == sorted(
        (c, a) for c in range(cases) for a in ("original", "enhanced")
    )
    assert all(a.case != b.case for a, b in zip(order, order[1:], strict=False))  # never back to back
    first_arm = {}
    for s in firsts:
        first_arm.setdefault(s.case, s.arm)
    assert abs(sum(a == "original" for a in first_arm.values()) - cases / 2) <= 0.5  # balanced
    for repeat in (s for s in order if s.repeat):
        assert order.index(repeat) > firsts.index(
            next(s for s in firsts if (s.case, s.arm) == (repeat.case, repeat.arm))
        )
    assert sum(s.repeat for s in order) == repeats and len(order) == items_per_rater(cases, repeats)


@pytest.mark.parametrize("cases", [2, 3])
def test_every_repeat_asked_for_is_served_in_the_smallest_studies(cases):
    """Two cases ordered A B A B left no place for B's repeat, so a rater got fewer items than stated."""
    for rater in range(200):
        for repeats in range(max_repeats(cases) + 1):
            order = rater_order(cases, rater_seed("small", 3, rater), repeats)
            assert len(order) == items_per_rater(cases, repeats) == 2 * cases + repeats
            assert all(a.case != b.case for a, b in zip(order, order[1:], strict=False))


def test_repeats_are_capped_at_one_per_case_and_twenty():
    assert [max_repeats(n) for n in (2, 3, 20, 60)] == [2, 3, 20, 20]
    assert items_per_rater(3, 5) == 9 == len(rater_order(3, 7, 5))


def test_order_is_reproducible_from_study_and_rater():
    assert rater_order(20, rater_seed("s", 4, 9), 2) == rater_order(20, rater_seed("s", 4, 9), 2)
    assert rater_order(20, rater_seed("s", 4, 9)) != rater_order(20, rater_seed("s", 4, 10))
    assert rater_order(20, rater_seed("s", 4, 9)) != rater_order(20, rater_seed("other", 4, 9))


def test_one_case_cannot_be_ordered():
    with pytest.raises(ValueError, match="at least two cases"):
        rater_order(1, 0)
