"""The fidelity guard through the whole web pipeline (real Redis, real Celery worker)."""

import numpy as np
import pytest
from django.urls import reverse

from enhancer.inference import Enhancer
from enhancer.io import read_karyogram
from enhancer.model.checkpoint import save_generator
from enhancer.model.networks import Architecture, UnetGenerator, init_weights
from tests.webapp.cases.test_pipeline import upload, wait_for_job
from webapp.cases.models import EnhancementJob
from webapp.cases.services import set_cell_strengths
from webapp.curation import registry
from webapp.curation.models import ModelVersion


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_random_weight_model_leaves_every_cell_original_and_says_why(
    api_as, celery_worker, karyogram_png, tmp_path, client
):
    arch = Architecture(ngf=4, norm="batch")
    model_dir = save_generator(tmp_path / "random", init_weights(UnetGenerator(arch)), arch, preset="test")
    registry.activate(
        registry.register_directory(model_dir, name="random-weights", source=ModelVersion.Source.UPLOADED)
    )
    api = api_as("technologist")
    job = wait_for_job(api, upload(api, karyogram_png, "GUARD-1")["job"]["id"])
    assert job["state"] == "done", job["error"]

    original = read_karyogram(karyogram_png)
    web = read_karyogram(b"".join(api.get(job["result_url"]).streaming_content))
    assert np.array_equal(web.pixels, original.pixels)
    enhanced_cells = [c for c in job["cells"] if c["objects"]]
    assert len(enhanced_cells) == 24
    for cell in enhanced_cells:
        assert cell["guard"]["strength_cap"] == 0.0
        assert (cell["strength"], cell["applied_strength"]) == (1.0, 0.0)  # as set, and what the result uses
        assert cell["guard"]["reason"].startswith("left as original — the model "), cell
        assert {"mask_iou", "length_ratio", "grid_ratio", "bands_created"} <= set(cell["guard"]["measures"])

    # The same library call as `python -m enhancer enhance`: same verdicts, same pixels.
    library = Enhancer(model_dir, device="cpu").enhance(original)
    assert {c["label"]: c["guard"]["reason"] for c in enhanced_cells} == {
        label: v.reason for label, v in library.guard.items()
    }
    assert np.array_equal(library.pixels, web.pixels)

    # A strength set by hand stays capped by the guard; the page shows each reason on its cell.
    set_cell_strengths(EnhancementJob.objects.get(pk=job["id"]), {"1": 1.0})
    assert np.array_equal(
        read_karyogram(b"".join(api.get(job["result_url"]).streaming_content)).pixels, original.pixels
    )
    client.force_login(api.user)
    page = client.get(reverse("job-detail", args=[job["id"]])).content.decode()
    for cell in enhanced_cells:
        assert f'data-guard="{cell["label"]}"' in page
    assert page.count("left as original — the model") == 24
