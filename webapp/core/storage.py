"""Files in media storage (the local folder, or S3): written whole at a given path, read back safely.

Everything the web process serves that a worker made (results, cell arrays, training samples,
model comparisons, registered models) goes through here, so web and workers may run on different
machines that share only the database and this storage.
"""

import io
from collections.abc import Callable

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def put_file(path: str, data: bytes) -> str:
    """Write `data` at exactly `path` in media storage, replacing what was there (idempotent steps).

    When the write fails (a full disk), the partial file is removed so nothing half-written is served.
    """
    if default_storage.exists(path):
        default_storage.delete(path)
    try:
        return default_storage.save(path, ContentFile(data))
    except OSError:
        if default_storage.exists(path):
            default_storage.delete(path)
        raise


def read_file(path: str) -> bytes:
    """The bytes stored at `path` (FileNotFoundError when there are none)."""
    with default_storage.open(path, "rb") as f:
        return f.read()


def cached_file(path: str, make: Callable[[], bytes]) -> bytes:
    """The file stored at `path`, made by `make` on first use: previews of originals, which never change."""
    if not default_storage.exists(path):
        put_file(path, make())
    return read_file(path)


def save_npz(path: str, arrays: dict[str, np.ndarray]) -> str:
    """Store named arrays as one npz at `path`.

    Uncompressed on purpose: zlib took ~0.2 s per file of 24 float cells (6 MB), a tenth of a job.
    """
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return put_file(path, buffer.getvalue())


def load_npz(path: str) -> dict[str, np.ndarray]:
    """The arrays stored by `save_npz`, read without unpickling."""
    with np.load(io.BytesIO(read_file(path)), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}
