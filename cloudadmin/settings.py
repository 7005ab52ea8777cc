"""cloudadmin settings. Everything that differs between machines comes from
the environment; the defaults run the app locally (`make run`) on SQLite."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envstr(name, default=""):
    return os.environ.get(name, default)


def envbool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, not {value!r}")


def envint(name, default):
    value = os.environ.get(name)
    try:
        return int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def envfloat(name, default):
    value = os.environ.get(name)
    try:
        return float(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


def envlist(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
# Local state of the embedded defaults (SQLite file, generated secret key).
DATA_DIR = Path(envstr("DATA_DIR", str(BASE_DIR / "var")))


def _local_secret_key():
    """A random key kept in DATA_DIR so that `make run` survives restarts."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Created 0600: never readable by others, not even for a moment.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as key_file:
            key_file.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = envstr("SECRET_KEY") or (_local_secret_key() if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")

# Fernet keys for secrets at rest (Swift key, host passwords), comma-separated,
# newest first: MultiFernet encrypts with the first and decrypts with any.
# Unset, one key is derived from SECRET_KEY.
SECRETS_ENCRYPTION_KEYS = envlist("SECRETS_ENCRYPTION_KEYS")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
# htmx requests with a stale token reload the page (cloudadmin/views.py).
CSRF_FAILURE_VIEW = "cloudadmin.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "csp",
    "cloudadmin",
    "zones",
    "storage",
    "api",
]

