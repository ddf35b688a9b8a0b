"""Render one G-banded chromosome as a microscope shows it (calibrated on real G-banded crops).

The banding is a smooth stain-density profile along the axis: the cytoband stains give
distinct gpos25/50/75/100 levels, each dark band varies a little in darkness, and neighbouring
bands blend. Condensation (the band level, 300–850) sets length, width and band merging
together. Two sister chromatids with a groove between them, a width that wanders along the
axis and narrows at the centromere, rounded telomeres, chromatin grain, then a bend and a
slight rotation. Outline softness comes from the optics (`Look.optics`), applied by the caller
to the whole image.

Returns `ink` (darkness × coverage, 0..1) and `alpha` (coverage) on a small canvas, so the
caller can composite several chromosomes onto a karyogram.
"""

from dataclasses import dataclass, field, replace

import numpy as np
from scipy import ndimage as ndi

from .cytoband import BAND_LEVELS, Cytobands
from .karyotype import Chromosome

# Stain density (0 = unstained, 1 = darkest) of the cytoband classes, and the spread of each
# band's darkness around it: G-dark bands of one class are not all equally dark.
STAIN_DENSITY = {
    "gneg": 0.05,
    "gpos25": 0.33,
    "gpos50": 0.52,
    "gpos75": 0.72,
    "gpos100": 0.98,
    "gvar": 0.75,
    "stalk": 0.12,
    "acen": 0.42,
}
DENSITY_SPREAD = 0.06


@dataclass(frozen=True)
class Look:
    """How the chromosomes of one karyogram are condensed and stained: one per karyogram, shared
    by the excellent and poor images of a pair (degradation comes after, in `degrade`)."""

    band_level: int = 550  # condensation, 300–850 bands per haploid set
    chr1_length: float = 0.15  # chromosome 1 as a fraction of the image height
    width: float = 0.016  # chromosome width as a fraction of the image height
    band_blend: float = 0.12  # σ of the stain profile along the axis, in chromosome widths
    grain: float = 0.12  # chromatin texture, relative amplitude
    chromatid_split: float = 0.15  # depth of the groove between the sister chromatids
    base_density: float = 0.22  # darkness of unstained chromatin
    # σ of the microscope's point spread, in chromosome widths. Real sharp G-banded crops show a
    # 10–90 % edge rise of about 0.2–0.3 W (bench/realism.py), which 0.065–0.1 W gives.
    optics: float = 0.08

    @classmethod
    def draw(cls, rng: np.random.Generator, band_level: int | None = None) -> "Look":
        """A random condensation and staining; longer (less condensed) chromosomes are thinner."""
        level = int(band_level or rng.choice(BAND_LEVELS))
        condensed = 850 / level
        return cls(
            band_level=level,
            chr1_length=float(0.185 * condensed**-0.45 * rng.uniform(0.94, 1.0)),
            width=float(0.0128 * condensed**0.25 * rng.uniform(0.92, 1.08)),
            band_blend=float(rng.uniform(0.09, 0.15)),
            grain=float(rng.uniform(0.08, 0.16)),
            chromatid_split=float(rng.uniform(0.05, 0.3) * (0.4 + 0.6 * level / 850)),
            base_density=float(rng.uniform(0.24, 0.36)),
            optics=float(rng.uniform(0.065, 0.1)),
        )


@dataclass(frozen=True)
class Pose:
    """Geometry and individuality of one chromosome (bends, width wander, band darkness, grain)."""

    bend: float  # px of sideways displacement at the ends relative to the middle
    s_bend: float  # px of an S-shaped (cubic) bend
    angle: float  # degrees
    length_jitter: float  # homologs differ a little
    seed: int = 0  # draws the band darkness spread, the width wander and the grain
    dark_jitter: np.ndarray = field(
        default_factory=lambda: np.zeros(1)
    )  # smooth darkness drift along the axis

    @classmethod
    def draw(cls, rng: np.random.Generator, max_bend: float) -> "Pose":
        noise = ndi.gaussian_filter1d(rng.normal(0, 1, 4096), 12)
        noise /= noise.std() + 1e-9
        return cls(
            bend=float(rng.uniform(-max_bend, max_bend)),
            s_bend=float(rng.uniform(-0.4, 0.4) * max_bend),
            angle=float(rng.normal(0, 3)),
            length_jitter=float(rng.uniform(0.97, 1.03)),
            seed=int(rng.integers(2**31)),
            dark_jitter=0.03 * noise,
        )


