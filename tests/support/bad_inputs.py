"""The bad-input corpus: files a lab might send by mistake or an attacker on purpose, made on demand.

`write_corpus(DIR)` writes them (the `tests/data/bad/README.md` says how to regenerate them for
manual checks); tests use `CORPUS` directly. Each entry: (file name, bytes, what the refusal says).
"""

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims `width`×`height` but whose data is a few bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _chunk(b"IEND", b"")
    )


def decompression_bomb() -> bytes:
    """9000×9000 zeros: 81 million pixels in a ~80 kB file."""
    return _png(Image.fromarray(np.zeros((9000, 9000), np.uint8)))


def animated_gif() -> bytes:
    frames = [Image.new("L", (64, 48), 60 * i) for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def multi_page_tiff() -> bytes:
    pages = [Image.new("L", (64, 48), 80 * i) for i in range(2)]
    buffer = io.BytesIO()
    pages[0].save(buffer, format="TIFF", save_all=True, append_images=pages[1:])
    return buffer.getvalue()


def cmyk_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("CMYK", (300, 200), (0, 0, 0, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def sixteen_bit_tiff() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((200, 300), 50000, np.uint16)).save(buffer, format="TIFF")
    return buffer.getvalue()


def blank_png() -> bytes:
    """A valid image with no chromosome on it."""
    return _png(Image.new("L", (1200, 1000), 250))


def polyglot() -> bytes:
    """A valid PNG with an HTML page appended: decoders ignore the tail, browsers might sniff it."""
    return _png(Image.new("L", (300, 200), 240)) + b"<html><script>alert('x')</script></html>"


# Refused at upload, with what the message says.
REFUSED = [
    ("empty.png", b"", "empty"),
    ("truncated.png", _png(Image.new("L", (400, 300), 128))[:60], "truncated"),
    ("bomb.png", decompression_bomb(), "pixels"),
    ("huge-header.png", png_claiming(100_000, 100_000), "pixels"),
    ("page.png", b"<!DOCTYPE html><html><body>not an image</body></html>", "not an image"),
    (
        "drawing.png",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "not an image",
    ),
    ("animated.gif", animated_gif(), "GIF"),
    ("pages.tif", multi_page_tiff(), "page"),
]
# Accepted: valid images that need care.
ACCEPTED = [
    ("cmyk.jpg", cmyk_jpeg()),
    ("deep.tif", sixteen_bit_tiff()),
    ("blank.png", blank_png()),
    ("polyglot.png", polyglot()),
]


def write_corpus(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data, *_ in REFUSED + ACCEPTED:
        (directory / name).write_bytes(data)
        written.append(directory / name)
    return written
