"""Each rater's order of a study's items: reproducible, counterbalanced and spaced.

The order depends only on the study's secret and the rater (an HMAC seed), so it can be
rebuilt and checked at any time. Per rater, half the cases (rounded at random) show the
original first; the two versions of one case are never back to back; hidden repeats of a
few items come back later, never next to an item of the same case.
"""

import hashlib
import hmac
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Slot:
    case: int  # index into the study's cases
    arm: str  # "original" or "enhanced"
    repeat: bool = False


def rater_seed(secret: str, study_id: int, rater_id: int) -> int:
    """A 64-bit seed from the study's secret, the study and the rater."""
    digest = hmac.new(secret.encode(), f"{study_id}:{rater_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def rater_order(n_cases: int, seed: int, repeats: int = 0) -> list[Slot]:
    """The 2·n_cases showings (plus `repeats` hidden repeats) for one rater."""
    if n_cases < 2:
        raise ValueError(
            "A study needs at least two cases, or the two versions of one case meet back to back."
        )
    rng = np.random.default_rng(seed)
    original_first = np.zeros(n_cases, bool)
    original_first[rng.permutation(n_cases)[: (n_cases + int(rng.integers(2))) // 2]] = True
    cases = np.repeat(np.arange(n_cases), 2)
    while True:  # rejection sampling: uniform over the orders with no case back to back (~e⁻¹ accepted)
        order = rng.permutation(cases)
        if not np.any(order[1:] == order[:-1]):
            break
    seen: set[int] = set()
    slots = []
    for case in order.tolist():
        first = case not in seen
        seen.add(case)
        arm = "original" if first == bool(original_first[case]) else "enhanced"
        slots.append(Slot(case, arm))
    early = len(slots) // 2  # repeats are drawn from the first half, so they come back well apart
    for chosen in rng.choice(early, size=min(repeats, early), replace=False).tolist():
        _insert_repeat(slots, slots[chosen], rng)
    return slots


def _insert_repeat(slots: list[Slot], item: Slot, rng: np.random.Generator) -> None:
    """Show `item` again at a random place in the later half after it, not next to its own case.

    In a very small study there may be no such place; the repeat is then left out.
    """
    first = slots.index(item)
    places = [
        p
        for p in range(first + 2, len(slots) + 1)
        if slots[p - 1].case != item.case and (p == len(slots) or slots[p].case != item.case)
    ]
    if places:
        slots.insert(int(rng.choice(places[len(places) // 2 :])), Slot(item.case, item.arm, repeat=True))
