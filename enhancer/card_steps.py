"""Settings that a model card gives one of the steps after the network: a dataclass of positive
numbers stored under one card key, checked on load so that a bad card is refused, not half-applied;
and the median over excellent cells that sets a step's target."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import ClassVar, Self

import numpy as np

from .metrics import cell_chromosomes


@dataclass(frozen=True)
class CardStep:
    """Base of a step's settings: subclasses name their `CARD_KEY` and declare their numbers as fields."""

    CARD_KEY: ClassVar[str]
    LIMITS: ClassVar[dict[str, float]] = {}  # field → largest allowed value, where lower than 100

    def __post_init__(self):
        for field in fields(self):
            value, limit = getattr(self, field.name), self.LIMITS.get(field.name)
            if value is None and field.default is None:  # an optional setting left out
                continue
            number = not isinstance(value, bool) and isinstance(value, int | float)
            if not (number and 0 < value and (value <= limit if limit else value < 100)):
                bound = f"at most {limit:g}" if limit else "below 100"
                raise ValueError(
                    f"{self.CARD_KEY}.{field.name} must be a number above 0 and {bound}, got {value!r}"
                )

    @classmethod
    def from_card(cls, card: Mapping) -> Self | None:
        """The card's settings, or None when the card asks for no such step (paper preset, imports)."""
        settings = card.get(cls.CARD_KEY)
        return cls(**settings) if settings else None

    def to_json(self) -> dict:
        """The settings as the card stores them (optional settings left out are not written)."""
        return {name: value for name, value in asdict(self).items() if value is not None}


def excellent_median(
    cells: Iterable[np.ndarray],
    measure: Callable[[np.ndarray, np.ndarray, float], float | None],
    data_range: float = 1.0,
) -> float:
    """The median of `measure(cell, chromosome mask, background)` over excellent cells (None: too
    little chromosome to measure): the level a step restores toward."""
    values = []
    for cell in cells:
        mask, background, _ = cell_chromosomes(cell, data_range)
        value = measure(cell, mask, background)
        if value is not None:
            values.append(value)
    if not values:
        raise ValueError("no chromosome in the excellent cells to measure")
    return float(np.median(values))
