"""`manage.py runstack`: the whole embedded stack in one terminal.

Starts a local Redis (unless one already answers at REDIS_URL), one Celery worker on the
`cpu` and `gpu` queues, and the web app under gunicorn. Ctrl-C stops all of them, web
first and Redis last, so no message is dropped on the way down.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse

import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from webapp.core.sweep import resend_unfinished

STOP_TIMEOUT_SECONDS = 20


class Command(BaseCommand):
    help = "Run Redis, a Celery worker (queues cpu and gpu) and the web app until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="host:port of the web app")
        parser.add_argument("--concurrency", type=int, default=int(os.environ.get("WORKER_CONCURRENCY", "2")))

    def handle(self, *args, bind: str, concurrency: int, **options):
        self.children: list[tuple[str, subprocess.Popen]] = []
        self._stopping = False
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        try:
            self._start_redis()
            self._start(
                "worker",
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "webapp",
                    "worker",
                    "-Q",
                    ",".join(settings.CELERY_QUEUES_REQUIRED),
                    "-c",
                    str(concurrency),
                    "-n",
                    "local@%h",
                    "-l",
                    "INFO",
                    "-B",
                    "--schedule",
                    str(settings.VAR_DIR / "celerybeat-schedule"),  # the periodic sweep
                ],
            )
            self._start(
                "web",
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "webapp.wsgi",
                    "-b",
                    bind,
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                    "--timeout",
                    "120",
                    "--access-logfile",
                    "-",
                ],
            )
            self._wait_ready(f"http://{bind}/healthz")
            self._send_pending_jobs()
            self.stdout.write(
                self.style.SUCCESS(f"\nChromoEnhancer is running at http://{bind}/  (Ctrl-C stops it)\n")
            )
            self._supervise()
        finally:
            self._stop_all()

    def _on_signal(self, signum, frame):
        self._stopping = True

    def _start_redis(self) -> None:
        url = urlparse(settings.REDIS_URL)
        host, port = url.hostname or "127.0.0.1", url.port or 6379
        try:
            redis.Redis(host=host, port=port, socket_connect_timeout=0.5).ping()
            self.stdout.write(f"Using the Redis already running at {host}:{port}.")
            return
        except redis.RedisError:
            pass
        if host not in ("127.0.0.1", "localhost"):
            raise CommandError(
                f"Redis at {settings.REDIS_URL} does not answer, and it is not local to start."
            )
        server = shutil.which("redis-server")
        if not server:
            raise CommandError("redis-server is not installed: run `make run`, which installs it.")
        data_dir = settings.VAR_DIR / "redis"
        data_dir.mkdir(parents=True, exist_ok=True)
        self._start(
            "redis",
            [
                server,
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--dir",
                str(data_dir),
                "--appendonly",
                "yes",
                "--save",
                "",
                "--daemonize",
                "no",
            ],
        )
        client = redis.Redis(host=host, port=port, socket_connect_timeout=0.5)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.1)
        raise CommandError(f"redis-server did not answer on port {port} within 10 s.")

    def _start(self, name: str, argv: list[str]) -> None:
        self.stdout.write(f"Starting {name}: {' '.join(argv[:6])} ...")
        # Own session: Ctrl-C reaches only this supervisor, which then stops children in order.
        self.children.append((name, subprocess.Popen(argv, start_new_session=True)))

    def _wait_ready(self, url: str) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not self._stopping:
            self._raise_if_child_died()
            try:
                with urllib.request.urlopen(url, timeout=3) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        if not self._stopping:
            self.stderr.write(f"The stack did not report healthy at {url} within 120 s; it keeps running.")

    def _send_pending_jobs(self) -> None:
        count = resend_unfinished()
        if count:
            self.stdout.write(
                f"Sent {count} unfinished job(s), training run(s) and comparison(s) to the workers."
            )

    def _supervise(self) -> None:
        while not self._stopping:
            self._raise_if_child_died()
            time.sleep(0.5)

    def _raise_if_child_died(self) -> None:
        for name, process in self.children:
            if process.poll() is not None:
                raise CommandError(f"{name} exited with code {process.returncode}; stopping the stack.")

    def _stop_all(self) -> None:
        for name, process in reversed(self.children):
            if process.poll() is None:
                self.stdout.write(f"Stopping {name} ...")
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(STOP_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.children.clear()
