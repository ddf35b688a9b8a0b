"""What the web app and the workers do with karyograms and jobs, on top of `enhancer`.

Uploads are validated by decoding them (bounded) before anything is stored; a job's cell
arrays (the original's pixels as decoded once by its slicing step, the cells' model inputs, masks,
transforms and outputs) live beside its result in media storage (npz, loaded without pickle);
rendering the enhanced karyogram is one function used by the worker and by strength changes, and each
render measures the result whole against the original (`measuring`), so the job's report
always describes the file it serves.
"""

import hashlib
import io
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image

from enhancer.cells import CellTransform, PreparedCells, prepare_cells
from enhancer.io import (
    DecodedKaryogram,
    ImageError,
    ImageInfo,
    encode_as_written,
    encode_karyogram,
    read_karyogram,
)
from enhancer.panels import panel_files
from enhancer.reassembly import blend
from enhancer.slicing import Cell, Layout
from enhancer.template import template_slots
from webapp.audit.models import AuditEvent
from webapp.core import queue, storage
from webapp.core.storage import put_file, read_file

from .measuring import measured_report
from .models import Case, EnhancementJob, JobState, Karyogram

log = logging.getLogger(__name__)


class UploadError(ValueError):
    """An upload that cannot be accepted; the message is for the person who sent it."""


def read_upload(uploaded) -> tuple[bytes, DecodedKaryogram]:
    """The bytes of an uploaded file and its decoded image, within the configured limits."""
    if uploaded.size > settings.MAX_UPLOAD_BYTES:
        raise UploadError(
            f"{uploaded.name}: the file is {uploaded.size:,} bytes; the limit is "
            f"{settings.MAX_UPLOAD_BYTES:,}."
        )
    data = b"".join(uploaded.chunks())
    try:
        decoded = read_karyogram(
            data, max_bytes=settings.MAX_UPLOAD_BYTES, max_pixels=settings.MAX_IMAGE_PIXELS
        )
    except ImageError as exc:
        raise UploadError(f"{uploaded.name}: {exc}") from exc
    return data, decoded


def add_karyogram(case: Case, uploaded, user, split_from: Karyogram | None = None) -> Karyogram:
    """Store an uploaded karyogram unchanged, with its hash and image facts (and the figure it was cut from)."""
    data, decoded = read_upload(uploaded)
    info = decoded.info
    karyogram = Karyogram(
        case=case,
        original_name=uploaded.name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        format=info.format,
        bit_depth=info.bit_depth,
        channels=info.channels,
        width=info.width,
        height=info.height,
        uploaded_by=user,
        split_from=split_from,
    )
    karyogram.original.save("original", ContentFile(data), save=False)
    try:
        karyogram.save()
    except Exception:
        karyogram.original.delete(save=False)  # no orphan file when the row cannot be written
        raise
    return karyogram


def start_job(
    karyogram: Karyogram,
    user,
    strength: float = 1.0,
    cell_count: int = 24,
    layout: dict | None = None,
    enqueue: bool = True,
) -> EnhancementJob:
    """Create a job and enqueue its first step once the transaction commits.

    With `enqueue=False` the job waits in the database until the sweep (`webapp.core.sweep`) sends it
    (used when no broker runs yet, e.g. while loading demo data).
    """
    job = EnhancementJob.objects.create(
        karyogram=karyogram, strength=strength, cell_count=cell_count, layout=layout, created_by=user
    )
    if enqueue:
        queue.send_on_commit(queue.SLICE, job_pk=job.pk)
    return job


class RetryRefused(ValueError):
    """A job that cannot be run again now; the message says why."""


def retry_job(job: EnhancementJob, user, layout: dict | None = None) -> EnhancementJob:
    """Run a job's karyogram again as a new job, with the same options or corrected slot boxes; refused
    while the job runs, and for a figure split into its panels (it could only fail the same way again)."""
    if job.is_active:
        raise RetryRefused(f"The job is still {job.state}; wait for it to finish, or cancel it.")
    panels = [p.original_name for p in job.karyogram.split_panels.all()]
    if panels:
        raise RetryRefused(
            f"{job.karyogram.original_name} was split into {', '.join(panels)}; each is enhanced on its own."
        )
    return start_job(job.karyogram, user, job.strength, job.cell_count, layout or job.layout)


class SplitRefused(ValueError):
    """A figure that cannot be split into its panels; the message says why."""