MIDDLEWARE = [
    "cloudadmin.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Accept-Language (and the language cookie) pick the language; after
    # authentication, UserLanguageMiddleware applies the user's own choice.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cloudadmin.middleware.UserLanguageMiddleware",
    "cloudadmin.middleware.StaffRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cloudadmin.middleware.HtmxVaryMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cloudadmin.urls"
WSGI_APPLICATION = "cloudadmin.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{DATA_DIR / 'cloudadmin.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: the pages' queries are short, and an overestimated plan (the
    # dashboard's counters at 100,000 templates) spent 330 ms of 380 compiling.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Per process. "dashboard": sums of the day's ended transfers (storage.catalog.dashboard.today).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "dashboard": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dashboard"},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# django-axes: LOGIN_FAILURE_LIMIT failed logins for one username from one
# address lock that pair out for LOGIN_COOLOFF_MINUTES (cloudadmin/lockout.py).
AUTHENTICATION_BACKENDS = [
    "cloudadmin.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The cool-off runs from the lockout; attempts during it do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "cloudadmin.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "cloudadmin.lockout.client_ip"
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False  # no start-up banner on every manage.py command
# Behind a reverse proxy that appends the client to X-Forwarded-For.
TRUST_X_FORWARDED_FOR = envbool("TRUST_X_FORWARDED_FOR", False)
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# English is the default; Japanese uses the wording of CloudStack's Japanese
# UI. The catalog is locale/ja/LC_MESSAGES/django.po (DEVELOPERS.md, "i18n").
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own date formats per language (with seconds, as an audit log needs).
FORMAT_MODULE_PATH = ["cloudadmin.formats"]
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- NFS secondary storage -------------------------------------------------
# Workers read secondary storage through a local mount, like CloudStack's
# secondary storage VM: nfs://server/path is found at NFS_MOUNT_ROOT/server/path
# unless NFS_MOUNTS maps it explicitly ("nfs://server/path=/local/dir,...").
NFS_MOUNT_ROOT = Path(envstr("NFS_MOUNT_ROOT", "/mnt/secondary"))
NFS_MOUNTS = envlist("NFS_MOUNTS")
NFS_AUTOMOUNT = envbool("NFS_AUTOMOUNT", False)
# Seconds between the worker's checks of every secondary storage (Up/Down).
NFS_CHECK_INTERVAL = envint("NFS_CHECK_INTERVAL", 60)
# Seconds the zone wizard waits for a worker to check a share before it lets
# the operator go on unchecked.
SHARE_CHECK_WAIT = envfloat("SHARE_CHECK_WAIT", 10.0)

# How the management server is restarted in this setup; shown to the operator
# when a setting needs a restart.
RESTART_COMMAND = envstr("RESTART_COMMAND", "make run (Ctrl-C, then start it again)")
# make run's local Swift: with DEBUG on, the getting-started panel shows its URL.
SWIFT_PORT = envint("SWIFT_PORT", 8080)

# --- Celery ----------------------------------------------------------------
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
# A task not acked within visibility_timeout is redelivered by Redis, so every
# time limit stays below it: a running transfer is never delivered twice.
CELERY_VISIBILITY_TIMEOUT = envint("CELERY_VISIBILITY_TIMEOUT", 4 * 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_TASK_TIME_LIMIT = int(CELERY_VISIBILITY_TIMEOUT * 0.9)
CELERY_TASK_SOFT_TIME_LIMIT = int(CELERY_VISIBILITY_TIMEOUT * 0.8)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Reserved tasks per pool slot: a prefork worker holds one message per
# process, the transfers worker (threads) one per thread, never one waiting
# behind a running copy while another host idles.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True  # state lives in Postgres rows
# Results only for the few tasks whose caller waits for an answer (the
# compare view reading NFS through a worker); they expire quickly.
CELERY_RESULT_BACKEND = envstr("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_RESULT_EXPIRES = 600
CELERY_TASK_DEFAULT_QUEUE = "celery"
TRANSFER_QUEUE = envstr("TRANSFER_QUEUE", "transfers")
CELERY_TASK_ROUTES = {"storage.tasks.transfer_*": {"queue": TRANSFER_QUEUE}}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Beat wakes the sync every few seconds; it scans a zone only when its last
# scan is older than the swift.sync.interval Global Setting.
CELERY_BEAT_SCHEDULE = {
    "storage-sync-due-zones": {"task": "storage.tasks.sync_due_zones", "schedule": 10.0},
    # Every secondary storage's state (Up/Down, reason, last check).
    "refresh-secondary-storage-states": {
        "task": "storage.tasks.refresh_secondary_storage_states",
        "schedule": NFS_CHECK_INTERVAL,
    },
    "expire-browser-uploads": {"task": "storage.tasks.expire_browser_uploads", "schedule": 600.0},
}

# --- transfer engine ---------------------------------------------------------
# A running transfer whose heartbeat is older than this lost its worker and
# may be taken over by another task.
TRANSFER_STALE_SECONDS = envint("TRANSFER_STALE_SECONDS", 120)
# Attempts of one transfer on transient errors (backoff with jitter between).
TRANSFER_MAX_ATTEMPTS = envint("TRANSFER_MAX_ATTEMPTS", 6)
TRANSFER_BACKOFF_SECONDS = envfloat("TRANSFER_BACKOFF_SECONDS", 2.0)
TRANSFER_BACKOFF_MAX_SECONDS = envfloat("TRANSFER_BACKOFF_MAX_SECONDS", 300.0)
# Bytes of a template read but not yet sent, per transfer: each upload thread
# holds one 1 MiB buffer, so this caps the threads of one upload.
TRANSFER_READ_AHEAD_MB = envint("TRANSFER_READ_AHEAD_MB", 32)
# Transfers one worker host runs at once: the transfers worker is a threads
# pool of this size (scripts/services.py), since a copy waits on I/O and
# hashing releases the GIL. Its data memory is bounded by TRANSFER_CONCURRENCY
# x (swift.transfer.concurrency + 1) MiB (README, Workers). 8 fills a 10 GbE
# link; 16 was slower on 2 cores shared with Swift, whose object server then
# holds twice the objects' pages at once (bench/throughput.py).
TRANSFER_CONCURRENCY = envint("TRANSFER_CONCURRENCY", 8)
if TRANSFER_CONCURRENCY < 1:
    raise ImproperlyConfigured(f"TRANSFER_CONCURRENCY must be at least 1, not {TRANSFER_CONCURRENCY}")
# A worker started without --concurrency (the transfers worker) takes it from
# here; the worker of the celery queue names its own, small one.
CELERY_WORKER_CONCURRENCY = TRANSFER_CONCURRENCY
# TESTS ONLY: cap each transfer's speed (bytes/s, 0 = no cap) so that fault
# tests can interrupt one mid-copy. Never set it in production.
TRANSFER_TEST_THROTTLE = envint("TRANSFER_TEST_THROTTLE", 0)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Seconds the compare view waits for a worker to list a share this host has
# not mounted.
COMPARE_WORKER_TIMEOUT = envfloat("COMPARE_WORKER_TIMEOUT", 15.0)

# --- Register template (downloads from a URL) ---------------------------------
# A download larger than this many bytes is refused (by its Content-Length,
# or when the body goes past it).
TEMPLATE_DOWNLOAD_MAX_BYTES = envint("TEMPLATE_DOWNLOAD_MAX_BYTES", 100 * 1024**3)
# Seconds to wait for the server to connect or to send more of the body.
TEMPLATE_DOWNLOAD_TIMEOUT = envfloat("TEMPLATE_DOWNLOAD_TIMEOUT", 60.0)
# Redirects followed, at most.
TEMPLATE_DOWNLOAD_MAX_REDIRECTS = envint("TEMPLATE_DOWNLOAD_MAX_REDIRECTS", 5)
# Off: a URL whose host resolves to a loopback, private, link-local or other
# non-public address is refused (before and after every redirect), so that
# Register template cannot reach the app's own internal services.
TEMPLATE_DOWNLOAD_ALLOW_INTERNAL = envbool("TEMPLATE_DOWNLOAD_ALLOW_INTERNAL", False)

# --- Templates > Upload from local (tus, storage.catalog.uploads) -------------------
# An upload larger than this many bytes is refused at creation (413).
TEMPLATE_UPLOAD_MAX_BYTES = envint("TEMPLATE_UPLOAD_MAX_BYTES", 100 * 1024**3)
# An upload that received no bytes for this long is abandoned: the beat task
# removes its partial file and its row, and fails its transfer.
UPLOAD_EXPIRY_HOURS = envfloat("UPLOAD_EXPIRY_HOURS", 24.0)

# --- /healthz --------------------------------------------------------------
# Seconds to wait for a Celery worker to answer the ping, for Redis, and for
# the Swift authentication.
HEALTH_WORKER_TIMEOUT = envfloat("HEALTH_WORKER_TIMEOUT", 2.0)
HEALTH_BROKER_TIMEOUT = envfloat("HEALTH_BROKER_TIMEOUT", 2.0)
HEALTH_SWIFT_TIMEOUT = envfloat("HEALTH_SWIFT_TIMEOUT", 5.0)
# Answers within this many seconds reuse the last result (per process).
HEALTH_CACHE_SECONDS = envfloat("HEALTH_CACHE_SECONDS", 5.0)

# --- CloudStack-compatible API (/client/api) -------------------------------
# More failed signatures than this from one address within the window (seconds)
# and its API requests are refused (429) until older failures leave the window.
API_SIGNATURE_FAILURE_LIMIT = envint("API_SIGNATURE_FAILURE_LIMIT", 10)
API_SIGNATURE_FAILURE_WINDOW = envint("API_SIGNATURE_FAILURE_WINDOW", 300)

# --- Production hardening (DEBUG off) --------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    # Probes speak plain HTTP to the container.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    if envbool("TRUST_X_FORWARDED_PROTO", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and styles from this site's
# static files only, so no inline <script>, on*= handlers, style= attributes
# or hx-on (which needs eval). htmx's own indicator <style> is switched off in
# base.html (htmx-config) and its CSS lives in cloudadmin.css; dialogs open
# through static/cloudadmin.js. Bootstrap's icons inside its CSS are data: URLs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        # wasm-unsafe-eval: hash-wasm compiles its MD5 WebAssembly (Upload from
        # local's worker); it allows WebAssembly only, not JavaScript eval.
        "script-src": [SELF, "'wasm-unsafe-eval'"],
        "worker-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Records carry request_id and task_id and pass the secret redaction before
# any handler writes them; JSON lines unless DEBUG (cloudadmin/logs.py).
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "cloudadmin.logs.ContextFilter"},
        "redact": {"()": "cloudadmin.logs.RedactSecretsFilter"},
    },
    "formatters": {
        "json": {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": LOG_FORMAT,
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(task_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["context", "redact"],
                    "formatter": "text" if DEBUG else "json"},
    },
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # swiftclient logs every request at INFO (four lines each, hundreds per
        # segmented upload); the engine logs what matters itself.
        "swiftclient": {"level": envstr("SWIFTCLIENT_LOG_LEVEL", "WARNING")},
        # Drop Django's own default handlers: everything goes through "console".
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
    },
}
