"""Start a real redis-server and a real Celery worker for integration tests."""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import redis

REPO_ROOT = Path(__file__).resolve().parents[2]


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGKILL it when the test process dies, so nothing leaks."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server on a free loopback port with its own data directory."""

    def __init__(self, data_dir: Path, port: int | None = None, appendonly: bool = True):
        self.data_dir = data_dir
        self.port = port or free_port()
        self.appendonly = appendonly
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("redis-server is not installed; `make test` installs it")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                server,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.data_dir),
                "--appendonly",
                "yes" if self.appendonly else "no",
                "--save",
                "",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class CeleryWorker:
    """A `celery worker` subprocess consuming `queues`, with the test database and broker."""

    def __init__(
        self,
        broker_url: str,
        database_url: str,
        queues: Iterable[str] = ("cpu", "gpu"),
        name: str = "test",
        log_file: Path | None = None,
        extra_env: dict | None = None,
        beat_schedule: Path | None = None,
    ):
        self.beat_schedule = beat_schedule  # when given, the worker embeds Celery beat (-B) with this file
        self.broker_url = broker_url
        self.database_url = database_url
        self.queues = tuple(queues)
        self.name = name
        self.log_file = log_file
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None

    @property
    def hostname(self) -> str:
        return f"{self.name}@{socket.gethostname()}"

    def start(self, timeout: float = 90) -> "CeleryWorker":
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DJANGO_SETTINGS_MODULE": "webapp.settings.test",
            "REDIS_URL": self.broker_url,
            "DATABASE_URL": self.database_url,
            **self.extra_env,
        }
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "webapp",
                "worker",
                "-Q",
                ",".join(self.queues),
                "-c",
                "1",
                "-n",
                self.hostname,
                "-l",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                *(["-B", "--schedule", str(self.beat_schedule)] if self.beat_schedule else []),
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.wait_until_consuming(timeout)
        return self

    def wait_until_consuming(self, timeout: float) -> None:
        from webapp.core.health import queue_consumers

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited with code {self.process.returncode}")
            try:
                consumers = queue_consumers(timeout=0.5, broker_url=self.broker_url)
            except Exception:  # noqa: BLE001 - a broker that has just (re)started may drop the first connections
                consumers = {}
            if all(self.hostname in consumers.get(q, []) for q in self.queues):
                return
            time.sleep(0.2)
        raise RuntimeError(f"celery worker did not consume {self.queues} within {timeout} s")

    def kill(self) -> None:
        """SIGKILL the whole worker process group, as a crash or OOM would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
