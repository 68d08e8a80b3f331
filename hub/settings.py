"""Settings for Smart Factory Hub, driven by environment variables.

With no variables set, a fresh clone runs on SQLite with Celery tasks executed
in-process and media on local disk. Production sets DATABASE_URL, REDIS_URL,
SECRET_KEY, DEBUG=false, ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS (see .env.example).
"""

import os
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is false (generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105 - DEBUG only  # nosec B105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Django's page for an htmx request, the refusal fragment for one (hub/views/refusals.py).
CSRF_FAILURE_VIEW = "hub.views.refusals.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "hub",
    "assessments",
    "programs",
    "datahub",
    "progress",
]
# Demo and national data generators, seed commands and the benchmark (development only):
# installed by default with DEBUG, in production only with DEVDATA=true.
if env_bool("DEVDATA", DEBUG):
    INSTALLED_APPS.append("devdata")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # A request that writes, and its browser for a few seconds after, read from the primary.
    "hub.replica.ReadYourWritesMiddleware",
    "hub.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Two-step sign-in: OTPMiddleware knows whether the session verified; MfaMiddleware keeps
    # a session that still owes its second step on the two-step pages (hub/mfa.py).
    "django_otp.middleware.OTPMiddleware",
    "hub.middleware.MfaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a login refused for too many failures into the lockout page (hub/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hub.context_processors.navigation",
            ],
        },
    },
]

# Database: DATABASE_URL (postgres://user:pass@host:5432/name) or the embedded SQLite file.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while the single writer holds the lock.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # PostgreSQL's JIT compiles plans whose (misestimated) cost looks large: on the progress
    # statement at national scale it spent ~1 s compiling a ~0.4 s query. The hub's queries
    # are short; JIT stays off unless DB_JIT=on.
    # random_page_cost: PostgreSQL's default (4) models spinning disks and makes it sort a
    # whole table rather than walk an index for a deep list page (10 ms instead of 1 ms at
    # 35,000 plants); 1.1 is the usual value for SSD storage. DB_RANDOM_PAGE_COST overrides.
    jit = "on" if env_bool("DB_JIT", False) else "off"
    page_cost = env_str("DB_RANDOM_PAGE_COST", "1.1")
    try:
        if float(page_cost) <= 0:
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(
            f"DB_RANDOM_PAGE_COST must be a positive number, not {page_cost!r}"
        ) from None
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c jit={jit} -c random_page_cost={float(page_cost)}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: Celery broker and result backend, and the cache. Without it tasks run in-process.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "sfh"),
        }
    }
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = None
    CELERY_TASK_ALWAYS_EAGER = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it returns, not when it starts: if its worker dies mid-task the
# broker delivers it again. A pool process killed under a live worker (out of memory) puts its
# task straight back in the queue; a whole worker lost (SIGKILL, machine gone) leaves the
# message unacknowledged, and Redis hands it out again after the visibility timeout. Tasks
# must therefore be safe to run twice (progress.services.report_build is).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With acks_late, tasks running when the broker connection drops are cancelled and redelivered.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True


def env_seconds(name: str, default: int) -> int:
    value = env_int(name, default)
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be a positive number of seconds, not {value}")
    return value