@transaction.atomic
def split_into_panels(job: EnhancementJob, user) -> list[Karyogram]:
    """Each panel of the job's multi-panel figure (`job.panels`) added to its case as a karyogram of its own,
    cut without loss and named after the figure, with its enhancement queued (same strength and cells); the
    figure leaves curation datasets (its panels are offered instead). All or nothing (one transaction);
    refused when the job found no panels or when they were split off before."""
    # the figure first (as a move locks it), so a move cannot take it to another case while its panels are cut
    figure = Karyogram.objects.select_for_update().select_related("case").get(pk=job.karyogram_id)
    job = EnhancementJob.objects.select_for_update().get(pk=job.pk)
    if not job.panels:
        raise SplitRefused(f"{figure.original_name} was not found to be a figure of several karyograms.")
    if already := [k.original_name for k in figure.split_panels.order_by("pk")]:
        raise SplitRefused(f"{figure.original_name} was split before: see {', '.join(already)} in this case.")
    stem = PurePath(figure.original_name).stem
    files = panel_files(read_stored(figure), [tuple(box) for box in job.panels])
    panels = []
    for number, (data, suffix) in enumerate(files, 1):
        name = f"{stem}-panel{number}{suffix}"
        panel = add_karyogram(figure.case, SimpleUploadedFile(name, data), user, split_from=figure)
        start_job(panel, user, job.strength, job.cell_count)
        panels.append(panel)
    figure.included = False
    figure.save(update_fields=["included"])
    return panels


class MoveRefused(ValueError):
    """A karyogram that cannot be moved as asked; the message says why, `field` what it is about."""

    def __init__(self, message: str, field: str = "accession"):
        super().__init__(message)
        self.field = field


@dataclass
class Moved:
    """Where a move filed a karyogram, and the panels cut from it that went with it."""

    case: Case
    panels: list[Karyogram]


@transaction.atomic
def move_karyogram(
    karyogram: Karyogram, *, accession: str, reason: str, user, ip: str | None = None
) -> Moved:
    """File a karyogram uploaded to the wrong case under the case `accession` (ignoring upper/lower case), with
    its jobs, and keep who moved it, from where and why in the audit trail (a new event each move: the events
    before it stay as they are).

    A panel cut from a figure is a karyogram of its own and moves alone (a journal figure "(a) 45,X (b) 47,XXX"
    holds two patients' karyograms): the figure and its other panels stay, and it keeps naming the figure it was
    cut from. A figure takes along its panels that are still in its case, not those moved elsewhere already.
    Refused without a reason, to its own case or an unknown accession. Studies and statistics then read the new
    case's karyotype; datasets leave the figure out wherever its panels are.
    """
    karyogram = (
        Karyogram.objects.select_for_update().select_related("case", "split_from").get(pk=karyogram.pk)
    )
    if not reason.strip():
        raise MoveRefused("Give the reason for the move.", field="reason")
    target = Case.objects.same_accession(accession.strip()).first()
    if target is None:
        raise MoveRefused(
            f"No case has accession {accession.strip()}; create it first, then move the karyogram there."
        )
    source = karyogram.case
    if target.pk == source.pk:
        raise MoveRefused(f"It is already in case {source.accession}.")
    panels = list(karyogram.split_panels.select_for_update().filter(case_id=source.pk).order_by("pk"))
    Karyogram.objects.filter(pk__in=[karyogram.pk, *(p.pk for p in panels)]).update(case=target)
    figure = karyogram.split_from
    AuditEvent.objects.create(
        user=user,
        username=user.get_username(),
        action="karyogram-moved",
        method="POST",
        path=target.get_absolute_url(),
        target={
            "karyogram": karyogram.pk,
            "panels": [p.pk for p in panels],
            "cut_from": figure.pk if figure else None,
            "file": karyogram.original_name,
            "sha256": karyogram.sha256,
            "from": source.accession,
            "from_case": source.pk,
            "to": target.accession,
            "to_case": target.pk,
            "reason": reason.strip(),
        },
        status=200,
        ip=ip,
    )
    return Moved(target, panels)


def latest_finished_job(karyogram: Karyogram) -> EnhancementJob | None:
    """The karyogram's most recently finished enhancement, if any (what studies and datasets use)."""
    return karyogram.jobs.filter(state=JobState.DONE).order_by("-finished", "-pk").first()


