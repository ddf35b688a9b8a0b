"""Build a dataset snapshot: the split by karyogram and the cells each domain will train on."""

from pathlib import Path

import numpy as np
from django.db import transaction
from django.utils import timezone
from PIL import Image

from enhancer.cells import slice_cells
from enhancer.slicing import LayoutError
from webapp.cases import services as case_services
from webapp.cases.models import Karyogram, Quality

from .models import Dataset

DOMAINS = {Quality.POOR: "poor", Quality.EXCELLENT: "excellent"}


class DatasetError(ValueError):
    """A dataset that cannot be built; the message says why."""


def cell_labels(karyogram: Karyogram) -> list[str]:
    """Labels of the slots holding chromosomes: from a finished job if there is one, else by slicing now."""
    job = case_services.latest_finished_job(karyogram)
    if job is not None:
        return [c.label for c in job.cell_rows.all() if c.object_count]
    return list(cell_inputs(karyogram))


def cell_inputs(karyogram: Karyogram) -> dict[str, np.ndarray]:
    """Model inputs of the cells holding chromosomes: those a finished job stored (its slots may have
    been corrected by a person), else sliced now; empty when the layout cannot be read."""
    job = case_services.latest_finished_job(karyogram)
    if job is not None:
        return case_services.load_arrays(job, "inputs")
    try:
        return slice_cells(case_services.read_stored(karyogram).grey).inputs
    except LayoutError:
        return {}


def build_dataset(
    *, name: str, karyograms: list[Karyogram], excluded: list[str], test_fraction: float, seed: int, user
) -> Dataset:
    """Snapshot the split of poor and excellent karyograms (each domain on its own).

    Each image counts once, so none sits in both train and test: a figure split into panels is left out
    (its panels stand for it), and of karyograms with the very same bytes only the first is kept.
    The cells are counted afterwards by `count_cells` (a worker task: it may slice every karyogram).
    """
    figures = set(Karyogram.objects.exclude(split_from=None).values_list("split_from", flat=True))
    first_of_image: dict[str, Karyogram] = {}
    for k in sorted(karyograms, key=lambda k: k.pk):
        if k.quality in DOMAINS and k.included and k.pk not in figures:
            first_of_image.setdefault(k.sha256, k)
    chosen = list(first_of_image.values())
    by_domain = {domain: [k for k in chosen if k.quality == quality] for quality, domain in DOMAINS.items()}
    if not all(by_domain.values()):
        raise DatasetError("A dataset needs included karyograms labelled poor and labelled excellent.")
    if not 0 <= test_fraction < 1:
        raise DatasetError("The test fraction must be at least 0 and below 1.")
    rng = np.random.default_rng(seed)
    manifest = []
    for domain, members in by_domain.items():
        order = rng.permutation(len(members))
        n_test = int(round(test_fraction * len(members))) if len(members) > 1 else 0
        for rank, index in enumerate(order):
            karyogram = members[index]
            manifest.append(
                {
                    "karyogram": karyogram.pk,
                    "sha256": karyogram.sha256,
                    "quality": karyogram.quality,
                    "domain": domain,
                    "split": "test" if rank < n_test else "train",
                    "cells": None,
                }
            )
    manifest.sort(key=lambda m: m["karyogram"])
    with transaction.atomic():
        return Dataset.objects.create(
            name=name,
            excluded_labels=list(excluded),
            test_fraction=test_fraction,
            seed=seed,
            manifest=manifest,
            created_by=user,
        )


def count_cells(dataset: Dataset) -> bool:
    """Record which cells of each karyogram will be used, then mark the dataset ready (once)."""
    if dataset.is_ready:
        return False
    manifest = [
        {
            **entry,
            "cells": [
                label
                for label in cell_labels(Karyogram.objects.get(pk=entry["karyogram"]))
                if label not in dataset.excluded_labels
            ],
        }
        for entry in dataset.manifest
    ]
    return bool(
        Dataset.objects.filter(pk=dataset.pk, state=Dataset.State.COUNTING).update(
            manifest=manifest, state=Dataset.State.READY, updated=timezone.now()
        )
    )


def export_cells(dataset: Dataset, split: str, directory) -> dict[str, int]:
    """Write the split's model-input cells as PNGs `k<karyogram>_<label>.png` under poor/ and excellent/."""
    written = {d: 0 for d in DOMAINS.values()}
    for entry in (m for m in dataset.manifest if m["split"] == split):
        target = Path(directory) / entry["domain"]
        target.mkdir(parents=True, exist_ok=True)
        for label, image in cell_inputs(Karyogram.objects.get(pk=entry["karyogram"])).items():
            if label in entry["cells"]:
                Image.fromarray((image * 255).round().astype(np.uint8)).save(
                    target / f"k{entry['karyogram']}_{label}.png"
                )
                written[entry["domain"]] += 1
    return written
