"""Reading and writing karyogram exports: PNG, TIFF (8/16 bit), JPEG, BMP (24/32 bit).

`read_karyogram` returns the decoded pixels exactly as stored, a grey float view of them
for processing, and what is needed to write a result back in the same format and depth.
Size and pixel limits are checked before anything is decoded (decompression bombs), per call:
Pillow's process-wide bound is left as it is and only stands behind ours.
"""

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import tifffile
from PIL import Image, UnidentifiedImageError

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_PIXELS = 80_000_000
FORMATS = ("PNG", "TIFF", "JPEG", "BMP")
SUFFIX = {"PNG": ".png", "TIFF": ".tif", "JPEG": ".jpg", "BMP": ".bmp"}  # what a result is written as
_LOSSY_FORMATS = frozenset({"JPEG"})  # whose encoding changes the pixels it writes
READABLE_SUFFIXES = frozenset({*SUFFIX.values(), ".tiff", ".jpeg"})  # file names taken as karyograms


class ImageError(ValueError):
    """The file cannot be used as a karyogram image; the message says why."""


@dataclass(frozen=True)
class ImageInfo:
    """How the original was stored, so a result can be written back the same way."""

    format: str  # one of FORMATS
    width: int
    height: int
    channels: int  # 1 (grey), 3 (RGB) or 4 (32-bit BMP, RGBX)
    bit_depth: int  # bits per channel: 8 or 16

    @property
    def max_value(self) -> int:
        return (1 << self.bit_depth) - 1

    @property
    def suffix(self) -> str:
        return SUFFIX[self.format]


@dataclass
class DecodedKaryogram:
    """A decoded karyogram image: native pixels (H, W) or (H, W, C) and a grey view in [0, 1]."""

    pixels: np.ndarray
    grey: np.ndarray
    info: ImageInfo


