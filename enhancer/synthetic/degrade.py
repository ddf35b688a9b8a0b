"""Degradation of a grey image that holds chromosomes: what makes a karyogram poor and what an
enhancement can honestly restore (defocus, faint staining, fuzzy outlines, noise, uneven
illumination, resolution loss, compression, debris). It never changes condensation, band level,
length or geometry: the chromosome mask of the input is the mask of the output.

Degradations come in named families (`FAMILIES`); `HELD_OUT_FAMILY` is kept out of training
(`TRAINING_FAMILIES`) so that evaluation can measure generalisation to an unseen degradation.
Scales are in chromosome widths (measured from the mask), so one family means the same on a
synthetic karyogram and on a real crop of any resolution. Calibration against real images is in
README ("Synthetic karyograms") and `bench/realism.py`.
"""

import io
from dataclasses import asdict, dataclass

import numpy as np
from PIL import Image
from scipy import ndimage as ndi
from skimage.morphology import skeletonize
from skimage.transform import resize

SEVERITIES = {"mild": 0.3, "moderate": 0.6, "severe": 0.9}
FAMILIES = ("defocus", "faint", "fuzzy", "noisy", "compressed", "mixed", "pillbox_jpeg")
HELD_OUT_FAMILY = "pillbox_jpeg"  # disk (true defocus) PSF with anisotropy + strong JPEG: never trained on
TRAINING_FAMILIES = tuple(f for f in FAMILIES if f != HELD_OUT_FAMILY)


@dataclass(frozen=True)
class Degradation:
    """Parameters of one degradation, in the physical order they are applied. Lengths are in
    chromosome widths; 0 (or 1 for factors) switches a stage off."""

    family: str = "none"
    severity: float = 0.0
    stain_contrast: float = 1.0  # faint banding: in-chromosome contrast toward its mean
    global_contrast: float = 1.0  # pale staining: bg − g·(bg − x)
    gamma: float = 1.0
    fuzz: float = 0.0  # fuzzy outlines: σ of a blur confined to a ring around the outline
    fuzz_texture: float = 0.0  # "hairy" outline: noise in that ring
    mottle: float = 0.0  # coarse blotchy chromatin (poorly spread bone-marrow metaphases), relative
    n_debris: int = 0
    psf_sigma: float = 0.0  # Gaussian defocus
    disk_radius: float = 0.0  # pillbox (true defocus) PSF
    disk_aspect: float = 1.0
    illum_amp: float = 0.0  # uneven illumination, relative
    down: float = 1.0  # resolution loss factor
    poisson_peak: float = 0.0  # shot noise, photons at white (0 = none)
    gauss_sigma: float = 0.0  # read noise
    background_clip: float = 0.0  # export's background removal: lighter than bg·(1 − this) → bg
    jpeg_quality: int = 0  # 0 = no JPEG

    def as_dict(self) -> dict:
        return asdict(self)


def excellent_capture(rng: np.random.Generator) -> Degradation:
    """What a good capture adds to an excellent karyogram: a little sensor noise, and on half of
    them the export's background removal (real sharp exports range from noiseless white to grainy)."""
    return Degradation(
        family="excellent",
        poisson_peak=float(rng.uniform(1500, 20000)),
        gauss_sigma=float(rng.uniform(0, 0.003)),
        background_clip=float(rng.uniform(0.02, 0.05)) if rng.random() < 0.5 else 0.0,
    )


def draw_degradation(family: str, severity: float | str, rng: np.random.Generator) -> Degradation:
    """Random parameters of `family` at `severity` (0..1, or mild/moderate/severe), jittered ±15 %."""
    s = float(SEVERITIES[severity] if isinstance(severity, str) else severity)
    if family not in FAMILIES:
        raise ValueError(f"unknown degradation family {family!r}; one of {FAMILIES}")
    if not 0 <= s <= 1:
        raise ValueError("severity must be within 0..1")
    # Every poor export has a little noise and JPEG, half remove the background, and most
    # bone-marrow chromatin is blotchy (real poor crops: grain 0.39 against 0.24 for sharp ones).
    params = {
        "poisson_peak": _jitter(2000, rng),
        "gauss_sigma": _jitter(0.003, rng),
        "jpeg_quality": int(rng.integers(85, 96)),
        "background_clip": float(rng.uniform(0.03, 0.08)) if rng.random() < 0.5 else 0.0,
        "mottle": float(rng.uniform(0.1, 0.35)) if rng.random() < 0.7 else 0.0,
    }
    if family == "mixed":  # BSRGAN-like: each family's stages with probability 0.6, at a random share of s
        for stage in _STAGES.values():
            if rng.random() < 0.6:
                params.update(stage(s * rng.uniform(0.4, 1.0), rng))
    else:
        params.update(_STAGES.get(family, _pillbox_jpeg)(s, rng))
    return Degradation(family=family, severity=s, **params)