def read_stored(karyogram: Karyogram) -> DecodedKaryogram:
    """The stored original, decoded within the configured limits."""
    with karyogram.original.open("rb") as f:
        return read_karyogram(
            f.read(), max_bytes=settings.MAX_UPLOAD_BYTES, max_pixels=settings.MAX_IMAGE_PIXELS
        )


def arrays_path(job: EnhancementJob, name: str) -> str:
    """Where a job's named arrays (cell inputs, outputs, masks, transforms, original) are stored."""
    return f"jobs/{job.uid}/{name}.npz"


def save_arrays(job: EnhancementJob, name: str, arrays: dict[str, np.ndarray]) -> str:
    """Store named arrays of a job as one npz beside its result."""
    return storage.save_npz(arrays_path(job, name), arrays)


def load_arrays(job: EnhancementJob, name: str) -> dict[str, np.ndarray]:
    """The arrays stored by `save_arrays`, read without unpickling."""
    return storage.load_npz(arrays_path(job, name))


def save_cells(job: EnhancementJob, pixels: np.ndarray, cells: PreparedCells) -> None:
    """Keep what the slicing step made, so no later step decodes, segments or prepares again: the
    original's decoded pixels, each cell's model input, chromosome mask and transform back. When a
    write fails, the files already written are removed: all or nothing."""
    written = []
    try:
        for name, arrays in (
            ("inputs", cells.inputs),
            ("masks", {c.label: c.mask for c in cells.layout.cells}),
            ("transforms", {label: t.to_array() for label, t in cells.transforms.items()}),
            ("original", {"pixels": pixels}),
        ):
            written.append(save_arrays(job, name, arrays))
    except OSError:
        for path in written:
            default_storage.delete(path)
        raise


def job_cells(job: EnhancementJob) -> PreparedCells:
    """The job's cells as its slicing step prepared them: boxes from its cell rows, the stored masks,
    model inputs and transforms. Jobs sliced before transforms were stored get them prepared again
    from the original, once, and stored."""
    masks = load_arrays(job, "masks")
    rows = [Cell(c.label, tuple(c.box), masks[c.label], c.object_count) for c in job.cell_rows.all()]
    layout = Layout(job.karyogram.width, job.karyogram.height, rows)
    if not default_storage.exists(arrays_path(job, "transforms")):
        prepared = prepare_cells(read_stored(job.karyogram).grey, layout)
        save_arrays(job, "transforms", {label: t.to_array() for label, t in prepared.transforms.items()})
    transforms = {label: CellTransform.from_array(t) for label, t in load_arrays(job, "transforms").items()}
    return PreparedCells(layout, load_arrays(job, "inputs"), transforms)


def original_pixels(job: EnhancementJob) -> np.ndarray:
    """The original's decoded pixels as the slicing step kept them (decoded again, once, and stored
    for jobs sliced before they were kept)."""
    if not default_storage.exists(arrays_path(job, "original")):
        save_arrays(job, "original", {"pixels": read_stored(job.karyogram).pixels})
    return load_arrays(job, "original")["pixels"]


def image_info(karyogram: Karyogram) -> ImageInfo:
    """How the stored original is encoded (recorded when it was uploaded)."""
    return ImageInfo(
        karyogram.format, karyogram.width, karyogram.height, karyogram.channels, karyogram.bit_depth
    )


def cell_preview_path(job: EnhancementJob, label: str, kind: str) -> str:
    """Where the gallery's PNG of one cell (`original` or `enhanced`) is stored."""
    return f"jobs/{job.uid}/cells/{label}-{kind}.png"


def _save_cell_previews(job: EnhancementJob, layout: Layout, pixels: np.ndarray, kind: str) -> None:
    for cell in layout.cells:
        x0, y0, x1, y1 = cell.box
        put_file(
            cell_preview_path(job, cell.label, kind), display_png(pixels[y0:y1, x0:x1], compress_level=1)
        )


def original_preview(karyogram: Karyogram) -> bytes:
    """The original as an 8-bit PNG for the browser (viewer, slot editor), decoded once."""
    return storage.cached_file(
        f"previews/{karyogram.uid}.png", lambda: display_png(read_stored(karyogram).pixels)
    )


def display_png(pixels: np.ndarray, compress_level: int = 6) -> bytes:
    """An 8-bit PNG for the browser (16-bit scaled down, alpha dropped)."""
    if pixels.dtype == np.uint16:
        pixels = (pixels >> 8).astype(np.uint8)
    if pixels.ndim == 3:
        pixels = pixels[..., :3]
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, format="PNG", compress_level=compress_level)
    return buffer.getvalue()


