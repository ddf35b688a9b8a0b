"""Shared pieces of the load benchmarks: a scratch install, gunicorn, and a timed browser-like client.

Import this first: it points Django at a scratch directory (SQLite, media) before setup.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="chromo-bench-"))
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "webapp.settings.local",
    "CHROMO_VAR_DIR": str(WORK),
    "ALLOWED_HOSTS": "127.0.0.1",
}
os.environ.update(ENV)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

PASSWORD = "bench-password-123"  # noqa: S105


def prepare() -> None:
    """Migrate the scratch database and collect static files, as `make run` does."""
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """gunicorn as `make run` starts it (2 workers × 4 threads), ready to answer; returns it and its URL."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "webapp.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env={**ENV, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=open(WORK / "gunicorn.log", "wb"),
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/accounts/login/", timeout=2)
            return server, base
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start; see " + str(WORK / "gunicorn.log"))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def csrf_of(page: bytes) -> str | None:
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    return found.group(1).decode() if found else None


class Browser:
    """A signed-in session that times every request by kind and counts the errors."""

    def __init__(self, base: str, timings: defaultdict):
        self.base, self.timings, self.errors = base, timings, []
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def call(
        self,
        kind: str,
        path: str,
        data: dict | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> tuple[int, bytes]:
        if data is not None:
            body, content_type = urllib.parse.urlencode(data).encode(), "application/x-www-form-urlencoded"
        headers = {"Referer": self.base + path, **({"Content-Type": content_type} if content_type else {})}
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        start = time.perf_counter()
        try:
            with self.opener.open(request, timeout=120) as response:
                status, content = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, content = exc.code, exc.read()
        except OSError as exc:
            status, content = 599, str(exc).encode()
        self.timings[kind].append(time.perf_counter() - start)
        if status >= 400:
            self.errors.append(f"{kind} {status}")
        return status, content

    def login(self, username: str) -> bool:
        _, page = self.call("login page", "/accounts/login/")
        csrf = csrf_of(page)
        if csrf is None:
            return False
        status, _ = self.call(
            "login",
            "/accounts/login/",
            {"csrfmiddlewaretoken": csrf, "username": username, "password": PASSWORD},
        )
        return status == 302


def run_all(threads: list) -> float:
    """Start the simulated people together, wait for all; returns the wall time in seconds."""
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type, as a browser sends a form with files."""
    boundary = "----chromo" + os.urandom(8).hex()
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, data) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def percentiles(timings: dict[str, list[float]]) -> list[str]:
    """One line per request kind: count, p50, p95, p99 in milliseconds."""
    lines = []
    for kind, values in sorted(timings.items()):
        ms = sorted(1000 * v for v in values)
        p50, p95, p99 = (ms[min(len(ms) - 1, int(q * len(ms)))] for q in (0.5, 0.95, 0.99))
        lines.append(f"  {kind:16s} n={len(ms):5d}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  p99 {p99:7.1f} ms")
    return lines
