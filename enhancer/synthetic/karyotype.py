"""Karyotypes in ISCN notation, turned into the chromosomes that fill each slot.

Supported: the sex chromosome complement (46,XX 46,XY 47,XXY 45,X ...), numerical
changes (+8, -7), deletions del(5)(q13q33) and del(5)(q31), reciprocal translocations of
long arms t(9;22)(q34;q11.2), and inversions inv(16)(p13.1q22). Derivative chromosomes
are placed in the slot of the chromosome that holds their centromere, as ISCN layouts do.
"""

import re
from dataclasses import dataclass

import numpy as np

from .cytoband import CHROMOSOMES, Cytobands

KARYOTYPES = (
    "46,XX",
    "46,XY",
    "47,XY,+8",
    "45,XX,-7",
    "46,XY,del(5)(q13q33)",
    "46,XY,t(9;22)(q34;q11.2)",
    "46,XX,inv(16)(p13.1q22)",
    "47,XXY",
    "45,X",
)


@dataclass(frozen=True)
class Segment:
    """A stretch of one chromosome, in bp, read forwards or reversed."""

    chrom: str
    start: int
    end: int
    reverse: bool = False

    @property
    def length(self) -> int:
        return self.end - self.start


Chromosome = tuple[Segment, ...]


class KaryotypeError(ValueError):
    """The karyotype string is not in the supported ISCN subset."""


def parse_karyotype(text: str, bands: Cytobands) -> dict[str, list[Chromosome]]:
    """Map each slot label (1..22, X, Y) to the chromosomes it holds."""
    parts = [p.strip() for p in text.replace(" ", "").split(",") if p.strip()]
    if len(parts) < 2 or not parts[0].isdigit() or not re.fullmatch(r"[XY]+", parts[1]):
        raise KaryotypeError(f"{text!r}: expected a count and sex chromosomes, e.g. 46,XY")
    slots: dict[str, list[Chromosome]] = {c: [] for c in CHROMOSOMES}
    for chrom in CHROMOSOMES[:22]:
        slots[chrom] = [_whole(chrom, bands), _whole(chrom, bands)]
    for sex in parts[1]:
        slots[sex].append(_whole(sex, bands))
    for item in parts[2:]:
        _apply(item, slots, bands)
    count = sum(len(v) for v in slots.values())
    if count != int(parts[0]):
        raise KaryotypeError(f"{text!r} describes {count} chromosomes, not {parts[0]}")
    return slots


def _whole(chrom: str, bands: Cytobands) -> Chromosome:
    return (Segment(chrom, 0, bands.length(chrom)),)


def _breakpoint(chrom: str, band: str, bands: Cytobands) -> int:
    b = bands.band_at(chrom, band)
    return (b.start + b.end) // 2


def _apply(item: str, slots: dict[str, list[Chromosome]], bands: Cytobands) -> None:
    if m := re.fullmatch(r"([+-])(\d+|X|Y)", item):
        sign, chrom = m.groups()
        if sign == "+":
            slots[chrom].append(_whole(chrom, bands))
        elif not slots[chrom]:
            raise KaryotypeError(f"{item}: no chromosome {chrom} left to lose")
        else:
            slots[chrom].pop()
        return
    if m := re.fullmatch(r"del\((\d+|X|Y)\)\(([pq][\d.]+)([pq][\d.]+)?\)", item):
        chrom, first, last = m.groups()
        start = bands.band_at(chrom, first).start
        end = bands.band_at(chrom, last).end if last else bands.length(chrom)
        slots[chrom][-1] = (Segment(chrom, 0, start), Segment(chrom, end, bands.length(chrom)))
        return
    if m := re.fullmatch(r"t\((\d+|X|Y);(\d+|X|Y)\)\((q[\d.]+);(q[\d.]+)\)", item):
        a, b, band_a, band_b = m.groups()
        cut_a, cut_b = _breakpoint(a, band_a, bands), _breakpoint(b, band_b, bands)
        len_a, len_b = bands.length(a), bands.length(b)
        slots[a][-1] = (Segment(a, 0, cut_a), Segment(b, cut_b, len_b))
        slots[b][-1] = (Segment(b, 0, cut_b), Segment(a, cut_a, len_a))
        return
    if m := re.fullmatch(r"inv\((\d+|X|Y)\)\(([pq][\d.]+)([pq][\d.]+)\)", item):
        chrom, first, second = m.groups()
        lo, hi = sorted((_breakpoint(chrom, first, bands), _breakpoint(chrom, second, bands)))
        slots[chrom][-1] = (
            Segment(chrom, 0, lo),
            Segment(chrom, lo, hi, reverse=True),
            Segment(chrom, hi, bands.length(chrom)),
        )
        return
    raise KaryotypeError(f"{item!r} is not a supported ISCN item (+N, -N, del, t of q arms, inv)")


def random_karyotype(rng: np.random.Generator) -> str:
    """Normal karyotypes half the time, otherwise one of the common bone-marrow changes."""
    if rng.random() < 0.5:
        return str(rng.choice(["46,XX", "46,XY"]))
    return str(rng.choice(KARYOTYPES[2:]))