def read_karyogram(
    source: str | os.PathLike | bytes | BinaryIO,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> DecodedKaryogram:
    """Decode a karyogram export, refusing files over `max_bytes` or `max_pixels` before decoding."""
    data = _read_bounded(source, max_bytes)
    if not data:
        raise ImageError("The file is empty.")
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        pixels, fmt = _decode_tiff(data, max_pixels), "TIFF"
    else:
        pixels, fmt = _decode_pillow(data, max_pixels)
    return _karyogram(pixels, fmt)


def grey_of(pixels: np.ndarray, bit_depth: int) -> np.ndarray:
    """Luma (ITU-R 601) of native pixels as float32 in [0, 1]."""
    scale = float((1 << bit_depth) - 1)
    if pixels.ndim == 2:
        return pixels.astype(np.float32) / scale
    rgb = pixels[..., :3].astype(np.float32)
    return (rgb @ np.array([0.299, 0.587, 0.114], np.float32)) / scale


def write_karyogram(pixels: np.ndarray, info: ImageInfo, destination: str | os.PathLike | BinaryIO) -> None:
    """Write native pixels in the format, channel count and bit depth that `info` describes."""
    if info.format == "TIFF":
        tifffile.imwrite(destination, pixels, photometric="minisblack" if pixels.ndim == 2 else "rgb")
        return
    if info.format == "BMP" and info.channels == 4:
        image = Image.fromarray(np.ascontiguousarray(pixels[..., :3]), "RGB").convert("RGBA")
    elif pixels.dtype == np.uint16:
        image = Image.fromarray(pixels)
    else:
        image = Image.fromarray(np.ascontiguousarray(pixels))
    options = {"quality": 95, "subsampling": 0} if info.format == "JPEG" else {}
    image.save(destination, format=info.format, **options)


def encode_karyogram(pixels: np.ndarray, info: ImageInfo) -> bytes:
    """The bytes `write_karyogram` would write."""
    buffer = io.BytesIO()
    write_karyogram(pixels, info, buffer)
    return buffer.getvalue()


def encode_as_written(pixels: np.ndarray, info: ImageInfo) -> tuple[bytes, np.ndarray]:
    """The bytes `write_karyogram` would write, and the pixels a reader decodes from them: `pixels` itself,
    except in a lossy format (JPEG), whose encoding moves some grey levels."""
    data = encode_karyogram(pixels, info)
    return data, read_karyogram(data).pixels if info.format in _LOSSY_FORMATS else pixels


def _read_bounded(source, max_bytes: int) -> bytes:
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    elif hasattr(source, "read"):
        data = source.read(max_bytes + 1)
    else:
        path = Path(source)
        if not path.is_file():
            raise ImageError(f"No such file: {path}")
        if path.stat().st_size > max_bytes:
            raise ImageError(f"The file is {path.stat().st_size:,} bytes; the limit is {max_bytes:,}.")
        data = path.read_bytes()
    if len(data) > max_bytes:
        raise ImageError(f"The file is larger than the limit of {max_bytes:,} bytes.")
    return data


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise ImageError("The image has no pixels.")
    if width * height > max_pixels:
        raise ImageError(
            f"The image is {width}×{height} = {width * height:,} pixels; the limit is {max_pixels:,}."
        )


def _decode_tiff(data: bytes, max_pixels: int) -> np.ndarray:
    try:
        with tifffile.TiffFile(io.BytesIO(data)) as tif:
            if len(tif.pages) != 1:
                raise ImageError(f"The TIFF has {len(tif.pages)} pages; export a single karyogram image.")
            page = tif.pages[0]
            _check_pixels(page.imagewidth, page.imagelength, max_pixels)
            pixels = page.asarray()
    except ImageError:
        raise
    except Exception as exc:  # tifffile raises many types for damaged files
        raise ImageError(f"The TIFF cannot be decoded ({exc}).") from exc
    if pixels.dtype not in (np.uint8, np.uint16):
        raise ImageError(f"TIFF samples of type {pixels.dtype} are not supported; use 8 or 16 bit.")
    if pixels.ndim == 3 and pixels.shape[-1] not in (3, 4):
        raise ImageError(f"The TIFF has {pixels.shape[-1]} samples per pixel; use grey or RGB.")
    return pixels


def _decode_pillow(data: bytes, max_pixels: int) -> tuple[np.ndarray, str]:
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only; `load` below decodes
    except (
        Image.DecompressionBombError
    ) as exc:  # Pillow's own bound, past `max_pixels`: its size is in the text
        size = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = f"{int(size.group(1)):,} pixels" if size else "too large to decode"
        limit = min(max_pixels, 2 * Image.MAX_IMAGE_PIXELS)  # Pillow refuses past twice its warning size
        raise ImageError(f"The image is {pixels}; the limit is {limit:,}.") from exc
    except UnidentifiedImageError as exc:
        raise ImageError("The file is not an image in a supported format (PNG, TIFF, JPEG, BMP).") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(f"The file is damaged or truncated ({exc}).") from exc
    if image.format not in FORMATS:
        raise ImageError(f"{image.format} images are not supported; export PNG, TIFF, JPEG or BMP.")
    try:
        frames = getattr(image, "n_frames", 1)
        if frames != 1:
            raise ImageError(f"The image has {frames} frames; export a single karyogram image.")
        _check_pixels(image.width, image.height, max_pixels)
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError(f"The {image.format} file is damaged or truncated ({exc}).") from exc
    fmt = image.format
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return np.asarray(image).astype(np.uint16), fmt
    if image.mode == "L":
        return np.asarray(image), fmt
    if fmt == "BMP" and _bmp_bits(data) == 32:
        return np.asarray(image.convert("RGBA")), fmt
    return np.asarray(image.convert("RGB")), fmt


def _bmp_bits(data: bytes) -> int:
    return int.from_bytes(data[28:30], "little") if len(data) >= 30 else 0


def _karyogram(pixels: np.ndarray, fmt: str) -> DecodedKaryogram:
    if pixels.ndim == 3 and pixels.shape[-1] == 4 and fmt != "BMP":
        pixels = pixels[..., :3]
    pixels = np.ascontiguousarray(pixels)
    bit_depth = 16 if pixels.dtype == np.uint16 else 8
    channels = 1 if pixels.ndim == 2 else pixels.shape[-1]
    info = ImageInfo(
        format=fmt, width=pixels.shape[1], height=pixels.shape[0], channels=channels, bit_depth=bit_depth
    )
    return DecodedKaryogram(pixels=pixels, grey=grey_of(pixels, bit_depth), info=info)
