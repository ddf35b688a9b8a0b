import pytest
from django.urls import reverse

from tests.support.services import RedisServer, free_port


@pytest.mark.django_db
def test_healthz_reports_503_when_redis_is_down(client, settings):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.REDIS_URL = settings.CELERY_BROKER_URL = dead
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"]["ok"] is True
    assert body["redis"]["ok"] is False
    assert body["queues"] == {"cpu": {"ok": False, "workers": []}, "gpu": {"ok": False, "workers": []}}


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_healthz_sees_a_real_worker_on_both_queues(client, celery_worker):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["redis"]["ok"] is True
    for queue in ("cpu", "gpu"):
        assert celery_worker.hostname in body["queues"][queue]["workers"]


@pytest.mark.integration
@pytest.mark.django_db
def test_healthz_reports_503_when_no_worker_consumes_the_queues(client, settings, tmp_path):
    lonely = RedisServer(tmp_path / "redis", appendonly=False).start()
    try:
        settings.REDIS_URL = settings.CELERY_BROKER_URL = lonely.url
        response = client.get(reverse("healthz"))
    finally:
        lonely.stop()
    body = response.json()
    assert response.status_code == 503
    assert body["redis"]["ok"] is True
    assert not body["queues"]["cpu"]["ok"] and not body["queues"]["gpu"]["ok"]
