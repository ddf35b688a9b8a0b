"""Render one G-banded chromosome: band profile along the axis, two chromatids, a
centromere constriction, rounded telomeres, then a bend and a slight rotation.

Returns `ink` (darkness × coverage, 0..1) and `alpha` (coverage) on a small canvas, so
the caller can composite several chromosomes onto a karyogram.
"""

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

from .cytoband import Cytobands
from .karyotype import Chromosome


@dataclass(frozen=True)
class Look:
    """How a chromosome is stained and imaged (the chromosome-level part of quality)."""

    band_level: int = 850
    band_sigma: float = 0.5  # px, blur of the band profile along the axis
    band_contrast: float = 1.0  # 1 = full banding, lower = faint bands
    edge_px: float = 0.8  # softness of the outline (fuzzy outlines when larger)
    shortening: float = 1.0  # condensation: < 1 shortens along the axis


@dataclass(frozen=True)
class Pose:
    """Geometry drawn once per chromosome, shared by the excellent and poor renders of a pair."""

    bend: float  # px of sideways displacement at the ends relative to the middle
    angle: float  # degrees
    length_jitter: float  # homologs differ a little
    dark_jitter: np.ndarray  # per-pixel-row darkness noise along the axis (smooth)

    @classmethod
    def draw(cls, rng: np.random.Generator, max_bend: float) -> "Pose":
        noise = ndi.gaussian_filter1d(rng.normal(0, 1, 4096), 12)
        noise /= noise.std() + 1e-9
        return cls(bend=float(rng.uniform(-max_bend, max_bend)), angle=float(rng.normal(0, 3)),
                   length_jitter=float(rng.uniform(0.97, 1.03)), dark_jitter=0.04 * noise)


def band_profile(chromosome: Chromosome, bands: Cytobands, length_px: int, look: Look) -> tuple[np.ndarray, list[int]]:
    """Darkness along the axis (length_px samples) and the centromere positions in px."""
    total = sum(s.length for s in chromosome)
    positions = (np.arange(length_px) + 0.5) / length_px * total
    profile = np.zeros(length_px)
    centromeres: list[int] = []
    offset = 0
    for segment in chromosome:
        band_list = bands.bands(segment.chrom, look.band_level)
        edges = np.array([b.start for b in band_list] + [band_list[-1].end])
        dark = np.array([b.darkness for b in band_list])
        inside = (positions >= offset) & (positions < offset + segment.length)
        local = positions[inside] - offset
        bp = segment.end - local if segment.reverse else segment.start + local
        profile[inside] = dark[np.clip(np.searchsorted(edges, bp, side="right") - 1, 0, len(dark) - 1)]
        centre = bands.centromere(segment.chrom)
        if segment.start < centre < segment.end:
            rel = (segment.end - centre) if segment.reverse else (centre - segment.start)
            centromeres.append(int((offset + rel) / total * length_px))
        offset += segment.length
    profile = ndi.gaussian_filter1d(profile, max(look.band_sigma, 0.3), mode="nearest")
    mean = profile.mean()
    return mean + look.band_contrast * (profile - mean), centromeres


def render_chromosome(chromosome: Chromosome, bands: Cytobands, px_per_bp: float, width_px: float,
                      pose: Pose, look: Look) -> tuple[np.ndarray, np.ndarray]:
    """`ink` and `alpha` arrays of one chromosome on its own canvas (axis roughly vertical)."""
    total = sum(s.length for s in chromosome)
    length = max(int(round(total * px_per_bp * pose.length_jitter * look.shortening)), int(width_px) + 2)
    profile, centromeres = band_profile(chromosome, bands, length, look)
    profile = np.clip(profile + pose.dark_jitter[np.arange(length) % len(pose.dark_jitter)], 0, 1)

    t = np.arange(length) + 0.5
    half = np.full(length, width_px / 2)
    for c in centromeres:
        half *= 1 - 0.32 * np.exp(-(((t - c) / (0.45 * width_px)) ** 2))
    cap = width_px / 2
    for distance in (t, length - t):  # rounded telomeres
        near = distance < cap
        half[near] *= np.sqrt(np.clip(1 - ((cap - distance[near]) / cap) ** 2, 0, 1))

    pad = int(np.ceil(width_px)) + 4
    cols = np.arange(2 * pad) - pad + 0.5
    across = np.abs(cols)[None, :]
    alpha = np.clip((half[:, None] - across) / look.edge_px + 0.5, 0, 1)
    groove = 1 - 0.22 * np.exp(-((cols[None, :] / (0.11 * width_px)) ** 2))  # between the chromatids
    ink = alpha * (0.22 + 0.78 * profile[:, None]) * groove
    margin = pad
    ink = np.pad(ink, ((margin, margin), (0, 0)))
    alpha = np.pad(alpha, ((margin, margin), (0, 0)))
    return _bend_and_rotate(ink, pose), _bend_and_rotate(alpha, pose)


def _bend_and_rotate(image: np.ndarray, pose: Pose) -> np.ndarray:
    height, width = image.shape
    extra = int(abs(pose.bend)) + int(abs(np.sin(np.radians(pose.angle))) * height / 2) + 2
    canvas = np.pad(image, ((0, 0), (extra, extra)))
    h, w = canvas.shape
    cy, cx = h / 2, w / 2
    theta = np.radians(pose.angle)

    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    x, y = cols - cx, rows - cy
    xr = np.cos(theta) * x + np.sin(theta) * y  # undo the rotation
    yr = -np.sin(theta) * x + np.cos(theta) * y
    xr = xr - pose.bend * (yr / (height / 2)) ** 2  # undo the parabolic bend
    return ndi.map_coordinates(canvas, [yr + cy, xr + cx], order=1, mode="constant", cval=0.0)