def _blend(job: EnhancementJob, strengths: dict[str, float]) -> tuple[np.ndarray, Layout, np.ndarray]:
    """The original's pixels, the slots, and the enhanced pixels: the model's change of each cell
    blended in at `strengths`, capped by the fidelity guard's verdicts as `enhance` does (no model run)."""
    original = original_pixels(job)
    cells = job_cells(job)
    verdicts = {c.label: c.verdict for c in job.cell_rows.all() if c.verdict is not None}
    info = image_info(job.karyogram)
    pixels = blend(original, info.max_value, cells, load_arrays(job, "outputs"), strengths, verdicts)
    return original, cells.layout, pixels


def _write_result(job: EnhancementJob, pixels: np.ndarray, original: np.ndarray) -> np.ndarray:
    """Store the enhanced karyogram in the original's format and as PNG under new names, set on `job`, and
    return the pixels as served: those of the file written (a JPEG's as its encoding left them).

    Where no cell is changed (every strength 0, or the guard left every cell as it was) the download is
    the uploaded file itself, byte for byte: a JPEG saved again would lose a few grey levels everywhere.
    New names each time: the files a committed row points at stay whole until the row moves on.
    """
    info = image_info(job.karyogram)
    png_info = ImageInfo("PNG", info.width, info.height, min(info.channels, 3), info.bit_depth)
    png_pixels = pixels[..., :3] if pixels.ndim == 3 else pixels
    version = secrets.token_hex(4)
    if np.array_equal(pixels, original):
        with job.karyogram.original.open("rb") as uploaded:
            data, served = uploaded.read(), original
    else:
        data, served = encode_as_written(pixels, info)
    job.result.name = put_file(f"jobs/{job.uid}/enhanced-{version}{job.karyogram.suffix}", data)
    job.result_png.name = (
        job.result.name
        if png_info == info
        else put_file(  # a PNG original: one file
            f"jobs/{job.uid}/enhanced-{version}.png", encode_karyogram(png_pixels, png_info)
        )
    )
    return served


def render_result(job: EnhancementJob) -> None:
    """Blend the model's change into the original with each cell's strength; measure it whole against the
    original and store both files and the gallery's cell previews (the worker's last step; the caller saves
    the row)."""
    original, layout, pixels = _blend(job, {c.label: c.strength for c in job.cell_rows.all()})
    served = _write_result(job, pixels, original)
    job.report = measured_report(job, _boxes(layout), original, served, keep=False)  # a worker renders once
    if not default_storage.exists(cell_preview_path(job, layout.cells[0].label, "original")):
        _save_cell_previews(job, layout, original, "original")
    _save_cell_previews(job, layout, pixels, "enhanced")


def measure_unmeasured(job: EnhancementJob) -> None:
    """Measure the result of a job that finished before results were measured (its `report` empty), when it is
    first shown. Kept only while that result is still the one served: a strength change committed meanwhile
    keeps its own report. A result that cannot be measured (its files gone) is logged and shown as it is."""
    if job.state != JobState.DONE or job.report is not None or not job.result:
        return
    boxes = [tuple(c.box) for c in job.cell_rows.all()]
    if not boxes:
        return
    try:
        original, served = original_pixels(job), read_karyogram(read_file(job.result.name)).pixels
    except (OSError, ImageError):
        log.exception("job %s: its original or result could not be read to measure the result", job.pk)
        return
    report = measured_report(job, boxes, original, served)
    still_served = EnhancementJob.objects.filter(pk=job.pk, report__isnull=True, result=job.result.name)
    if report is not None and still_served.update(report=report):
        job.report = report


def _boxes(layout: Layout) -> list[tuple[int, int, int, int]]:
    """The slot boxes a result is measured inside."""
    return [c.box for c in layout.cells]


def _result_files(job: EnhancementJob) -> set[str]:
    return {job.result.name, job.result_png.name} - {""}


def shared_strength(cells) -> float | None:
    """The strength every cell that a strength changes shares (those holding chromosomes that the guard did not
    leave as the original: what "Apply to all" sets), or None when they differ or there is none."""
    shared = {c.strength for c in cells if c.object_count and c.movable}
    return shared.pop() if len(shared) == 1 else None


