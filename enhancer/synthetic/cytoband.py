"""The cytoband ideogram table (UCSC hg38 format): bands, stains, and band levels.

A band level below the table's own (~850 bands per haploid set) merges neighbouring
bands of an arm, the shortest first, as condensation does; merged bands take the
length-weighted darkness of their parts.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CHROMOSOMES = tuple([str(i) for i in range(1, 23)] + ["X", "Y"])
BAND_LEVELS = (300, 400, 550, 850)
# Darkness (0 = unstained, 1 = darkest) of each Giemsa stain class.
STAIN_DARKNESS = {
    "gneg": 0.04,
    "gpos25": 0.30,
    "gpos50": 0.52,
    "gpos75": 0.74,
    "gpos100": 0.95,
    "gvar": 0.62,
    "stalk": 0.12,
    "acen": 0.35,
}


@dataclass(frozen=True)
class Band:
    name: str  # e.g. "p36.33"
    start: int  # bp, inclusive
    end: int  # bp, exclusive
    stain: str
    darkness: float

    @property
    def arm(self) -> str:
        return self.name[0]


class Cytobands:
    """Bands of chromosomes 1..22, X, Y from a UCSC cytoBand file."""

    def __init__(self, bands: dict[str, list[Band]]):
        missing = [c for c in CHROMOSOMES if c not in bands]
        if missing:
            raise ValueError(f"the cytoband table lacks chromosomes {missing}")
        self._bands = bands

    @classmethod
    def from_file(cls, path: str | Path) -> "Cytobands":
        bands: dict[str, list[Band]] = {}
        for line in Path(path).read_text().splitlines():
            fields = line.split("\t")
            if len(fields) < 5 or not fields[0].startswith("chr") or not fields[1].isdigit():
                continue  # header line or malformed
            chrom = fields[0][3:]
            if chrom not in CHROMOSOMES or not fields[3]:
                continue  # patches, alt and unplaced contigs, chrM
            stain = fields[4].strip()
            bands.setdefault(chrom, []).append(
                Band(fields[3], int(fields[1]), int(fields[2]), stain, STAIN_DARKNESS.get(stain, 0.3))
            )
        for chrom_bands in bands.values():
            chrom_bands.sort(key=lambda b: b.start)
        return cls(bands)

    def length(self, chrom: str) -> int:
        return self._bands[chrom][-1].end

    def bands(self, chrom: str, level: int = 850) -> list[Band]:
        """Bands at a band level: the shortest neighbouring bands of an arm merge first until
        the chromosome has its share of `level` bands; acen and stalk bands never merge."""
        if level not in BAND_LEVELS:
            raise ValueError(f"band level must be one of {BAND_LEVELS}")
        bands = list(self._bands[chrom])
        target = max(2, round(len(bands) * level / self._haploid_count))
        while len(bands) > target:
            pairs = [
                (bands[i + 1].end - bands[i].start, i)
                for i in range(len(bands) - 1)
                if _mergeable(bands[i], bands[i + 1])
            ]
            if not pairs:
                break
            _, i = min(pairs)
            a, b = bands[i], bands[i + 1]
            dark = (a.darkness * (a.end - a.start) + b.darkness * (b.end - b.start)) / (b.end - a.start)
            bands[i : i + 2] = [Band(a.name.partition(".")[0], a.start, b.end, "merged", dark)]
        return bands

    @property
    def _haploid_count(self) -> int:
        return sum(len(self._bands[c]) for c in CHROMOSOMES[:23])

    def band_at(self, chrom: str, name: str) -> Band:
        """The band named `name` (e.g. "q34" or "q11.2"): its first matching sub-band's start."""
        matches = [b for b in self._bands[chrom] if b.name == name or b.name.startswith(name)]
        if not matches:
            raise ValueError(f"chromosome {chrom} has no band {name}")
        return Band(name, matches[0].start, matches[-1].end, matches[0].stain, matches[0].darkness)

    def centromere(self, chrom: str) -> int:
        """Position of the centromere: the boundary between the p and q acen bands."""
        acen = [b for b in self._bands[chrom] if b.stain == "acen"]
        return acen[0].end if acen else self.length(chrom) // 2


def _mergeable(a: Band, b: Band) -> bool:
    return a.arm == b.arm and not {a.stain, b.stain} & {"acen", "stalk"}


@lru_cache(maxsize=4)
def load_cytobands(path: str) -> Cytobands:
    return Cytobands.from_file(path)
