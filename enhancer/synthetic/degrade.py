"""Degradation model for poor bone-marrow karyograms (enhancement-evaluation.md §4).

The chromosome-level part (fewer bands, faint banding, fuzzy outlines, shortening) is a
`Look` applied when rendering; this module holds the presets and the image-level part in
physical order: stain contrast and gamma → debris → defocus → uneven illumination →
resolution loss → Poisson–Gaussian sensor noise → 8-bit quantisation and JPEG.
"""

import io
from dataclasses import asdict, dataclass

import numpy as np
from PIL import Image
from scipy import ndimage as ndi
from skimage.transform import resize

from .render import Look

SEVERITIES = ("mild", "moderate", "severe")


@dataclass(frozen=True)
class ImageDegradation:
    global_contrast: float = 1.0
    gamma: float = 1.0
    n_debris: int = 0
    psf_sigma: float = 0.0
    illum_amp: float = 0.0
    down: float = 1.0
    poisson_peak: float = 0.0  # 0 = no shot noise
    gauss_sigma: float = 0.0
    jpeg_quality: int = 0  # 0 = no JPEG


EXCELLENT_LOOK = Look(band_level=850, band_sigma=0.5, band_contrast=1.0, edge_px=0.8)
EXCELLENT_IMAGE = ImageDegradation(poisson_peak=4000, gauss_sigma=0.002)

PRESETS: dict[str, tuple[Look, ImageDegradation]] = {
    "mild": (Look(550, 0.8, 0.85, 1.2), ImageDegradation(0.9, 1.0, 1, 0.8, 0.03, 1.0, 1000, 0.004, 90)),
    "moderate": (Look(400, 1.6, 0.65, 1.8), ImageDegradation(0.75, 1.1, 4, 1.3, 0.06, 1.5, 400, 0.008, 75)),
    "severe": (Look(300, 2.8, 0.45, 2.6), ImageDegradation(0.55, 1.25, 10, 2.0, 0.12, 2.0, 150, 0.015, 50)),
}


def poor_look(severity: str, rng: np.random.Generator, shorten: bool) -> Look:
    """The preset's chromosome look, jittered ±15 %, optionally shortened (breaks pixel alignment)."""
    base, _ = PRESETS[severity]
    jitter = lambda v: float(v * rng.uniform(0.85, 1.15))  # noqa: E731
    return Look(band_level=base.band_level, band_sigma=jitter(base.band_sigma),
                band_contrast=min(1.0, jitter(base.band_contrast)), edge_px=jitter(base.edge_px),
                shortening=float(rng.uniform(0.8, 0.95)) if shorten else 1.0)


def poor_image(severity: str, rng: np.random.Generator) -> ImageDegradation:
    _, base = PRESETS[severity]
    jitter = lambda v: float(v * rng.uniform(0.85, 1.15))  # noqa: E731
    return ImageDegradation(
        global_contrast=min(1.0, jitter(base.global_contrast)), gamma=jitter(base.gamma),
        n_debris=int(rng.integers(0, 2 * base.n_debris + 1)), psf_sigma=jitter(base.psf_sigma),
        illum_amp=jitter(base.illum_amp), down=max(1.0, jitter(base.down)),
        poisson_peak=jitter(base.poisson_peak), gauss_sigma=jitter(base.gauss_sigma),
        jpeg_quality=int(np.clip(round(jitter(base.jpeg_quality)), 30, 95)),
    )


def degrade_image(grey: np.ndarray, background: float, params: ImageDegradation,
                  rng: np.random.Generator) -> np.ndarray:
    """Apply the image-level degradation to a grey float image; returns uint8."""
    x = grey.astype(np.float64)
    height, width = x.shape
    x = background - params.global_contrast * (background - x)
    x = np.clip(x, 0, 1) ** params.gamma
    for _ in range(params.n_debris):
        cy, cx = rng.uniform(0, height), rng.uniform(0, width)
        radius, opacity = rng.uniform(1, 4), rng.uniform(0.2, 0.6)
        yy, xx = np.ogrid[:height, :width]
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * radius**2))
        x *= 1 - opacity * blob
    if params.psf_sigma > 0:
        x = ndi.gaussian_filter(x, params.psf_sigma)
    if params.illum_amp > 0:
        field = ndi.gaussian_filter(rng.normal(size=(height // 32 + 2, width // 32 + 2)), 1.5)
        field = resize(field / (np.abs(field).max() + 1e-9), (height, width), order=3)
        x *= 1 + params.illum_amp * field
    if params.down > 1:
        small = resize(x, (int(height / params.down), int(width / params.down)), order=3, anti_aliasing=True)
        x = resize(small, (height, width), order=3)
    if params.poisson_peak > 0:
        x = rng.poisson(np.clip(x, 0, None) * params.poisson_peak) / params.poisson_peak
    if params.gauss_sigma > 0:
        x = x + rng.normal(0, params.gauss_sigma, x.shape)
    out = np.clip(np.rint(x * 255), 0, 255).astype(np.uint8)
    if params.jpeg_quality:
        buffer = io.BytesIO()
        Image.fromarray(out).save(buffer, format="JPEG", quality=params.jpeg_quality)
        out = np.asarray(Image.open(buffer).convert("L"))
    return out


def describe(look: Look, image: ImageDegradation) -> dict:
    """Degradation parameters as JSON-ready data."""
    return {"chromosome": asdict(look), "image": asdict(image)}
