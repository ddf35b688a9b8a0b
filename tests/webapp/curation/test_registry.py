"""The model registry: the shipped model is always listed and reachable again, activation is gated by the
evaluation, and an admin's override is audited."""

import io
import re
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.test import Client
from PIL import Image

from enhancer.inference import Enhancer
from tests.conftest import PASSWORD
from webapp.audit.models import AuditEvent
from webapp.core import storage
from webapp.curation import registry
from webapp.curation.comparison import sample_karyogram
from webapp.curation.models import ModelComparison, ModelEvaluation, ModelVersion

pytestmark = pytest.mark.django_db

POOR = {"ssim_fg": 0.412, "band_corr": 0.672, "length_ratio": 0.974}
PASSING = {
    "synthetic_pairs": {
        "methods": {"identity": POOR, "cyclegan": {"ssim_fg": 0.45, "band_corr": 0.70, "length_ratio": 1.0}}
    }
}
BROKEN = {
    "synthetic_pairs": {
        "methods": {"identity": POOR, "cyclegan": {"ssim_fg": 0.07, "band_corr": 0.70, "length_ratio": 1.0}}
    }
}


def _client(make_user, role: str) -> Client:
    user = make_user(role, f"{role}-user")
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client


def _version(name: str, evaluation: dict) -> ModelVersion:
    return ModelVersion.objects.create(
        name=name,
        source="trained",
        storage_prefix=f"models/{name}",
        weights_sha256=name[0] * 64,
        evaluation=evaluation,
    )


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_the_shipped_model_is_always_listed_and_in_use_when_none_is_active(make_user):
    client = _client(make_user, "curator")
    page = client.get("/curation/models/")
    shipped = ModelVersion.objects.get(source="shipped")
    assert shipped.name.startswith("shipped-gpu-restore-") and not shipped.is_active
    assert registry.local_dir(shipped) == Path(settings.ENHANCER_MODEL_DIR)
    assert shipped.weights_sha256 == shipped.card["weights_sha256"]
    html = page.content.decode()
    assert f'data-model="{shipped.name}"' in html and f"{shipped.name} <strong>(active)</strong>" in html
    client.get("/curation/models/")
    assert ModelVersion.objects.filter(source="shipped").count() == 1  # listed, not registered again


def test_a_curator_cannot_activate_a_model_that_fails_its_bars(make_user):
    client = _client(make_user, "curator")
    broken, unevaluated = _version("broken", BROKEN), _version("fresh", {})
    response = client.post(f"/curation/models/{broken.pk}/activate/", follow=True)
    assert not ModelVersion.objects.filter(is_active=True).exists()
    text = _messages(response)
    assert (
        "broken was not activated" in text and "foreground SSIM 0.070 is below the poor input's 0.412" in text
    )
    assert "Only an admin may activate it anyway" in text
    # a curator's reason is no override
    client.post(f"/curation/models/{broken.pk}/activate/", {"override_reason": "the lab director said so"})
    assert not ModelVersion.objects.filter(is_active=True).exists()
    response = client.post(f"/curation/models/{unevaluated.pk}/activate/", follow=True)
    assert (
        "no evaluation yet" in _messages(response)
        and not ModelVersion.objects.filter(is_active=True).exists()
    )
    page = client.get("/curation/models/").content.decode()
    assert "foreground SSIM 0.070 is below" in page and "only an admin may activate it" in page


def test_a_passing_model_is_activated_and_deactivate_returns_to_the_shipped_one(make_user):
    client = _client(make_user, "curator")
    good = _version("good", PASSING)
    response = client.post(f"/curation/models/{good.pk}/activate/", follow=True)
    assert "good is now the active model" in _messages(response)
    assert registry.active_version() == good and registry.version_in_use() == good
    shipped = registry.shipped_version()
    page = client.get("/curation/models/").content.decode()
    assert f'action="/curation/models/{shipped.pk}/activate/"' in page and "Deactivate" in page
    client.post(f"/curation/models/{shipped.pk}/activate/")
    assert registry.active_version() is None and registry.version_in_use() == shipped
    assert not ModelVersion.objects.filter(is_active=True).exists()


def test_an_admin_overrides_with_a_written_reason_that_is_audited(make_user):
    client = _client(make_user, "admin")
    broken = _version("broken", BROKEN)
    page = client.get("/curation/models/").content.decode()
    assert "Activate anyway" in page and 'name="override_reason"' in page
    response = client.post(
        f"/curation/models/{broken.pk}/activate/", {"override_reason": "short"}, follow=True
    )
    assert "Give a reason" in _messages(response) and registry.active_version() is None
    reason = "Validated by hand on 40 local karyograms; the synthetic set is not our stain."
    client.post(f"/curation/models/{broken.pk}/activate/", {"override_reason": reason})
    assert registry.active_version() == broken
    event = AuditEvent.objects.get(action="model-activate-override")
    assert event.username == "admin-user" and event.target["reason"] == reason
    assert event.target["model"] == "broken" and event.target["pk"] == str(broken.pk)
    assert event.target["failed"] == [
        "synthetic_pairs: foreground SSIM 0.070 is below the poor input's 0.412"
    ]