# Seconds before Redis redelivers a message no worker acknowledged. Longer than any task may
# run (a national PDF takes seconds), or a slow task would be delivered twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_seconds("CELERY_VISIBILITY_TIMEOUT", 60 * 60)
}
# Embedded mode (tasks eager, no broker): build a requested PDF report in a thread after the
# request commits, so the request answers at once and the report page polls its status. Has
# no effect with a real worker (REDIS_URL), which builds reports in its own process.
REPORT_BUILD_IN_BACKGROUND = env_bool("REPORT_BUILD_IN_BACKGROUND", True)
# A pending or running progress report silent (no heartbeat) for this many seconds counts as
# abandoned: the sweep marks it failed so it can be built again.
# Dashboard/API progress figures are cached this long at most (programs/progress_cache.py);
# 0 turns the cache off.
PROGRESS_CACHE_SECONDS = env_int("PROGRESS_CACHE_SECONDS", 300)
REPORT_STALE_AFTER = env_seconds("REPORT_STALE_AFTER", 15 * 60)
# How often Celery beat runs that sweep (`celery -A hub beat`; cron: manage.py sweep_reports).
REPORT_SWEEP_EVERY = env_seconds("REPORT_SWEEP_EVERY", 5 * 60)
CELERY_BEAT_SCHEDULE = {
    "sweep-stale-reports": {
        "task": "progress.tasks.sweep_stale_reports",
        "schedule": REPORT_SWEEP_EVERY,
    },
    # Data hub: rollups of the hours ingests marked (datahub/services/rollups.py).
    "datahub-refresh-rollups": {
        "task": "datahub.tasks.refresh_rollups",
        "schedule": 60,
    },
    # Data hub: next months' partitions and the raw-data retention, daily.
    "datahub-maintain-partitions": {
        "task": "datahub.tasks.maintain_partitions",
        "schedule": 24 * 60 * 60,
    },
    # Data hub: early-warning rules daily, digest mail weekly (datahub/services/warnings.py).
    "datahub-early-warning": {
        "task": "datahub.tasks.run_early_warning",
        "schedule": crontab(hour=5, minute=30),
    },
    "datahub-warning-digest": {
        "task": "datahub.tasks.send_warning_digest",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
    },
    # Data hub: follow-up periods of completed projects and their status, daily, before the
    # early-warning run reads the overdue ones.
    "datahub-refresh-followups": {
        "task": "datahub.tasks.refresh_followups",
        "schedule": crontab(hour=5, minute=0),
    },
}
CELERY_TIMEZONE = "Asia/Seoul"

# A PostgreSQL streaming replica (hub/replica.py, hub/db_router.py): dashboards, progress
# figures and reports, peer benchmarks and research dataset builds read from it; everything
# else, and every write, uses the primary. Empty: no replica, everything on the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
# After a browser writes, it reads from the primary for this many seconds (read-your-writes).
DATABASE_REPLICA_STICKY_SECONDS = env_seconds("DATABASE_REPLICA_STICKY_SECONDS", 10)
# A replica that does not answer within this many seconds is left alone for
# DATABASE_REPLICA_RETRY_SECONDS, its reads going to the primary (/healthz: "degraded").
DATABASE_REPLICA_CONNECT_TIMEOUT = env_seconds("DATABASE_REPLICA_CONNECT_TIMEOUT", 2)
DATABASE_REPLICA_RETRY_SECONDS = env_seconds("DATABASE_REPLICA_RETRY_SECONDS", 5)
# Models always read from the primary: who the user is and what they may read (a
# deactivated account, a removed membership, a revoked token or consent) takes effect at
# once, not after the replica's lag.
DATABASE_REPLICA_PRIMARY_MODELS = [
    "auth.user",
    "sessions.session",
    "authtoken.token",
    "otp_totp.totpdevice",
    "otp_static.staticdevice",
    "hub.membership",
    "datahub.consent",
    "datahub.sourcetoken",
]
DATABASE_ROUTERS = ["hub.db_router.ReplicaRouter"]
if DATABASE_REPLICA_URL:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL")
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "connect_timeout": DATABASE_REPLICA_CONNECT_TIMEOUT,
    }
    # Tests never create a database on the replica: it reads the test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}

