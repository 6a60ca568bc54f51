"""Settings for mingbai, read from the environment only.

Defaults give a one-command demo (SQLite, media on disk, Celery on a filesystem broker).
Production sets DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DATABASE_URL, CELERY_BROKER_URL, ...
A malformed value fails loudly at start-up rather than silently falling back.
"""

import hashlib
import hmac
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from core.schema_tags import OPENAPI_TAGS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MINGBAI_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # the old published demo key


def demo_secret_key(path: Path) -> str:
    """The demo's own secret key: made at random on the first start and kept in VAR_DIR (mode 0600),
    so that no two installations share one and none is published with the code. Written to a
    temporary file and linked into place, so that processes starting together read one whole key."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(secrets.token_urlsafe(50) + "\n")
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        temporary.unlink()
    return path.read_text().strip()


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not DEBUG and SECRET_KEY in ("", _DEV_SECRET_KEY):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
if not SECRET_KEY:
    SECRET_KEY = demo_secret_key(VAR_DIR / "secret_key")

# Signs exported archive bundles (manage.py export_archive); give the verifier the same key.
# Default: derived from the secret key, so that it is never a constant known to everyone.
ARCHIVE_BUNDLE_KEY = (
    os.environ.get("ARCHIVE_BUNDLE_KEY", "").encode()
    or hmac.new(SECRET_KEY.encode(), b"mingbai archive bundle", hashlib.sha256).digest()
)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["*"] if DEBUG else [])
# What printed QR codes point at: the address phones reach this server on.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",  # refresh tokens used once, and revoked with a password
    "axes",  # login lockouts (core.auth)
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "corsheaders",
    "core",
    "orgs",
    "risks",
    "cards",
    "checklists",
    "hazards",
    "reports",
    "qr",
    "mobile",
]

MIDDLEWARE = [
    "core.observability.RequestObservationMiddleware",  # first: a request id and the metrics for every answer
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, before anything reads a session
    "core.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",  # before CommonMiddleware, so preflights get their headers
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout of the admin login into core.auth's answer
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

if "DATABASE_URL" not in os.environ:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the default SQLite file lives there
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Phones submitting at the same moment: a deferred transaction that reads and then writes cannot
    # wait for the writer lock (SQLite answers `database is locked` at once), so every transaction
    # takes the lock at BEGIN (IMMEDIATE) and waits up to `timeout` seconds for it; WAL lets readers
    # go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "orgs.Person"

AUTH_PASSWORD_VALIDATORS = [
    # Issue 11: a password like the login or the name, a common one, or digits only (a phone number)
    # is refused by the members API, the onboarding import and the admin alike.
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "name", "phone", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif not DEBUG:
    # Failed logins are counted in the cache: a cache of each process would let a password guesser
    # multiply the limit by the number of web processes.
    raise ImproperlyConfigured(
        "CACHE_URL must be set when DJANGO_DEBUG is off: login lockouts count in the cache, "
        "which every web process must share (e.g. redis://127.0.0.1:6379/1)"
    )
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SILENCED_SYSTEM_CHECKS = ["axes.W001"]  # the demo's single process: its local cache is enough

# The client's address is the socket's (REMOTE_ADDR), unless this many proxies in front of the server
# each append the address they saw to X-Forwarded-For (nginx: $proxy_add_x_forwarded_for): then it is
# the entry the first of them wrote. Anything a client writes itself is never trusted.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must not be negative")

# Login lockouts (django-axes, for the API token, /m/login/ and /admin/login/ alike): after
# LOGIN_FAILURE_LIMIT failed logins from one address, or for one username from anywhere, that
# address or username is refused for LOGIN_LOCKOUT_MINUTES after its last failure.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before any password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]  # each counted on its own
AXES_CLIENT_IP_CALLABLE = "core.auth.client_address"
AXES_USERNAME_CALLABLE = "core.auth.lockout_username"
AXES_LOCKOUT_CALLABLE = "core.auth.lockout_response"
AXES_RESET_ON_SUCCESS = False  # else a guesser's own account would wipe his address's count
AXES_ENABLE_ADMIN = False  # the cache handler keeps no rows to show
AXES_VERBOSE = False  # no start-up banner on every command
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME <= timedelta(0):
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be positive")

# Chinese by default; English when the client asks (Accept-Language: en).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# HTTPS and browser protections. On by default when DEBUG is off (`manage.py check --deploy` is then
# clean); each can be turned off by its variable, e.g. behind a proxy that already redirects to HTTPS.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    # Only behind a proxy that sets the header itself (nginx: proxy_set_header X-Forwarded-Proto $scheme).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# An H5 app or mini-program back end on another origin may call the API once its origin is listed
# (CORS_ALLOWED_ORIGINS=https://h5.example.com,https://...). None by default. Bearer tokens only:
# no cookies cross origins, so the phone pages' session and CSRF stay same-origin.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/v1/.*$"
CORS_ALLOW_CREDENTIALS = False
CORS_PREFLIGHT_MAX_AGE = 3600

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Static files (README "Production"): with DEBUG off, `manage.py collectstatic` writes each file under a
# name with its content's hash (app.3f2c….js) and a compressed copy; pages name them through {% static %},
# so a phone never runs an old app.js after an upgrade, and WhiteNoise serves them with a year's cache.
_STATIC_BACKEND = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
    if DEBUG
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
WHITENOISE_AUTOREFRESH = DEBUG  # the demo serves from the apps' folders, no collectstatic needed
WHITENOISE_USE_FINDERS = DEBUG
# Photos: the file system (MEDIA_ROOT) by default; S3-compatible object storage (MinIO, Aliyun OSS,
# Tencent COS, ...) when STORAGE_S3_BUCKET is set. The photo endpoints check access, then hand the bytes
# over: a redirect to a signed URL valid PHOTO_URL_SECONDS (object storage), an X-Accel-Redirect to
# nginx's internal location MEDIA_ACCEL_REDIRECT_PREFIX (files behind nginx), or the file itself.
STORAGE_S3_BUCKET = os.environ.get("STORAGE_S3_BUCKET", "")
PHOTO_URL_SECONDS = env_int("PHOTO_URL_SECONDS", 300)
MEDIA_ACCEL_REDIRECT_PREFIX = os.environ.get("MEDIA_ACCEL_REDIRECT_PREFIX", "")
if MEDIA_ACCEL_REDIRECT_PREFIX and not (
    MEDIA_ACCEL_REDIRECT_PREFIX.startswith("/") and MEDIA_ACCEL_REDIRECT_PREFIX.endswith("/")
):
    raise ImproperlyConfigured("MEDIA_ACCEL_REDIRECT_PREFIX must start and end with / (e.g. /_media/)")
if STORAGE_S3_BUCKET:
    _s3_options = {
        "bucket_name": STORAGE_S3_BUCKET,
        "endpoint_url": os.environ.get("STORAGE_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("STORAGE_S3_REGION") or None,
        "access_key": os.environ.get("STORAGE_S3_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get("STORAGE_S3_SECRET_ACCESS_KEY") or None,
        # MinIO: path; Aliyun OSS and Tencent COS: virtual (bucket.endpoint).
        "addressing_style": os.environ.get("STORAGE_S3_ADDRESSING_STYLE") or None,
        "signature_version": os.environ.get("STORAGE_S3_SIGNATURE_VERSION", "s3v4"),
        "location": os.environ.get("STORAGE_S3_PREFIX", ""),
        "default_acl": None,  # the bucket stays private: every read is a signed URL
        "querystring_auth": True,
        "querystring_expire": PHOTO_URL_SECONDS,
        "file_overwrite": False,
    }
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options}
else:
    # No location: FileSystemStorage follows MEDIA_ROOT (tests change it per test).
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {"default": _default_storage, "staticfiles": {"BACKEND": _STATIC_BACKEND}}

# Photos from phones: 15 MB of upload, 40 megapixels of image at most.
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 15 * 1024 * 1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 40_000_000)
PHOTO_MAX_SIDE = env_int("PHOTO_MAX_SIDE", 2560)  # stored copies are scaled down to this
# A photo used by a record of the same enterprise within this many days before (or after) a new record
# on another day or at another post flags the new record photo_reused (checklists.photo_reuse).
PHOTO_REUSE_LOOKBACK_DAYS = env_int("PHOTO_REUSE_LOOKBACK_DAYS", 90)
# Printable cards (qr.cards_pdf): the embedded CJK font, and above how many posts the sheet is
# rendered by Celery (the request answers 202 with a status URL) instead of in the request.
CARDS_PDF_FONT = os.environ.get("CARDS_PDF_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
CARDS_PDF_SYNC_MAX_POSTS = env_int("CARDS_PDF_SYNC_MAX_POSTS", 50)
ONBOARDING_MAX_BYTES = env_int("ONBOARDING_MAX_BYTES", 5 * 1024 * 1024)  # an onboarding workbook (.xlsx)
# Checked on the zip before parsing (core.exports_safety): the uncompressed size of the workbook's parts
# (each and all together) and the compression ratio of each part over 1 MB. A 1 MB .xlsx can hold 1 GB.
ONBOARDING_MAX_UNCOMPRESSED_BYTES = env_int("ONBOARDING_MAX_UNCOMPRESSED_BYTES", 50 * 1024 * 1024)
ONBOARDING_MAX_COMPRESSION_RATIO = env_int("ONBOARDING_MAX_COMPRESSION_RATIO", 100)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# The largest body of any request: one photo plus its form fields. Larger ones are a 413 at once.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", PHOTO_MAX_BYTES + 256 * 1024)
# Capture times of inspections (started_at, the phone's clock): a record may come late (补录, flagged
# late) until its period closed this many days ago; one from an older period, or later than the
# server's clock plus the skew, is refused (400 naming started_at).
INSPECTION_MAX_BACKDATE_DAYS = env_int("INSPECTION_MAX_BACKDATE_DAYS", 31)
INSPECTION_CLOCK_SKEW_SECONDS = env_int("INSPECTION_CLOCK_SKEW_SECONDS", 300)
if INSPECTION_MAX_BACKDATE_DAYS < 0 or INSPECTION_CLOCK_SKEW_SECONDS < 0:
    raise ImproperlyConfigured("INSPECTION_MAX_BACKDATE_DAYS and INSPECTION_CLOCK_SKEW_SECONDS must not be negative")
# On site means scanned (checklists.flags): a record is on site when it cites a scan of the same person
# at the post at most this long before its started_at (a check queued offline keeps its scan). A photo
# whose EXIF time is further than PHOTO_TIME_SKEW_MINUTES from started_at flags the record.
SCAN_EVENT_WINDOW_MINUTES = env_int("SCAN_EVENT_WINDOW_MINUTES", 30)
PHOTO_TIME_SKEW_MINUTES = env_int("PHOTO_TIME_SKEW_MINUTES", 60)
if SCAN_EVENT_WINDOW_MINUTES < 0 or PHOTO_TIME_SKEW_MINUTES < 0:
    raise ImproperlyConfigured("SCAN_EVENT_WINDOW_MINUTES and PHOTO_TIME_SKEW_MINUTES must not be negative")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.auth.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # One request content type per operation, so that generated clients send what the server reads:
    # JSON everywhere; the few file uploads declare multipart on their own view.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": os.environ.get("LOGIN_THROTTLE_RATE", "10/min")},
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,  # never None: DRF would then believe any X-Forwarded-For
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 60)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 14)),
    "UPDATE_LAST_LOGIN": True,
    # A refresh token is used once: its answer carries the next one, and the used one is blacklisted.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # Tokens carry a hash of the password they were issued under: a password change ends them all.
    "CHECK_REVOKE_TOKEN": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "mingbai API",
    "DESCRIPTION": "岗位安全生产明白卡、日管控周排查月调度、自查自纠档案。Errors share one body: "
    "{code, message, field, errors}; messages are Chinese unless Accept-Language asks for en.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "TAGS": OPENAPI_TAGS,
    # Summaries and descriptions are Chinese msgids; the hook adds their English as x-summary-en and
    # x-description-en (the served text itself follows Accept-Language).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.schema.english_texts"],
    "ENUM_NAME_OVERRIDES": {
        "RiskLevelEnum": "orgs.models.RiskLevel",
        "RoleEnum": "orgs.models.Role",
        "TierEnum": "checklists.models.Tier",
        "HazardGradeEnum": "checklists.models.HazardGrade",
        "EmergencyStepKeyEnum": "cards.models.EmergencyStepKey",
        "HazardStatusEnum": "hazards.models.HazardStatus",
        "QuestionKindEnum": "cards.models.QuestionKind",
        "WebhookKindEnum": "hazards.models.WebhookKind",
        "ItemKindEnum": "checklists.models.ItemKind",
        "CheckStatusEnum": "reports.models.CheckStatus",
        "SnapshotKindEnum": "reports.models.SnapshotKind",
        "WeeklyReportStatusEnum": "reports.models.WeeklyReportStatus",
        "DispatchStatusEnum": "reports.models.DispatchStatus",
        "RiskPointKindEnum": "risks.models.RiskPointKind",
        "ControlLevelEnum": "risks.models.ControlLevel",
    },
}

# Celery: a filesystem broker for the one-command demo, Redis in production.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "out"),
        "data_folder_out": str(_queue_dir / "out"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),  # else kombu writes ./control/ in the cwd
        "store_processed": False,
    }
    # kombu's filesystem transport lists and writes these folders but does not create them.
    for _folder in ("out", "processed"):
        (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")) and os.environ.get("CELERY_BROKER_VISIBILITY_TIMEOUT"):
    # An unacknowledged task (its worker died) goes back to the queue after this many seconds
    # (Redis default 3600). Tests set a few seconds; the restore sweep then runs as often.
    _visibility = env_int("CELERY_BROKER_VISIBILITY_TIMEOUT", 3600)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _visibility,
        "unacked_restore_interval": max(1, min(10, _visibility // 2)),
        "unacked_restore_throttle": 1,
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_IGNORE_RESULT = True  # no result backend: tasks record their effects in the database
# Beat scans for due work (no long countdowns: Redis re-delivers a task whose countdown outlives the
# visibility timeout). The DatabaseScheduler copies these entries into django-celery-beat's tables at
# start, in CELERY_TIMEZONE; each task is safe to run twice.
CELERY_BEAT_SCHEDULE = {
    "retry-webhooks": {"task": "hazards.tasks.retry_webhooks", "schedule": crontab(minute="*")},
    "remind-due-checks": {"task": "hazards.tasks.remind_due_checks", "schedule": crontab(minute="*/30")},
    "escalate-overdue-hazards": {
        "task": "hazards.tasks.escalate_overdue_hazards",
        "schedule": crontab(minute="*/15"),
    },
    # Certificates expiring within 30 days: once a day is enough, each (certificate, expiry) once.
    "remind-expiring-certificates": {
        "task": "hazards.tasks.remind_expiring_certificates",
        "schedule": crontab(minute=15, hour=8),
    },
    # The drafts of the weekly report and the monthly dispatch of the period just ended (reports app).
    # Daily scans: a draft missed on Monday (or on the 1st) is made the next morning.
    "weekly-report-snapshot": {
        "task": "reports.tasks.prepare_weekly_reports",
        "schedule": crontab(minute=5, hour=8),
    },
    "monthly-dispatch-snapshot": {
        "task": "reports.tasks.prepare_monthly_dispatches",
        "schedule": crontab(minute=10, hour=8),
    },
    # Refresh tokens past their expiry (each login and refresh adds one): nightly.
    "flush-expired-tokens": {"task": "core.tasks.flush_expired_tokens", "schedule": crontab(minute=40, hour=3)},
}
# Group robots (hazards.webhooks) are called only at these origins (scheme://host[:port]), checked when a
# robot is saved and before each delivery; redirects are never followed. https only, except a local
# test robot on the loopback address.
WEBHOOK_ALLOWED_ORIGINS = env_list(
    "WEBHOOK_ALLOWED_ORIGINS", ["https://qyapi.weixin.qq.com", "https://oapi.dingtalk.com"]
)
for _origin in WEBHOOK_ALLOWED_ORIGINS:
    _split = urlsplit(_origin)
    if _split.scheme not in ("https", "http") or not _split.hostname or _split.path.strip("/") or _split.query:
        raise ImproperlyConfigured(f"WEBHOOK_ALLOWED_ORIGINS: {_origin!r} is not an origin like https://host")
    if _split.scheme == "http" and _split.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ImproperlyConfigured(f"WEBHOOK_ALLOWED_ORIGINS: {_origin!r}: robots are called over https only")

# Logs: one JSON object a line (LOG_FORMAT=json, the default with DEBUG off) carrying the request id
# that error answers also carry (request_id), so a support call finds its log line; plain text in the demo.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.observability.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "core.observability.JsonFormatter"},
        "text": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# /metrics (Prometheus): answered to the addresses in METRICS_ALLOWED_ADDRESSES (the socket's address,
# never a header; networks like 10.0.0.0/8 allowed) or to a request with `Authorization: Bearer
# <METRICS_TOKEN>`; to nobody else (404). Several gunicorn workers: PROMETHEUS_MULTIPROC_DIR.
METRICS_ALLOWED_ADDRESSES = env_list("METRICS_ALLOWED_ADDRESSES", ["127.0.0.1", "::1"])
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Beat: one per installation. A second one started by mistake (two servers with the same units) waits
# for this Redis lock and sends nothing while the first one lives (core.beat_lock).
BEAT_LOCK_URL = os.environ.get("BEAT_LOCK_URL", CACHE_URL)
if BEAT_LOCK_URL:
    CELERY_BEAT_SCHEDULER = "core.beat_lock:SingleBeatScheduler"