def _jitter(value: float, rng: np.random.Generator) -> float:
    return float(value * rng.uniform(0.85, 1.15))


def _pillbox_jpeg(s: float, rng: np.random.Generator) -> dict:
    return {
        "disk_radius": _jitter(0.12 + 0.3 * s, rng),
        "disk_aspect": float(rng.uniform(1.0, 1.4)),
        "illum_amp": _jitter(0.03 + 0.05 * s, rng),
        "jpeg_quality": int(np.clip(round(60 - 35 * s), 15, 60)),
    }


# The stages of each training family as a function of severity s (0..1); ranges in README.
_STAGES = {
    "defocus": lambda s, rng: {"psf_sigma": _jitter(0.05 + 0.22 * s, rng)},
    "faint": lambda s, rng: {
        "stain_contrast": 1 - _jitter(0.5 * s, rng),
        "global_contrast": 1 - _jitter(0.3 * s, rng),
        "gamma": 1 + _jitter(0.15 * s, rng),
    },
    "fuzzy": lambda s, rng: {
        "fuzz": _jitter(0.1 + 0.35 * s, rng),
        "fuzz_texture": _jitter(0.25 * s, rng),
        "mottle": _jitter(0.1 + 0.3 * s, rng),
        "psf_sigma": _jitter(0.04 + 0.06 * s, rng),
    },
    "noisy": lambda s, rng: {
        "poisson_peak": _jitter(1500 * (1 - s) + 80, rng),
        "gauss_sigma": _jitter(0.004 + 0.025 * s, rng),
        "illum_amp": _jitter(0.02 + 0.12 * s, rng),
        "n_debris": int(rng.integers(0, 1 + 14 * s)),
    },
    "compressed": lambda s, rng: {
        "down": 1 + _jitter(1.6 * s, rng),
        "jpeg_quality": int(np.clip(round(_jitter(92 - 55 * s, rng)), 25, 95)),
    },
}


def chromosome_width(mask: np.ndarray) -> float:
    """Typical chromosome width in pixels: twice the mean distance to the outline along the skeleton."""
    if not mask.any():
        return 0.0
    distance = ndi.distance_transform_edt(np.pad(mask, 1))
    return 2 * float(distance[skeletonize(np.pad(mask, 1))].mean())


