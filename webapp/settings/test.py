"""Test settings: a file SQLite database so a real Celery worker process can share it."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES

SECRET_KEY = "test-only-not-secret"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

_TEST_DIR = Path(os.environ.get("CHROMO_TEST_DIR", tempfile.gettempdir())) / "chromoenhancer-tests"
_TEST_DIR.mkdir(parents=True, exist_ok=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(_TEST_DIR / "test-db.sqlite3")}
MEDIA_ROOT = _TEST_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = _TEST_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The worker's own disk: the test's Celery worker gets another one, as on separate machines.
TRAINING_DIR = Path(os.environ.get("TRAINING_DIR", str(_TEST_DIR / "training")))
MODEL_CACHE_DIR = _TEST_DIR / "model-cache"
# Evaluation of trained test models: two small synthetic pairs instead of ten full-size ones.
EVALUATION_SYNTHETIC_PAIRS = 2
EVALUATION_SIZE = (900, 750)
# Login throttling stays out of the way of test clients that sign in without a request;
# tests/webapp/security enables it where it is under test.
AXES_ENABLED = False
