"""Settings shared by every deployment; each value comes from the environment.

`local` (the default for `manage.py`), `production` and `test` import this module and
override only what differs. See the configuration table in README.md.
"""

from datetime import timedelta
from pathlib import Path

import environ

from enhancer import SHIPPED_MODEL

BASE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env("CHROMO_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "webapp.accounts",
    "webapp.core",
    "webapp.cases",
    "webapp.studies",
    "webapp.curation",
    "webapp.audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "webapp.audit.middleware.AuditMiddleware",
    "webapp.core.method_pages.MethodNotAllowedPage",
]

ROOT_URLCONF = "webapp.urls"
WSGI_APPLICATION = "webapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "webapp.accounts.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'chromoenhancer.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web app read while a worker writes; IMMEDIATE avoids lock upgrades.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): after 5 failures for one username from one address, that pair
# is locked out for 15 minutes (HTTP 429), on the login page and the token endpoint alike.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# Media on the local file system by default; setting MEDIA_S3_BUCKET moves it to any
# S3-compatible store (AWS, MinIO, Ceph) through django-storages, private and signed.
MEDIA_S3_BUCKET = env("MEDIA_S3_BUCKET", default="")
if MEDIA_S3_BUCKET:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env("MEDIA_S3_ENDPOINT_URL", default=None),
            "region_name": env("MEDIA_S3_REGION", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
            "location": "media",
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Uploads: bounded in memory and size; files larger than this stream to disk first.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=100 * 1024 * 1024)
MAX_IMAGE_PIXELS = env.int("MAX_IMAGE_PIXELS", default=80_000_000)

REST_FRAMEWORK = {
    # Token first: an API call without credentials gets 401 and a WWW-Authenticate header naming the
    # scheme (DRF answers from the first class); the browser's session still signs in the pages' calls.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ChromoEnhancer API",
    "DESCRIPTION": "Karyogram upload, enhancement jobs, blinded studies.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "webapp.core.api_errors.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "JobStateEnum": "webapp.cases.models.JobState",
        "StudyStateEnum": "webapp.studies.models.Study.State",
    },
}

# --- Redis and Celery -------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

CELERY_BROKER_URL = REDIS_URL
# Job state lives in the database; Celery keeps no results.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "cpu"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = int(CELERY_TASK_TIME_LIMIT * 0.9)
# Training runs far longer than a karyogram; the broker must not redeliver a task that
# is still running, so its visibility timeout exceeds the longest task's hard limit.
TRAINING_TIME_LIMIT = env.int("TRAINING_TIME_LIMIT", default=12 * 3600)
# A message whose worker died unacknowledged comes back after this long (kombu checks every 10 s);
# jobs do not wait that long in practice: the sweep re-sends stale jobs from the database.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("BROKER_VISIBILITY_TIMEOUT", default=int(1.1 * TRAINING_TIME_LIMIT)),
}
# The worker imports its task adapters from these modules; the web app sends tasks by name only.
CELERY_IMPORTS = ("workers.tasks", "workers.training", "workers.comparison", "workers.sweep")
# Each task's queue is given by its name in one table (webapp.core.queue.QUEUE_OF).
CELERY_TASK_ROUTES = ("webapp.core.queue.route",)
# A job or training run that has not moved for longer than its step can run (the hard time limit)
# lost its message or its worker: beat's sweep sends its step again.
STALE_JOB_SECONDS = env.int("STALE_JOB_SECONDS", default=CELERY_TASK_TIME_LIMIT + 300)
STALE_TRAINING_SECONDS = env.int("STALE_TRAINING_SECONDS", default=TRAINING_TIME_LIMIT + 600)
# Queued work is re-sent sooner: its message may never have reached a broker that was down.
STALE_QUEUED_SECONDS = env.int("STALE_QUEUED_SECONDS", default=120)
CELERY_BEAT_SCHEDULE = {
    "sweep-stale-jobs": {
        "task": "workers.sweep.sweep_stale",
        "schedule": env.float("SWEEP_INTERVAL_SECONDS", default=60.0),
    },
}
CELERY_QUEUES_REQUIRED = ("cpu", "gpu")

# The enhancement model the pipeline uses, and where it runs ("auto": CUDA when present).
ENHANCER_MODEL_DIR = Path(env("ENHANCER_MODEL_DIR", default=str(SHIPPED_MODEL)))
ENHANCER_DEVICE = env("ENHANCER_DEVICE", default="auto")
# The model used when no registered version is active; copies of remote (S3) models are cached here.
MODEL_CACHE_DIR = Path(env("MODEL_CACHE_DIR", default=str(VAR_DIR / "model-cache")))
# Training runs keep their cells, checkpoints and samples here (on the GPU worker's disk) to resume.
TRAINING_DIR = Path(env("TRAINING_DIR", default=str(VAR_DIR / "training")))
# Evaluation of a trained model: synthetic (poor, excellent) karyogram pairs and their size.
EVALUATION_SYNTHETIC_PAIRS = env.int("EVALUATION_SYNTHETIC_PAIRS", default=10)
EVALUATION_SIZE = tuple(env.list("EVALUATION_SIZE", cast=int, default=[1200, 1000]))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"client_errors_on_one_line": {"()": "webapp.core.log_filters.ClientErrorsOnOneLine"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_errors_on_one_line"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