# Data hub (datahub/). Naive timestamps in ingested rows are read in this zone.
DATAHUB_NAIVE_TIMEZONE = "Asia/Seoul"
# Late and out-of-order rows are accepted this far back; older ones only inside an
# agency-approved backfill.
DATAHUB_LATE_HORIZON_DAYS = env_int("DATAHUB_LATE_HORIZON_DAYS", 400)
# Rows stamped later than now plus this tolerance are refused as "in the future".
DATAHUB_FUTURE_TOLERANCE_SECONDS = env_int("DATAHUB_FUTURE_TOLERANCE_SECONDS", 300)
# Limits of one ingest request (413 beyond) and of one token (429 beyond, with Retry-After).
DATAHUB_MAX_ROWS = env_int("DATAHUB_MAX_ROWS", 10_000)
DATAHUB_MAX_BYTES = env_int("DATAHUB_MAX_BYTES", 10 * 1024 * 1024)
DATAHUB_TOKEN_RATE = env_str("DATAHUB_TOKEN_RATE", "120/min")
# Guessing tokens: after this many failed token checks in DATAHUB_TOKEN_FAILURE_WINDOW
# seconds from one client address (or MQTT client id), or naming one token prefix, further
# tries answer 429 with Retry-After until the window ends (datahub.services.token_guard).
DATAHUB_TOKEN_FAILURE_WINDOW = env_int("DATAHUB_TOKEN_FAILURE_WINDOW", 300)
DATAHUB_TOKEN_FAILURES_PER_CLIENT = env_int("DATAHUB_TOKEN_FAILURES_PER_CLIENT", 30)
DATAHUB_TOKEN_FAILURES_PER_PREFIX = env_int("DATAHUB_TOKEN_FAILURES_PER_PREFIX", 10)
# Raw observations are kept this many months (whole monthly partitions are dropped);
# rollups are kept. Shown to the plant on its data page.
DATAHUB_RAW_RETENTION_MONTHS = env_int("DATAHUB_RAW_RETENTION_MONTHS", 36)
# A data source that sent nothing for this many days raises an early warning.
DATAHUB_SILENT_DAYS = env_int("DATAHUB_SILENT_DAYS", 14)

# A follow-up (사후관리) report is due this many days after its period ends; the period and
# frequency are each program's terms (docs/datahub/follow-up.md).
DATAHUB_FOLLOW_UP_GRACE_DAYS = env_int("DATAHUB_FOLLOW_UP_GRACE_DAYS", 30)
# Monthly partitions are created this many months ahead (PostgreSQL).
DATAHUB_PARTITIONS_AHEAD = env_int("DATAHUB_PARTITIONS_AHEAD", 3)
# Source tokens expire after this many days unless set otherwise when issued (0: never).
DATAHUB_TOKEN_DAYS = env_int("DATAHUB_TOKEN_DAYS", 365)
# Research datasets: every released class of quasi-identifiers holds at least k plants.
DATAHUB_DATASET_K = env_int("DATAHUB_DATASET_K", 5)
if DATAHUB_DATASET_K < 5:
    raise ImproperlyConfigured("DATAHUB_DATASET_K must be at least 5.")

# The plant dashboard's before/after compares this many months before a project began with
# as many after it completed (at least 3 months with data are needed on each side).
DATAHUB_EVIDENCE_MONTHS = env_int("DATAHUB_EVIDENCE_MONTHS", 12)
if DATAHUB_EVIDENCE_MONTHS < 3:
    raise ImproperlyConfigured("DATAHUB_EVIDENCE_MONTHS must be 3 or more")
# MQTT bridge (manage.py mqtt_bridge): broker and topics (docs/datahub.md).
MQTT_HOST = env_str("MQTT_HOST", "127.0.0.1")
MQTT_PORT = env_int("MQTT_PORT", 1883)
MQTT_USERNAME = env_str("MQTT_USERNAME")
MQTT_PASSWORD = env_str("MQTT_PASSWORD")
MQTT_TOPIC_PREFIX = env_str("MQTT_TOPIC_PREFIX", "sfh")
MQTT_CLIENT_ID = env_str("MQTT_CLIENT_ID", "sfh-bridge")

