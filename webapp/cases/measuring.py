"""A job's result measured whole against its original (`enhancer.karyogram_report`), on every render.

The original's side (its mask, medial axes, homolog pairs) is two thirds of the cost and never changes for
a job, while a person moving strength sliders re-renders the same job again and again; so each process
keeps the last few jobs' originals measured (`KaryogramReference`, a few MB each, no pixels).
"""

import threading
from collections import OrderedDict

import numpy as np

from enhancer.io import grey_of
from enhancer.karyogram_report import report_against
from enhancer.metrics import KaryogramReference
from enhancer.slicing import Layout

from .models import EnhancementJob

REFERENCES_KEPT = 4  # jobs per process whose original stays measured

_references: OrderedDict[str, KaryogramReference] = OrderedDict()
_lock = threading.Lock()


def _reference(job: EnhancementJob, layout: Layout, original: np.ndarray) -> KaryogramReference:
    """The job's original measured, from this process's last few or afresh."""
    key = str(job.uid)
    with _lock:
        if key in _references:
            _references.move_to_end(key)
            return _references[key]
    reference = KaryogramReference(grey_of(original, job.karyogram.bit_depth), [c.box for c in layout.cells])
    with _lock:
        _references[key] = reference
        while len(_references) > REFERENCES_KEPT:
            _references.popitem(last=False)
    return reference


def measured_report(job: EnhancementJob, layout: Layout, original: np.ndarray, pixels: np.ndarray) -> dict:
    """The enhanced `pixels` measured whole against the `original`'s inside the slot boxes, as the job
    stores it (`KaryogramReport.to_json`): measured on every render, so that it describes the result as
    downloaded."""
    reference = _reference(job, layout, original)
    return report_against(reference, grey_of(pixels, job.karyogram.bit_depth)).to_json()
