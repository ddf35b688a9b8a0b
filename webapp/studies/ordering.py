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

# Hidden repeats per rater a curator may ask for; a study serves no more than it has cases (karyograms), each
# repeat a different image.
MAX_REPEATS = 20


@dataclass(frozen=True)
class Slot:
    case: int  # index into the study's cases
    arm: str  # "original" or "enhanced"
    repeat: bool = False


def rater_seed(secret: str, study_id: int, rater_id: int) -> int:
    """A 64-bit seed from the study's secret, the study and the rater."""
    digest = hmac.new(secret.encode(), f"{study_id}:{rater_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def max_repeats(n_cases: int) -> int:
    """The most hidden repeats a study of `n_cases` can serve: they are drawn from the first half of the
    order (one per showing there, n_cases of them), and the form allows MAX_REPEATS."""
    return min(n_cases, MAX_REPEATS)


def served_repeats(n_cases: int, repeats: int) -> int:
    """The hidden repeats each rater gets: those asked for, up to the number of cases (studies made before
    `max_repeats` was enforced may ask for more)."""
    return min(repeats, n_cases)


def items_per_rater(n_cases: int, repeats: int) -> int:
    """How many items each rater gets: both versions of every case and the repeats served."""
    return 2 * n_cases + served_repeats(n_cases, repeats)


def rater_order(n_cases: int, seed: int, repeats: int = 0) -> list[Slot]:
    """The `items_per_rater(n_cases, repeats)` showings for one rater, hidden repeats included."""
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
    chosen = rng.choice(early, size=served_repeats(n_cases, repeats), replace=False).tolist()
    missing = sum(not _insert_repeat(slots, slots[i], rng) for i in chosen)
    # In the smallest studies an item may have no place (A B A B: none for B); another first-half item,
    # or the same one once the others are in, takes its turn, so the count never falls short.
    while missing:
        repeated = {(s.case, s.arm) for s in slots if s.repeat}
        spare = [s for s in slots[:early] if not s.repeat and (s.case, s.arm) not in repeated]
        if not any(_insert_repeat(slots, item, rng) for item in spare):
            raise ValueError(f"Only {len(repeated)} hidden repeats fit in this order.")
        missing -= 1
    return slots


def _insert_repeat(slots: list[Slot], item: Slot, rng: np.random.Generator) -> bool:
    """Show `item` again at a random place in the later half after it, not next to its own case.

    False when there is no such place (only in a very small study); nothing is inserted then.
    """
    first = slots.index(item)
    places = [
        p
        for p in range(first + 2, len(slots) + 1)
        if slots[p - 1].case != item.case and (p == len(slots) or slots[p].case != item.case)
    ]
    if places:
        slots.insert(int(rng.choice(places[len(places) // 2 :])), Slot(item.case, item.arm, repeat=True))
    return bool(places)