# Mail: printed to the console unless an SMTP host is set (invitations of SME members).
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Smart Factory Hub <noreply@localhost>")
# An invitation link of an SME member works once, for this many days.
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Korean by default, English on request (language switch in the header).
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Serve collected static files through WhiteNoise; in DEBUG, straight from the finders.
WHITENOISE_USE_FINDERS = DEBUG
# Before the first collectstatic there is no STATIC_ROOT; finders serve the files meanwhile.
warnings.filterwarnings("ignore", message="No directory at")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 50_000)
# Larger files are imported as a job with progress on the page (hub.importers.jobs).
IMPORT_BACKGROUND_BYTES = env_int("IMPORT_BACKGROUND_BYTES", 256 * 1024)
IMPORT_IN_THREAD = True
IMPORT_JOB_STALE_SECONDS = env_int("IMPORT_JOB_STALE_SECONDS", 300)
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)

# Management commands `seed_demo` runs after the registry demo data, in order (each app seeds
# its own demo data; hub imports none of them).
DEMO_SEED_STEPS = [
    "load_framework",
    "seed_assessments",
    # Back-filed history moves plants' levels: before the steps that read them (warnings).
    "seed_history",
    "seed_programs",
    "seed_telemetry",
    "seed_warnings",
    "seed_self_assessments",
    "seed_calibration",
]

FILTERS_EMPTY_CHOICE_LABEL = _("All")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: unauthenticated API calls answer 401 with a WWW-Authenticate header.
        "hub.api.authentication.MembershipTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "hub.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    # Documents the 400/401/403/404 answers of every operation too (hub/api/schema.py).
    "DEFAULT_SCHEMA_CLASS": "hub.api.schema.HubAutoSchema",
    "EXCEPTION_HANDLER": "hub.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Smart Factory Hub API",
    "DESCRIPTION": "Registry of SME plants, partners and agencies of the smart-factory program.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" field with different choices: name each enum.
    "ENUM_NAME_OVERRIDES": {
        "AssessmentStatusEnum": "assessments.choices.AssessmentStatus",
        "FrameworkStatusEnum": "assessments.choices.FrameworkStatus",
        "ProjectStatusEnum": "programs.choices.ProjectStatus",
        "ProgramKindEnum": "programs.choices.ProgramKind",
        "SourceKindEnum": "datahub.choices.SourceKind",
        "QuantityKindEnum": "datahub.choices.QuantityKind",
        "DatasetStatusEnum": "datahub.choices.DatasetStatus",
        "SelfAssessmentStatusEnum": "assessments.choices.SelfAssessmentStatus",
    },
}

# Security: strict in production, relaxed in the embedded default.
# A session lasts one working day at most (8 h from login) and ends with the browser.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = (
    []
    if env_bool("SECURE_HSTS_PRELOAD", False) or DEBUG
    else [
        # Preload is an opt-in commitment for the whole domain; operators turn it on.
        "security.W021",
    ]
)

# Content Security Policy (django-csp): every page loads only the hub's own scripts, styles,
# fonts and images; no inline script, no inline style attribute, never framed. The API docs
# page keeps to it too (hub/urls.py serves its start-up script as a file).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Two-step sign-in (hub/mfa.py): required of agency staff, officials and administrators
# when MFA_REQUIRED is on (by default whenever DEBUG is off); anyone else may turn it on.
MFA_REQUIRED = env_bool("MFA_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Smart Factory Hub")

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT failed logins for one username
# from one address, that pair is locked for LOGIN_LOCKOUT_MINUTES, even with the right
# password; each further try during the lockout starts the period again. Other users and
# other addresses are unaffected. Covers the login page, the admin login and the API token.
AUTHENTICATION_BACKENDS = [
    "hub.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]


def env_positive(name: str, default: int) -> int:
    value = env_int(name, default)
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be 1 or more, not {value}")
    return value


AXES_FAILURE_LIMIT = env_positive("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_positive("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "hub.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "hub.lockout.client_ip"
AXES_VERBOSE = False  # no start-up banner on every command
# Behind N reverse proxies that append to X-Forwarded-For, the client address is the N-th
# entry from the right; 0 (the default) trusts only the connection's own address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint narrates every layout step at INFO.
        "weasyprint": {"level": "WARNING"},
        # Lockouts are WARNING; every successful login at INFO is noise.
        "axes": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
