"""Fuzzing, bounded for CI: the loader and the layout detector only ever answer or refuse clearly."""

import io

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from enhancer.io import ImageError, read_karyogram
from enhancer.slicing import LayoutError, slice_karyogram

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _encoded(fmt: str) -> bytes:
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (40, 60), dtype=np.uint8)).save(buffer, format=fmt)
    return buffer.getvalue()


SEEDS = {fmt: _encoded(fmt) for fmt in ("PNG", "JPEG", "BMP", "TIFF")}


def _load(data: bytes) -> None:
    try:
        karyogram = read_karyogram(data, max_bytes=1_000_000, max_pixels=4_000_000)
    except ImageError as exc:
        assert str(exc)  # a refusal always says why
        return
    assert karyogram.grey.shape == (karyogram.info.height, karyogram.info.width)
    assert np.isfinite(karyogram.grey).all() and 0 <= karyogram.grey.min() and karyogram.grey.max() <= 1


@FUZZ
@given(st.binary(max_size=2048))
def test_loader_on_arbitrary_bytes(data):
    _load(data)


@FUZZ
@given(
    st.sampled_from(sorted(SEEDS)),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=12),
    st.integers(0, 10_000),
)
def test_loader_on_damaged_images(fmt, flips, cut):
    data = bytearray(SEEDS[fmt])
    for position, value in flips:
        data[position % len(data)] = value
    _load(bytes(data[: max(1, len(data) - cut % len(data))]))


@settings(max_examples=40, deadline=None)
@given(st.integers(40, 220), st.integers(40, 220), st.integers(0, 40), st.integers(0, 2**32 - 1))
def test_layout_detector_answers_or_refuses(width, height, blobs, seed):
    rng = np.random.default_rng(seed)
    grey = np.clip(0.95 + rng.normal(0, rng.uniform(0, 0.1), (height, width)), 0, 1).astype(np.float32)
    for _ in range(blobs):
        y, x = rng.integers(0, height), rng.integers(0, width)
        grey[y : y + rng.integers(2, 30), x : x + rng.integers(2, 12)] = rng.uniform(0, 0.6)
    try:
        layout = slice_karyogram(grey)
    except LayoutError as exc:
        assert str(exc)
        return
    assert len(layout.cells) == 24
    for cell in layout.cells:
        x0, y0, x1, y1 = cell.box
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height and cell.mask.shape == (y1 - y0, x1 - x0)
