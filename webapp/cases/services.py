"""What the web app and the workers do with karyograms and jobs, on top of `enhancer`.

Uploads are validated by decoding them (bounded) before anything is stored; a job's cell
arrays live beside its result in media storage (npz, loaded without pickle); rendering
the enhanced karyogram is one function used by the worker and by strength changes.
"""

import hashlib
import io
import secrets
from collections.abc import Callable

import numpy as np
from PIL import Image
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from enhancer.cells import to_model_input
from enhancer.fidelity import capped_strengths
from enhancer.io import ImageError, ImageInfo, Karyogram as Decoded, encode_karyogram, read_karyogram
from enhancer.reassembly import cell_deltas, reassemble
from enhancer.segmentation import background_level
from enhancer.slicing import Cell, Layout

from .models import Case, EnhancementJob, JobState, Karyogram


class UploadError(ValueError):
    """An upload that cannot be accepted; the message is for the person who sent it."""


def read_upload(uploaded) -> tuple[bytes, Decoded]:
    """The bytes of an uploaded file and its decoded image, within the configured limits."""
    if uploaded.size > settings.MAX_UPLOAD_BYTES:
        raise UploadError(f"{uploaded.name}: the file is {uploaded.size:,} bytes; the limit is "
                          f"{settings.MAX_UPLOAD_BYTES:,}.")
    data = b"".join(uploaded.chunks())
    try:
        decoded = read_karyogram(data, max_bytes=settings.MAX_UPLOAD_BYTES, max_pixels=settings.MAX_IMAGE_PIXELS)
    except ImageError as exc:
        raise UploadError(f"{uploaded.name}: {exc}") from exc
    return data, decoded


def add_karyogram(case: Case, uploaded, user) -> Karyogram:
    """Store an uploaded karyogram unchanged, with its hash and image facts."""
    data, decoded = read_upload(uploaded)
    info = decoded.info
    karyogram = Karyogram(
        case=case, original_name=uploaded.name[:255], sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data),
        format=info.format, bit_depth=info.bit_depth, channels=info.channels, width=info.width, height=info.height,
        uploaded_by=user,
    )
    karyogram.original.save("original", ContentFile(data), save=False)
    try:
        karyogram.save()
    except Exception:
        karyogram.original.delete(save=False)  # no orphan file when the row cannot be written
        raise
    return karyogram


def start_job(karyogram: Karyogram, user, strength: float = 1.0, cells: int = 24,
              layout: dict | None = None, enqueue: bool = True) -> EnhancementJob:
    """Create a job and enqueue its first step once the transaction commits.

    With `enqueue=False` the job waits in the database until `workers.sweep` sends it (used
    when no broker runs yet, e.g. while loading demo data).
    """
    from workers.enqueue import send_on_commit
    from workers.tasks import slice_karyogram_task

    job = EnhancementJob.objects.create(karyogram=karyogram, strength=strength, cells=cells, layout=layout,
                                        created_by=user)
    if enqueue:
        send_on_commit(slice_karyogram_task, job_pk=job.pk)
    return job


def latest_finished_job(karyogram: Karyogram) -> EnhancementJob | None:
    """The karyogram's most recently finished enhancement, if any (what studies and datasets use)."""
    return karyogram.jobs.filter(state=JobState.DONE).order_by("-finished", "-pk").first()


def read_stored(karyogram: Karyogram) -> Decoded:
    """The stored original, decoded within the configured limits."""
    with karyogram.original.open("rb") as f:
        return read_karyogram(f.read(), max_bytes=settings.MAX_UPLOAD_BYTES, max_pixels=settings.MAX_IMAGE_PIXELS)



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


def save_arrays(job: EnhancementJob, name: str, arrays: dict[str, np.ndarray]) -> str:
    """Store named arrays of a job (cell inputs, outputs, masks) as one npz.

    Uncompressed on purpose: zlib took ~0.2 s per file of 24 float cells (6 MB), a tenth of a job.
    """
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return put_file(f"jobs/{job.uid}/{name}.npz", buffer.getvalue())


def load_arrays(job: EnhancementJob, name: str) -> dict[str, np.ndarray]:
    """The arrays stored by `save_arrays`, read without unpickling."""
    with default_storage.open(f"jobs/{job.uid}/{name}.npz", "rb") as f:
        with np.load(io.BytesIO(f.read()), allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}


def save_layout(job: EnhancementJob, layout: Layout) -> None:
    """Keep the slicer's chromosome masks so re-rendering never segments the image again."""
    save_arrays(job, "masks", {c.label: c.mask for c in layout.cells})


