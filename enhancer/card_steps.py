"""Settings that a model card gives one of the steps after the network: a dataclass of positive
numbers stored under one card key, checked on load so that a bad card is refused, not half-applied."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import ClassVar, Self


@dataclass(frozen=True)
class CardStep:
    """Base of a step's settings: subclasses name their `CARD_KEY` and declare their numbers as fields."""

    CARD_KEY: ClassVar[str]
    LIMITS: ClassVar[dict[str, float]] = {}  # field → largest allowed value, where lower than 100

    def __post_init__(self):
        for field in fields(self):
            value, limit = getattr(self, field.name), self.LIMITS.get(field.name)
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
        """The settings as the card stores them."""
        return asdict(self)
