"""Embedded default for one machine: SQLite and media under var/, a local Redis.

The secret key is generated once and kept in var/secret_key so sessions survive restarts
without anyone having to invent one.
"""

import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR, env


def _local_secret_key() -> str:
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY", default=None) or _local_secret_key()