def degrade_content(
    grey: np.ndarray,
    mask: np.ndarray,
    params: Degradation,
    rng: np.random.Generator,
    background: float | None = None,
    width: float | None = None,
) -> np.ndarray:
    """Everything up to the sensor (staining, outlines, debris, optics, illumination, resolution,
    noise) on a grey float image in [0, 1] whose chromosomes are `mask`; returns float."""
    x = np.asarray(grey, dtype=np.float64).copy()
    mask = np.asarray(mask, dtype=bool)
    height, width_px = x.shape
    bg = float(np.percentile(x, 90)) if background is None else background
    w = width or chromosome_width(mask) or 0.02 * max(height, width_px)
    if params.stain_contrast != 1 and mask.any():
        local = ndi.gaussian_filter(x, 1.5 * w)  # contrast toward the local chromosome tone
        x = np.where(mask, local + params.stain_contrast * (x - local), x)
    x = bg - params.global_contrast * (bg - x)
    x = np.clip(x, 0, 1) ** params.gamma
    if params.fuzz > 0 and mask.any():
        ring = np.exp(-((_signed_distance(mask) / (0.25 * w)) ** 2))
        blurred = ndi.gaussian_filter(x, params.fuzz * w)
        hairy = params.fuzz_texture * (bg - blurred) * ndi.gaussian_filter(rng.normal(size=x.shape), 0.6)
        x = x + ring * (blurred - x + hairy)
    if params.mottle > 0:
        blotches = ndi.gaussian_filter(rng.normal(size=x.shape), 0.08 * w)
        blotches /= blotches.std() + 1e-9
        x = bg - (bg - x) * np.clip(1 + params.mottle * blotches, 0, None)
    for _ in range(params.n_debris):
        cy, cx = rng.uniform(0, height), rng.uniform(0, width_px)
        radius, opacity = rng.uniform(0.05, 0.2) * w, rng.uniform(0.2, 0.6)
        yy, xx = np.ogrid[:height, :width_px]
        x *= 1 - opacity * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * radius**2))
    if params.psf_sigma > 0:
        x = ndi.gaussian_filter(x, params.psf_sigma * w, mode="nearest")
    if params.disk_radius > 0:
        x = ndi.convolve(x, _disk(params.disk_radius * w, params.disk_aspect, rng), mode="nearest")
    if params.illum_amp > 0:
        cells = max(2, int(max(height, width_px) / (8 * w)))
        field = ndi.gaussian_filter(rng.normal(size=(cells + 2, cells + 2)), 1.0)
        field = resize(field / (np.abs(field).max() + 1e-9), (height, width_px), order=3)
        x *= 1 + params.illum_amp * field
    if params.down > 1:
        small = resize(
            x,
            (max(1, int(height / params.down)), max(1, int(width_px / params.down))),
            order=3,
            anti_aliasing=True,
        )
        x = resize(small, (height, width_px), order=3)
    if params.poisson_peak > 0:
        x = rng.poisson(np.clip(x, 0, None) * params.poisson_peak) / params.poisson_peak
    if params.gauss_sigma > 0:
        x = x + rng.normal(0, params.gauss_sigma, x.shape)
    if params.background_clip > 0:
        x = np.where(x > bg * (1 - params.background_clip), np.maximum(x, bg), x)
    return np.clip(x, 0, 1)


def encode(grey: np.ndarray, params: Degradation) -> np.ndarray:
    """8-bit quantisation and the JPEG of the export; returns uint8."""
    out = np.clip(np.rint(np.asarray(grey, dtype=np.float64) * 255), 0, 255).astype(np.uint8)
    if params.jpeg_quality:
        buffer = io.BytesIO()
        Image.fromarray(out).save(buffer, format="JPEG", quality=params.jpeg_quality)
        out = np.asarray(Image.open(buffer).convert("L"))
    return out


def degrade(
    grey: np.ndarray,
    mask: np.ndarray,
    family: str,
    severity: float | str,
    seed: int = 0,
    data_range: float = 1.0,
    background: float | None = None,
) -> tuple[np.ndarray, Degradation]:
    """Degrade any grey image with chromosomes (a real crop, a synthetic cell or karyogram) by one
    family at one severity. `grey` is in [0, data_range], `mask` marks its chromosomes; returns
    the degraded image in the same range (float) and the parameters drawn. Deterministic per seed."""
    if grey.shape != mask.shape:
        raise ValueError(f"grey {grey.shape} and mask {mask.shape} differ in shape")
    rng = np.random.default_rng(seed)
    params = draw_degradation(family, severity, rng)
    x = np.asarray(grey, dtype=np.float64) / data_range
    bg = None if background is None else background / data_range
    out = encode(degrade_content(x, mask, params, rng, bg), params).astype(np.float64) / 255
    return out * data_range, params


def _signed_distance(mask: np.ndarray) -> np.ndarray:
    return ndi.distance_transform_edt(mask) - ndi.distance_transform_edt(~mask)


def _disk(radius: float, aspect: float, rng: np.random.Generator) -> np.ndarray:
    """A normalised pillbox PSF, elongated by `aspect` in a random direction (astigmatic defocus)."""
    r = max(radius, 0.5)
    size = int(np.ceil(r * aspect)) + 1
    yy, xx = np.mgrid[-size : size + 1, -size : size + 1].astype(float)
    theta = rng.uniform(0, np.pi)
    u = np.cos(theta) * xx + np.sin(theta) * yy
    v = -np.sin(theta) * xx + np.cos(theta) * yy
    kernel = np.clip(r + 0.5 - np.hypot(u / aspect, v), 0, 1)
    return kernel / kernel.sum()