def job_layout(job: EnhancementJob, decoded: Decoded) -> Layout:
    """The job's slots: boxes from its cell rows, chromosome masks as the slicer found them."""
    masks = load_arrays(job, "masks")
    cells = [Cell(c.label, tuple(c.box), masks[c.label], c.object_count) for c in job.cell_rows.all()]
    return Layout(decoded.info.width, decoded.info.height, cells)


def cell_preview_path(job: EnhancementJob, label: str, kind: str) -> str:
    """Where the gallery's PNG of one cell (`original` or `enhanced`) is stored."""
    return f"jobs/{job.uid}/cells/{label}-{kind}.png"


def _save_cell_previews(job: EnhancementJob, layout: Layout, pixels: np.ndarray, kind: str) -> None:
    for cell in layout.cells:
        x0, y0, x1, y1 = cell.box
        put_file(cell_preview_path(job, cell.label, kind), display_png(pixels[y0:y1, x0:x1], compress_level=1))


def cached_png(path: str, make: Callable[[], bytes]) -> bytes:
    """The PNG stored at `path`, made by `make` on first use: previews of originals, which never change."""
    if not default_storage.exists(path):
        put_file(path, make())
    with default_storage.open(path, "rb") as f:
        return f.read()


def original_preview(karyogram: Karyogram) -> bytes:
    """The original as an 8-bit PNG for the browser (viewer, slot editor), decoded once."""
    return cached_png(f"previews/{karyogram.uid}.png", lambda: display_png(read_stored(karyogram).pixels))


def display_png(pixels: np.ndarray, compress_level: int = 6) -> bytes:
    """An 8-bit PNG for the browser (16-bit scaled down, alpha dropped)."""
    if pixels.dtype == np.uint16:
        pixels = (pixels >> 8).astype(np.uint8)
    if pixels.ndim == 3:
        pixels = pixels[..., :3]
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, format="PNG", compress_level=compress_level)
    return buffer.getvalue()


def render_result(job: EnhancementJob) -> None:
    """Blend the model's change into the original with each cell's strength, capped by the fidelity
    guard's verdict as `enhance` does; store both files."""
    decoded = read_stored(job.karyogram)
    layout = job_layout(job, decoded)
    inputs, outputs = load_arrays(job, "inputs"), load_arrays(job, "outputs")
    background = background_level(decoded.grey)
    transforms = {c.label: to_model_input(decoded.grey, c, background)[1] for c in layout.cells if c.label in inputs}
    rows = list(job.cell_rows.all())
    verdicts = {c.label: c.verdict for c in rows if c.verdict is not None}
    strengths = capped_strengths({c.label: c.strength for c in rows}, verdicts, outputs)
    pixels = reassemble(decoded, layout, cell_deltas(inputs, outputs, transforms), strengths)
    info = decoded.info
    png_info = ImageInfo("PNG", info.width, info.height, min(info.channels, 3), info.bit_depth)
    png_pixels = pixels[..., :3] if pixels.ndim == 3 else pixels
    # New names each time: the files a committed row points at stay whole until the row moves on.
    previous = {job.result.name, job.result_png.name} - {""}
    version = secrets.token_hex(4)
    job.result.name = put_file(f"jobs/{job.uid}/enhanced-{version}{job.karyogram.suffix}",
                               encode_karyogram(pixels, info))
    job.result_png.name = job.result.name if png_info == info else put_file(  # a PNG original: one file
        f"jobs/{job.uid}/enhanced-{version}.png", encode_karyogram(png_pixels, png_info))
    transaction.on_commit(lambda: [default_storage.delete(name) for name in previous
                                   if name not in (job.result.name, job.result_png.name)])
    if not default_storage.exists(cell_preview_path(job, layout.cells[0].label, "original")):
        _save_cell_previews(job, layout, decoded.pixels, "original")
    _save_cell_previews(job, layout, pixels, "enhanced")


@transaction.atomic
def set_cell_strengths(job: EnhancementJob, strengths: dict[str, float]) -> None:
    """Change per-cell strengths and re-render: only the blend runs, not the model."""
    for cell in job.cell_rows.select_for_update():
        if cell.label in strengths:
            value = float(strengths[cell.label])
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"strength of cell {cell.label} must be between 0 and 1")
            cell.strength = value
            cell.save(update_fields=["strength"])
    render_result(job)
    job.save(update_fields=["result", "result_png", "updated"])