def test_the_shipped_model_can_be_compared(make_user):
    client = _client(make_user, "curator")
    shipped = registry.shipped_version()
    page = client.get("/curation/models/").content.decode()
    assert f'<option value="{shipped.pk}">{shipped.name}</option>' in page
    # both pickers can only offer it: the form says what comparing it with itself shows
    assert "Only one model is registered: compared with itself" in page
    assert_compared(client, shipped, shipped)
    # each shown cell is what the product makes of it: the whole karyogram enhanced, six cells kept
    made = ModelComparison.objects.get(first=shipped, second=shipped)
    whole = Enhancer(device="cpu").enhance_inputs(sample_karyogram()).outputs
    for label in made.labels:
        stored = np.asarray(Image.open(io.BytesIO(storage.read_file(made.cell_path(label, "first")))))
        assert np.array_equal(stored, (np.clip(whole[label], 0, 1) * 255).round().astype(np.uint8))
    _version("second", {})
    assert "Only one model is registered" not in client.get("/curation/models/compare/").content.decode()


def assert_compared(client, first, second) -> None:
    """The comparison page waits for its worker, then shows 6 cells × (input, first, second) from storage."""
    from workers.comparison import compare_models_task

    asked = client.post("/curation/models/compare/", {"a": first.pk, "b": second.pk})
    comparison = ModelComparison.objects.get(first=first, second=second)
    assert asked.status_code == 302 and asked["Location"] == f"/curation/models/compare/{comparison.pk}/"
    waiting = client.get(asked["Location"]).content.decode()
    assert "refreshes itself" in waiting and "<img" not in waiting
    compare_models_task(comparison_pk=comparison.pk)  # what the cpu worker runs
    page = client.get(asked["Location"]).content.decode()
    cells = re.findall(r'<img src="(/curation/models/compare/\d+/[^"]+\.png)"', page)
    assert len(cells) == 18 and "refreshes itself" not in page
    image = client.get(cells[1])
    assert image["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(b"".join(image.streaming_content))).size == (256, 256)
    again = client.post("/curation/models/compare/", {"a": first.pk, "b": second.pk})
    assert again["Location"] == asked["Location"]  # versions never change: the comparison is reused


def test_a_fresh_install_offers_the_shipped_model_to_fine_tune_from_without_the_models_page(
    curator, counted_dataset
):
    dataset = counted_dataset("fresh", curator.user)
    old = ModelVersion.objects.create(name="shipped-older", source="shipped", weights_sha256="0" * 64)
    assert not ModelVersion.objects.filter(source="shipped").exclude(pk=old.pk).exists()  # nothing opened yet
    html = curator.get(f"/curation/datasets/{dataset.pk}/").content.decode()
    shipped = ModelVersion.objects.filter(source="shipped").exclude(pk=old.pk).get()
    assert shipped == registry.shipped_version()
    select = re.search(r'<select name="start_from".*?</select>', html, re.S).group(0)
    assert f'<option value="{shipped.pk}">{shipped.name}</option>' in select
    assert "shipped-older" not in select  # older shipped weights are not usable
    curator.get("/curation/models/")
    curator.get("/curation/models/compare/")
    curator.get(f"/curation/datasets/{dataset.pk}/")
    assert ModelVersion.objects.filter(source="shipped").count() == 2  # registered once, never again


def test_the_comparison_says_why_a_version_has_no_figures(make_user):
    """Its figures read "–" for a version without an evaluation; the page says why, and what can be done."""
    client = _client(make_user, "curator")
    shipped = registry.shipped_version()
    evaluated, fresh, running = (_version(name, {}) for name in ("evaluated", "fresh", "running"))
    ModelVersion.objects.filter(pk=evaluated.pk).update(evaluation={"synthetic_pairs": {"methods": {}}})
    ModelEvaluation.objects.create(
        version=running, created_by=make_user("curator", "cleo")
    )  # queued: under way

    def notes(a: ModelVersion, b: ModelVersion) -> list[str]:
        asked = client.post("/curation/models/compare/", {"a": a.pk, "b": b.pk})
        page = client.get(asked["Location"]).content.decode()
        return [
            " ".join(n.split())
            for n in re.findall(r'<p class="not-evaluated"><small>(.*?)</small>', page, re.S)
        ]

    assert notes(evaluated, fresh) == [
        f'fresh has not been evaluated yet, so its figures read "–": <a href="/curation/models/#model-row-{fresh.pk}">'
        "evaluate it on the Models page</a>; they appear here once it is done."
    ]
    (reference,) = notes(
        shipped, shipped
    )  # compared with itself: one note; the shipped model too is evaluated
    assert reference.startswith(f"{shipped.name} has not been evaluated yet") and "evaluate it" in reference
    (under_way,) = notes(running, evaluated)
    assert under_way.startswith("running is being evaluated") and "evaluate it" not in under_way