def _store_strengths(job: EnhancementJob, strengths: dict[str, float]) -> dict[str, float]:
    """Check and save new strengths of some cells in one short transaction; return those of all cells. When
    every cell that can change then has one strength ("Apply to all"), it is the job's strength too."""
    with transaction.atomic():
        rows = list(job.cell_rows.select_for_update())
        unknown = set(strengths) - {c.label for c in rows}
        if unknown:
            raise ValueError(f"the job has no cell {', '.join(sorted(unknown))}")
        for cell in rows:
            if cell.label in strengths:
                value = float(strengths[cell.label])
                if not 0.0 <= value <= 1.0:
                    raise ValueError(f"strength of cell {cell.label} must be between 0 and 1")
                cell.strength = value
                cell.save(update_fields=["strength"])
        shared = shared_strength(rows)
        if shared is not None:
            EnhancementJob.objects.filter(pk=job.pk).update(strength=shared)
            job.strength = shared
        return {c.label: c.strength for c in rows}


def set_cell_strengths(job: EnhancementJob, strengths: dict[str, float]) -> None:
    """Change per-cell strengths and re-render: only the blend runs, not the model, then the result is measured
    again against the original.

    The strengths are saved in a short transaction and the render runs outside it, holding no row lock.
    Its files and report replace the job's only if no other change of strengths committed meanwhile (that
    change's own render then wins), so the result always shows the strengths stored and the report describes it.
    """
    wanted = _store_strengths(job, strengths)
    original, layout, pixels = _blend(job, wanted)
    report = measured_report(job, _boxes(layout), original, _write_result(job, pixels, original))
    rendered = _result_files(job)
    with transaction.atomic():
        current = EnhancementJob.objects.select_for_update().get(pk=job.pk)
        won = dict(current.cell_rows.values_list("label", "strength")) == wanted
        replaced = _result_files(current)
        if won:
            current.result.name, current.result_png.name = job.result.name, job.result_png.name
            current.report = report
            current.save(update_fields=["result", "result_png", "report", "updated"])
        job.result.name, job.result_png.name = current.result.name, current.result_png.name
        job.report = current.report
        job.updated = current.updated
        stale = replaced - rendered if won else rendered - replaced
        transaction.on_commit(lambda: [default_storage.delete(name) for name in stale])
    if won:
        _save_cell_previews(job, layout, pixels, "enhanced")


def download_name(job: EnhancementJob, png: bool = False) -> str:
    """The file name a result downloads as: the uploaded file's stem, the job, the format's suffix.

    Accents are dropped and only ASCII letters, digits, '-' and '_' are kept, so several karyograms of one
    case never collide and the name is safe in a Content-Disposition header and on any file system.
    """
    stem = unicodedata.normalize("NFKD", PurePath(job.karyogram.original_name).stem)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem.encode("ascii", "ignore").decode()).strip("_-")[:80]
    return f"{stem or 'karyogram'}-enhanced-job{job.pk}{'.png' if png else job.karyogram.suffix}"


def editor_start(job: EnhancementJob) -> tuple[dict, str]:
    """Where the slot-box editor starts, and a line saying where its boxes come from: the boxes a person
    gave, else the boxes the job ran with, else the slicer's best guess (slots it did not find are taken
    from the template and marked unsure), else the template."""
    karyogram = job.karyogram
    if job.layout:
        return job.layout, "The boxes are the ones given for this job."
    image = {"width": karyogram.width, "height": karyogram.height}
    ran_with = [{"label": c.label, "box": list(c.box)} for c in job.cell_rows.all()]
    if ran_with:
        return {"image": image, "cells": ran_with}, "The boxes are the ones this job ran with."
    template = template_slots(karyogram.width, karyogram.height)
    if not job.layout_guess:
        return {"image": image, "cells": template}, "The boxes are the standard template."
    found = {str(c["label"]): c for c in job.layout_guess.get("cells", [])}
    cells = []
    for slot in template:
        label = "XY" if slot["label"] in ("X", "Y") and "XY" in found else slot["label"]
        if any(c["label"] == label for c in cells):
            continue
        guess = found.get(label)
        if guess:
            box = [int(v) for v in guess["box"]]
            cells.append({"label": label, "box": box, "unsure": bool(guess.get("unsure"))})
        else:
            cells.append({**slot, "unsure": True})
    return {"image": image, "cells": cells}, (
        "The boxes are the slicer's best guess; it is unsure of the slots marked with a dashed orange box and "
        "a “?”: check those first."
    )