def band_profile(
    chromosome: Chromosome,
    bands: Cytobands,
    length_px: int,
    look: Look,
    rng: np.random.Generator | None = None,
    width_px: float = 20.0,
) -> tuple[np.ndarray, list[int]]:
    """Stain density along the axis (length_px samples) and the centromere positions in px."""
    total = sum(s.length for s in chromosome)
    supersample = 4
    positions = (np.arange(length_px * supersample) + 0.5) / (length_px * supersample) * total
    profile = np.zeros(len(positions))
    centromeres: list[int] = []
    offset = 0
    for segment in chromosome:
        band_list = bands.bands(segment.chrom, look.band_level)
        edges = np.array([b.start for b in band_list] + [band_list[-1].end])
        dark = np.array([_density(b.stain, b.darkness) for b in band_list])
        if rng is not None:
            dark = np.clip(dark + rng.normal(0, DENSITY_SPREAD, len(dark)) * np.sqrt(dark), 0.02, 1)
        inside = (positions >= offset) & (positions < offset + segment.length)
        local = positions[inside] - offset
        bp = segment.end - local if segment.reverse else segment.start + local
        profile[inside] = dark[np.clip(np.searchsorted(edges, bp, side="right") - 1, 0, len(dark) - 1)]
        centre = bands.centromere(segment.chrom)
        if segment.start < centre < segment.end:
            rel = (segment.end - centre) if segment.reverse else (centre - segment.start)
            centromeres.append(int((offset + rel) / total * length_px))
        offset += segment.length
    profile = ndi.gaussian_filter1d(profile, look.band_blend * width_px * supersample, mode="nearest")
    return profile.reshape(length_px, supersample).mean(axis=1), centromeres


def render_chromosome(
    chromosome: Chromosome, bands: Cytobands, px_per_bp: float, width_px: float, pose: Pose, look: Look
) -> tuple[np.ndarray, np.ndarray]:
    """`ink` and `alpha` arrays of one chromosome on its own canvas (axis roughly vertical)."""
    rng = np.random.default_rng(pose.seed)
    total = sum(s.length for s in chromosome)
    length = max(round(total * px_per_bp * pose.length_jitter), int(1.5 * width_px) + 2)
    profile, centromeres = band_profile(chromosome, bands, length, look, rng, width_px)
    profile = np.clip(profile + pose.dark_jitter[np.arange(length) % len(pose.dark_jitter)], 0, 1)

    t = np.arange(length) + 0.5
    sigma = 0.6 * width_px  # width wanders by ±12 % (1 sd) over about a chromosome width
    wander = ndi.gaussian_filter1d(rng.normal(0, 1, length + 2048), sigma)[1024 : 1024 + length]
    half = width_px / 2 * (1 + 0.12 * wander * np.sqrt(2 * sigma * np.sqrt(np.pi)))
    for c in centromeres:
        half *= 1 - rng.uniform(0.25, 0.4) * np.exp(-(((t - c) / (0.45 * width_px)) ** 2))
    cap = min(0.55 * width_px, 0.3 * length)
    for distance in (t, length - t):  # rounded telomeres
        near = distance < cap
        half[near] *= np.sqrt(np.clip(1 - ((cap - distance[near]) / cap) ** 2, 0.02, 1))

    pad = int(np.ceil(width_px)) + 4
    cols = np.arange(2 * pad) - pad + 0.5
    across = np.abs(cols)[None, :] / half[:, None]  # 0 on the axis, 1 at the outline
    alpha = np.clip((half[:, None] - np.abs(cols)[None, :]) / 0.8 + 0.5, 0, 1)
    # Two sister chromatids, each a rod denser at its own axis, with a groove between them.
    chromatid = np.sqrt(np.clip(1 - ((across - 0.5) / 0.62) ** 2, 0, 1))
    groove = 1 - look.chromatid_split * np.exp(-((across / 0.18) ** 2))
    grain = ndi.gaussian_filter(rng.normal(0, 1, alpha.shape), max(0.07 * width_px, 0.8))
    grain /= grain.std() + 1e-9
    density = look.base_density + (1 - look.base_density) * profile[:, None]
    ink = alpha * np.clip(density * (0.75 + 0.25 * chromatid) * groove * (1 + look.grain * grain), 0, 1)
    ink = np.pad(ink, ((pad, pad), (0, 0)))
    alpha = np.pad(alpha, ((pad, pad), (0, 0)))
    stiff = min(1.0, length / (6 * width_px))  # short chromosomes hardly bend
    pose = replace(pose, bend=pose.bend * stiff, s_bend=pose.s_bend * stiff)
    return _bend_and_rotate(ink, pose), _bend_and_rotate(alpha, pose)


def _density(stain: str, merged_darkness: float) -> float:
    """Stain density of a band; merged bands (lower band levels) keep their length-weighted darkness."""
    return STAIN_DENSITY.get(stain, merged_darkness)


def _bend_and_rotate(image: np.ndarray, pose: Pose) -> np.ndarray:
    height = image.shape[0]
    extra = int(abs(pose.bend) + abs(pose.s_bend)) + int(abs(np.sin(np.radians(pose.angle))) * height / 2) + 2
    canvas = np.pad(image, ((0, 0), (extra, extra)))
    h, w = canvas.shape
    cy, cx = h / 2, w / 2
    theta = np.radians(pose.angle)

    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    x, y = cols - cx, rows - cy
    xr = np.cos(theta) * x + np.sin(theta) * y  # undo the rotation
    yr = -np.sin(theta) * x + np.cos(theta) * y
    u = yr / (height / 2)
    xr = xr - pose.bend * u**2 - pose.s_bend * u**3  # undo the bend
    return ndi.map_coordinates(canvas, [yr + cy, xr + cx], order=1, mode="constant", cval=0.0)
