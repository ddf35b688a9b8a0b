"""A job's result measured whole against its original (`enhancer.karyogram_report`), on every render.

The original's side (its mask, medial axes, homolog pairs) is two thirds of the cost and never changes for
a job (a retry, new slot boxes or a split makes a new job), while a person moving strength sliders
re-renders the same job again and again; so each web process keeps the last few jobs' originals measured
(`KaryogramReference`: about one byte per pixel, 7.5 MB for a 3084×2417 karyogram). The report only
describes the result: a measurement that fails is logged and the result is delivered without one.
"""

import logging
import threading
from collections import OrderedDict

import numpy as np

from enhancer.io import grey_of
from enhancer.karyogram_report import report_against
from enhancer.metrics import KaryogramReference

from .models import EnhancementJob

logger = logging.getLogger(__name__)

REFERENCES_KEPT = 4  # jobs per process whose original stays measured
Box = tuple[int, int, int, int]  # x0, y0, x1, y1

_references: OrderedDict[str, KaryogramReference] = OrderedDict()
_lock = threading.Lock()


def _reference(job: EnhancementJob, boxes: list[Box], original: np.ndarray, keep: bool) -> KaryogramReference:
    """The job's original measured: from this process's last few, or afresh (kept there when `keep`)."""
    key = str(job.uid)
    with _lock:
        if key in _references:
            _references.move_to_end(key)
            return _references[key]
    reference = KaryogramReference(grey_of(original, job.karyogram.bit_depth), boxes)
    if keep:
        with _lock:
            _references[key] = reference
            while len(_references) > REFERENCES_KEPT:
                _references.popitem(last=False)
    return reference


def measured_report(
    job: EnhancementJob, boxes: list[Box], original: np.ndarray, pixels: np.ndarray, keep: bool = True
) -> dict | None:
    """The enhanced `pixels` measured whole against the `original`'s inside the slot `boxes`, as the job
    stores it (`KaryogramReport.to_json`), or None where the measurement failed. `keep=False` for a
    process that renders a job once (the worker's reassembly)."""
    try:
        reference = _reference(job, boxes, original, keep)
        return report_against(reference, grey_of(pixels, job.karyogram.bit_depth)).to_json()
    except Exception:  # the report describes the result; it must never stop its delivery
        logger.exception("job %s: the result could not be measured against the original", job.pk)
        return None
