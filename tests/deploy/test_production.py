"""Production configuration: Django's deploy checks and the compose file."""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def test_check_deploy_passes_without_warnings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "webapp.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ALLOWED_HOSTS": "karyo.lab.example",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr + result.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="webapp.settings.production", DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_compose_has_the_production_shape():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "redis", "web", "worker-cpu", "worker-gpu"} <= set(services)
    assert services["db"]["image"].startswith("postgres")
    assert "--appendonly" in services["redis"]["command"]
    assert "gunicorn" in services["web"]["command"]
    assert services["worker-cpu"]["command"][services["worker-cpu"]["command"].index("-Q") + 1] == "cpu"
    gpu = services["worker-gpu"]
    assert gpu["command"][gpu["command"].index("-Q") + 1] == "gpu"
    device = gpu["deploy"]["resources"]["reservations"]["devices"][0]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    for name in ("web", "worker-cpu", "worker-gpu"):
        assert "media:/data/media" in services[name]["volumes"]
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://")


def _compose_command() -> list[str] | None:
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


@pytest.mark.skipif(_compose_command() is None, reason="no docker compose client on this machine")
def test_docker_compose_config_validates():
    env = {**os.environ, "SECRET_KEY": "x" * 50, "POSTGRES_PASSWORD": "pw"}
    result = subprocess.run(
        [*_compose_command(), "config", "--quiet"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
