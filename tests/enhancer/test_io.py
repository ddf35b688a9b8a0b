import io
import struct
import zlib

import numpy as np
import pytest
import tifffile
from PIL import Image

from enhancer.io import (
    DEFAULT_MAX_PIXELS,
    ImageError,
    ImageInfo,
    encode_as_written,
    encode_karyogram,
    read_karyogram,
    write_karyogram,
)
from tests.enhancer.conftest import real_karyogram

RNG = np.random.default_rng(0)
GREY8 = RNG.integers(0, 256, (40, 60), dtype=np.uint8)
GREY16 = RNG.integers(0, 65536, (40, 60), dtype=np.uint16)
RGB8 = RNG.integers(0, 256, (40, 60, 3), dtype=np.uint8)


@pytest.mark.parametrize(
    ("fmt", "pixels", "channels", "depth"),
    [
        ("PNG", GREY8, 1, 8),
        ("PNG", GREY16, 1, 16),
        ("PNG", RGB8, 3, 8),
        ("TIFF", GREY8, 1, 8),
        ("TIFF", GREY16, 1, 16),
        ("TIFF", RGB8, 3, 8),
        ("BMP", RGB8, 3, 8),
        ("BMP", np.dstack([RGB8, np.full((40, 60), 255, np.uint8)]), 4, 8),
    ],
)
def test_lossless_formats_round_trip_exactly(fmt, pixels, channels, depth):
    info = ImageInfo(fmt, 60, 40, channels, depth)
    back = read_karyogram(encode_karyogram(pixels, info))
    assert back.info == info
    np.testing.assert_array_equal(
        back.pixels[..., :3] if channels == 4 else back.pixels, pixels[..., :3] if channels == 4 else pixels
    )


def test_jpeg_keeps_format_and_size():
    info = ImageInfo("JPEG", 60, 40, 3, 8)
    back = read_karyogram(encode_karyogram(RGB8, info))
    assert back.info == info


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_the_pixels_as_written_are_what_a_reader_decodes(fmt):
    data, written = encode_as_written(RGB8, ImageInfo(fmt, 60, 40, 3, 8))
    assert data == encode_karyogram(RGB8, ImageInfo(fmt, 60, 40, 3, 8))
    np.testing.assert_array_equal(written, read_karyogram(data).pixels)
    assert np.array_equal(written, RGB8) == (fmt == "PNG")  # a JPEG's encoding moved some grey levels


def test_grey_view_is_luma_in_unit_range():
    k = read_karyogram(encode_karyogram(GREY16, ImageInfo("TIFF", 60, 40, 1, 16)))
    assert k.grey.dtype == np.float32
    np.testing.assert_allclose(k.grey, GREY16 / 65535, atol=1e-6)


def test_32_bit_bmp_export_is_recognised():
    k = read_karyogram(real_karyogram("cytovision_46XX_case100955_k.bmp"))
    assert (k.info.format, k.info.channels, k.info.bit_depth) == ("BMP", 4, 8)
    assert k.grey.shape == (896, 1017)


def _png_header_claiming(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def _png_bytes(array) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (_png_bytes(GREY8)[:60], "damaged or truncated"),
        (b"<!DOCTYPE html><html><body>not an image</body></html>", "not an image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "not an image"),
        (_png_header_claiming(100_000, 100_000), "limit"),
    ],
)
def test_bad_files_raise_a_clear_image_error(data, message):
    with pytest.raises(ImageError, match=message):
        read_karyogram(data)


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.png"
    path.write_bytes(_png_bytes(GREY8))
    with pytest.raises(ImageError, match="limit"):
        read_karyogram(path, max_bytes=100)


def test_decompression_bomb_is_refused_before_decoding():
    bomb = _png_bytes(np.zeros((4000, 4000), np.uint8))  # 16 MP of zeros compress to a few kB
    assert len(bomb) < 100_000
    with pytest.raises(ImageError, match="16,000,000 pixels"):
        read_karyogram(bomb, max_pixels=1_000_000)


def _png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims `width`×`height` pixels (its data could never fill them)."""
    data = bytearray(_png_bytes(GREY8))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # grey, 8 bit
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def test_the_pixel_bound_is_per_call_and_pillows_own_bound_is_left_alone():
    assert Image.MAX_IMAGE_PIXELS is not None  # importing enhancer.io changed no process-wide setting
    with pytest.raises(ImageError, match="81,000,000 pixels; the limit is 80,000,000"):
        read_karyogram(_png_claiming(9_000, 9_000))  # today's upload bound, checked before decoding
    for ours in (10**12, DEFAULT_MAX_PIXELS):  # past Pillow's own bound too: a plain sentence, the real limit
        limit = min(ours, 2 * Image.MAX_IMAGE_PIXELS)
        with pytest.raises(ImageError, match=f"400,000,000 pixels; the limit is {limit:,}\\."):
            read_karyogram(_png_claiming(20_000, 20_000), max_pixels=ours)


def test_multi_page_tiff_and_animated_gif_are_refused():
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, np.stack([GREY8, GREY8]), photometric="minisblack", metadata=None)
    with pytest.raises(ImageError, match="2 pages"):
        read_karyogram(buffer.getvalue())
    frames = [Image.fromarray(GREY8), Image.fromarray(255 - GREY8)]
    gif = io.BytesIO()
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(ImageError, match="GIF images are not supported"):
        read_karyogram(gif.getvalue())


def test_cmyk_jpeg_is_read_as_grey():
    buffer = io.BytesIO()
    Image.fromarray(RGB8).convert("CMYK").save(buffer, format="JPEG")
    k = read_karyogram(buffer.getvalue())
    assert k.info.channels == 3 and k.grey.shape == (40, 60)


def test_write_karyogram_to_path_matches_format(tmp_path):
    info = ImageInfo("PNG", 60, 40, 1, 16)
    write_karyogram(GREY16, info, tmp_path / "x.png")
    assert np.array_equal(read_karyogram(tmp_path / "x.png").pixels, GREY16)
