"""The gpu queue's worker records the device it ran the model on, shown in the API and on the job page."""

import pytest
import torch
from django.test import Client

from tests.webapp.cases.test_pipeline import upload, wait_for_job
from webapp.curation import active_model


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_worker_records_the_device_it_ran_on(api_as, celery_worker, karyogram_png):
    api = api_as("technologist")
    job = wait_for_job(api, upload(api, karyogram_png, "DEV-1")["job"]["id"])
    assert job["state"] == "done", job["error"]
    assert job["device"] == "cpu"  # ENHANCER_DEVICE "auto" on a machine without CUDA
    browser = Client()
    browser.force_login(api.user)
    page = browser.get(f"/jobs/{job['id']}/").content.decode()
    assert f"model {job['model_version']} on <span data-job-device>cpu</span>" in page


@pytest.mark.django_db
def test_the_worker_takes_its_device_from_settings(settings, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    active_model.enhancer_for.cache_clear()
    try:
        settings.ENHANCER_DEVICE = "cpu"
        assert active_model.active_model()[0].device == torch.device("cpu")
        active_model.enhancer_for.cache_clear()
        settings.ENHANCER_DEVICE = "cuda"
        with pytest.raises(ValueError, match="CUDA"):
            active_model.enhancer_for(str(settings.ENHANCER_MODEL_DIR))
    finally:
        active_model.enhancer_for.cache_clear()
