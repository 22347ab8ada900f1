"""Settings for Portal Media Center, read from the environment (see ``.env.example``).

With ``DEBUG`` on (the default, used by ``make run`` and the tests) everything runs on embedded
defaults under ``var/``: SQLite, Celery on kombu's filesystem broker, local media files, and the
platform simulator. With ``DEBUG`` off the portal refuses to start without its secrets.
"""

import sys
from pathlib import Path
from urllib.parse import urlparse

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
DEBUG = env.bool("DEBUG", default=True)
PORT = env.int("PORT", default=8000)


def _refuse(message: str) -> None:
    """Stop with one readable line instead of a traceback."""
    sys.exit(f"Portal Media Center cannot start: {message}")


def _generate_once(name: str, make) -> str:
    """In development, create a secret once under ``var/secrets`` and keep it between runs."""
    path = VAR_DIR / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _secret(name: str, make) -> str:
    value = env.str(name, default="")
    if value:
        return value
    if not DEBUG:
        _refuse(f"{name} is not set (it is required when DEBUG is off).")
    return _generate_once(name, make)


def _new_secret_key() -> str:
    from django.core.management.utils import get_random_secret_key

    return get_random_secret_key() + get_random_secret_key()


def _new_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


SECRET_KEY = _secret("SECRET_KEY", _new_secret_key)

# Comma-separated Fernet keys: the first encrypts, every one of them decrypts (key rotation).
VAULT_KEYS = [k.strip() for k in _secret("VAULT_KEYS", _new_fernet_key).split(",") if k.strip()]
try:
    from cryptography.fernet import Fernet

    for _key in VAULT_KEYS:
        Fernet(_key)
except ValueError:
    _refuse("VAULT_KEYS holds a value that is not a Fernet key (32 url-safe base64-encoded bytes).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    if not DEBUG:
        _refuse("ALLOWED_HOSTS is not set (it is required when DEBUG is off).")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- applications -------------------------------------------------------------------------------

INSTALLED_APPS = [
    # The portal's apps come first: their translations and templates take precedence.
    "accounts",
    "assets",
    "publishing",
    "publishing.sync",
    "insights",
    "boosts",
    "media_center",
    "skm",
    # The admin site opens by role, answers 403 to others, and keeps roles out of reach.
    "config.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Single-use recovery codes, given at enrolment of the authenticator app.
    "django_otp.plugins.otp_static",
    "axes",
    "guardian",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "django_celery_beat",
    "django_celery_results",
    # The platform simulator (demo and tests); routed only when SOCIAL_API_BASE points at it.
    "publishing.simulator",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "media_center.middleware.PublicResultsMiddleware",
    "media_center.middleware.SharedCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.KepalaDinasIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # A bad number or date in the address (core.params) answers 400 with its reason.
    "config.middleware.BadParameterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "csp.context_processors.nonce",
                "media_center.context_processors.portal",
            ],
        },
    },
]

# --- data ---------------------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and immediate transactions let the web process, the worker and beat share one file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that a real worker process can share the test database.
    DATABASES["default"]["TEST"] = {
        "NAME": env.str("TEST_DATABASE_PATH", default=str(VAR_DIR / "test-portal.sqlite3"))
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- files --------------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default=None)

STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
# The S3 service of the media (STORAGE_BACKEND=s3) and of the backups (BACKUP_S3_BUCKET).
AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="")
AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="")
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
if STORAGE_BACKEND == "s3":
    if not AWS_STORAGE_BUCKET_NAME:
        _refuse("STORAGE_BACKEND is s3 but AWS_STORAGE_BUCKET_NAME is not set.")
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "default_acl": None,
            "file_overwrite": False,
            # Signature version 4: what MinIO and every current S3 region accept for signed URLs.
            "signature_version": "s3v4",
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=900),
        },
    }
elif STORAGE_BACKEND == "local":
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
else:
    _refuse(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}.")

# Where `manage.py backup` writes and `manage.py restore` reads: a folder, or a bucket of the
# same S3 service as the media when BACKUP_S3_BUCKET is set.
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(VAR_DIR / "backups")))
BACKUP_S3_BUCKET = env.str("BACKUP_S3_BUCKET", default="")
if BACKUP_S3_BUCKET:
    _backup_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": BACKUP_S3_BUCKET,
            "default_acl": None,
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }
else:
    _backup_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # A backup holds what the database holds: readable by the portal's own user alone.
        "OPTIONS": {
            "location": BACKUP_DIR,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }

STORAGES = {
    "default": _default_storage,
    "backups": _backup_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- media library -----------------------------------------------------------------------------

# Largest file one upload may bring (bytes); larger uploads are refused before any byte is stored.
ASSET_MAX_UPLOAD_BYTES = env.int("ASSET_MAX_UPLOAD_BYTES", default=5 * 1024**3)
# Resumable uploads in progress: a folder every web process reaches (shared disk with several).
ASSET_UPLOAD_DIR = Path(env.str("ASSET_UPLOAD_DIR", default=str(VAR_DIR / "uploads")))
# An upload that has not moved for this many hours is abandoned and removed.
ASSET_UPLOAD_EXPIRE_HOURS = env.int("ASSET_UPLOAD_EXPIRE_HOURS", default=24)
# Seconds a signed media address (for platforms, and pictures in pages) stays valid.
ASSET_URL_EXPIRE = env.int("ASSET_URL_EXPIRE", default=3600)
# Public address of the portal, put before signed media addresses handed to the platforms and
# API clients (local storage only; object storage signs its own addresses; pages always use
# relative addresses). In development the simulator fetches Instagram media from the portal.
ASSET_PUBLIC_BASE_URL = env.str(
    "ASSET_PUBLIC_BASE_URL", default=f"http://127.0.0.1:{PORT}" if DEBUG else ""
)

# --- people, login, 2FA -------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "media_center:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Portal Media Center")
# Fresh second factor needed for the most sensitive acts (viewing a secret), in seconds.
OTP_FRESH_SECONDS = 300

# Paid boosts: the regency's location key in Meta's targeting (its "city" key, from the Marketing
# API's location search), the default audience of a boost request.
BOOST_REGENCY_LOCATION_KEY = env.str("BOOST_REGENCY_LOCATION_KEY", default="")

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_VERBOSE = False

GUARDIAN_ANONYMOUS_USER_NAME = None
ANONYMOUS_USER_NAME = None

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The Kepala Dinas holds every credential: an unattended browser of theirs is signed out after
# this many minutes without a request (0: never). Other roles keep SESSION_COOKIE_AGE.
KEPALA_DINAS_IDLE_MINUTES = env.int("KEPALA_DINAS_IDLE_MINUTES", default=15)

# --- security headers ---------------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes from inside the network speak plain HTTP
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

_img_sources = [SELF, "data:", "blob:"]
_media_sources = [SELF, "blob:"]
if STORAGE_BACKEND == "s3" and AWS_S3_ENDPOINT_URL:
    _origin = "{0.scheme}://{0.netloc}".format(urlparse(AWS_S3_ENDPOINT_URL))
    _img_sources.append(_origin)
    _media_sources.append(_origin)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": _img_sources,
        "media-src": _media_sources,
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- language and time --------------------------------------------------------------------------

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Input formats of dates and times per language (config/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
TIME_ZONE = "Asia/Jakarta"
USE_TZ = True

# --- background work ----------------------------------------------------------------------------

CELERY_BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(VAR_DIR / "celery")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task whose worker died unacknowledged is handed out again after this long.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    # kombu's filesystem transport with whole-file writes (see config/broker.py).
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        # Keep taken messages on the same disk so a move is a rename; pruned by a periodic task.
        "store_processed": True,
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # Seconds between looks at the queue folder (a worker takes at most one message per look).
        "polling_interval": env.float("CELERY_POLLING_INTERVAL", default=1.0),
    }
    for _folder in ("queue", "control", "processed"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="portal")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- platforms ----------------------------------------------------------------------------------

# Where platform drivers send requests. The demo and the tests point it at the simulator that
# this portal mounts under /simulator/; production leaves it empty and the real APIs are used.
SOCIAL_API_BASE = env.str(
    "SOCIAL_API_BASE", default=f"http://127.0.0.1:{PORT}/simulator" if DEBUG else ""
).rstrip("/")
# Development only: with DEBUG off the simulator is never routed, whatever SOCIAL_API_BASE says.
SIMULATOR_ENABLED = (
    DEBUG
    and bool(SOCIAL_API_BASE)
    and urlparse(SOCIAL_API_BASE).path.rstrip("/").endswith("/simulator")
)
# Seconds a driver waits for a platform's answer (each request).
SOCIAL_API_TIMEOUT = env.float("SOCIAL_API_TIMEOUT", default=30)
# The slowest upload still waited for (bytes a second): the wait for an answer to an upload
# grows with its size (SOCIAL_API_TIMEOUT + size / rate).
SOCIAL_UPLOAD_MIN_RATE = env.float("SOCIAL_UPLOAD_MIN_RATE", default=256 * 1024)
# The portal's app on each platform (the simulator plays a demo app of the same names).
FACEBOOK_APP_ID = env.str("FACEBOOK_APP_ID", default="100000000000001" if DEBUG else "")
FACEBOOK_APP_SECRET = env.str("FACEBOOK_APP_SECRET", default="") or (
    _generate_once("FACEBOOK_APP_SECRET", lambda: __import__("secrets").token_hex(16))
    if DEBUG
    else ""
)
# Check at start and on /healthz that the platforms can fetch media from ASSET_PUBLIC_BASE_URL
# (and the S3 endpoint): not a loopback or private address. On in production.
MEDIA_ADDRESS_CHECK = env.bool("MEDIA_ADDRESS_CHECK", default=not DEBUG)
# Boosting through the Marketing API: Facebook Login then also asks for ads_management.
FACEBOOK_BOOSTS_ENABLED = env.bool("FACEBOOK_BOOSTS_ENABLED", default=False)
# The simulator plays a Meta app with "Require App Secret" on: every Graph call without an
# appsecret_proof is refused (a wrong proof is always refused).
SIMULATOR_REQUIRE_APPSECRET_PROOF = env.bool("SIMULATOR_REQUIRE_APPSECRET_PROOF", default=True)
# The simulator plays the public internet: media addresses on loopback or private networks are
# refused as Meta refuses them (off for the local demo, where the portal itself is on 127.0.0.1).
SIMULATOR_PUBLIC_INTERNET = env.bool("SIMULATOR_PUBLIC_INTERNET", default=False)
X_CLIENT_ID = env.str("X_CLIENT_ID", default="portal-media-center" if DEBUG else "")
X_CLIENT_SECRET = env.str("X_CLIENT_SECRET", default="")
# Pause before each call to Instagram's private API (instagrapi), so as not to look like a bot.
INSTAGRAM_PRIVATE_DELAY = env.float("INSTAGRAM_PRIVATE_DELAY", default=1.0)
# Account sync: how often each synced account and partner is polled for new native posts
# (seconds), and for how long after a source post its deletion still removes the mirrors.
SYNC_POLL_SECONDS = env.int("SYNC_POLL_SECONDS", default=180)
SYNC_DELETION_WINDOW_HOURS = env.int("SYNC_DELETION_WINDOW_HOURS", default=48)
# Pages of an account's listing one sync poll reads at most; a longer backlog goes on next poll.
SYNC_POLL_MAX_PAGES = env.int("SYNC_POLL_MAX_PAGES", default=10)
# Delivery of posts: tries per delivery, the first pause between tries (doubled each time, with
# jitter; a platform's Retry-After wins when longer), and how long a delivery may stay "sending"
# before it is taken for lost with its worker (then it is looked up on the platform and resumed).
PUBLISHING_MAX_ATTEMPTS = env.int("PUBLISHING_MAX_ATTEMPTS", default=5)
PUBLISHING_RETRY_BASE_SECONDS = env.float("PUBLISHING_RETRY_BASE_SECONDS", default=30)
PUBLISHING_STALE_SECONDS = env.float(
    "PUBLISHING_STALE_SECONDS", default=env.float("CELERY_VISIBILITY_TIMEOUT", default=3600)
)

# --- API ----------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # A service's ValidationError or PermissionDenied answers 400 or 403 with its reason.
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Portal Media Center API",
    "DESCRIPTION": "Media library, publishing, vault and survey of the Media Center.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # ``<id:pk>`` (core.converters): a row's id, an integer.
    "PATH_CONVERTER_OVERRIDES": {"id": int},
    # Every refusal (4xx) is documented too, with its shape (config/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.document_refusals",
        "config.openapi.forbid_unknown_fields",
    ],
    # Several models have a "kind"; give each choice set its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "AssetKindEnum": "assets.models.Asset.Kind",
        "CredentialKindEnum": "accounts.models.CredentialKind",
        "ReportKindEnum": "insights.models.ReportKind",
    },
}

# --- logging ------------------------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Blanks out secrets by their shape, and any the vault handled in this process: the same
    # filter gunicorn's logs (config/gunicorn.py) and Celery's (config/celery.py) carry.
    "filters": {
        "redact_secrets": {"()": "core.redaction.RedactSecretsFilter"},
        "one_line_forbidden": {"()": "config.logging_filters.OneLineForbidden"},
        "no_broker_hostname": {"()": "config.logging_filters.NoBrokerHostnameWarning"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets", "one_line_forbidden", "no_broker_hostname"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Third-party clients may log request bodies or headers at DEBUG; keep them quieter.
        "urllib3": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "instagrapi": {"level": "WARNING"},
        "private_request": {"level": "WARNING"},
        "public_request": {"level": "WARNING"},
    },
}

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.console.EmailBackend"
        if DEBUG
        else "django.core.mail.backends.smtp.EmailBackend"
    ),
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")

CSRF_FAILURE_VIEW = "config.views.csrf_failure"

# --- public pages and the satisfaction survey ---------------------------------------------------

# The office's name as the public pages show it.
PUBLIC_OFFICE_NAME = env.str("PUBLIC_OFFICE_NAME", default="Dinas Komunikasi dan Informatika")
# One vote per survey per person per this many hours (periods start at 00:00 WIB).
SURVEY_VOTE_PERIOD_HOURS = env.int("SURVEY_VOTE_PERIOD_HOURS", default=24)
# Vote attempts one address may make per minute in one survey; people behind one NAT address
# share it. Past it the answer is 429 "try again in a minute" and nothing is stored.
SURVEY_VOTES_PER_ADDRESS_PER_MINUTE = env.int("SURVEY_VOTES_PER_ADDRESS_PER_MINUTE", default=30)
# Votes one address may have counted in one survey per voting period, sized for an office or a
# carrier's NAT where many honest people share one address. Votes past it are kept but held:
# they count once an Editor or the Kepala Dinas accepts them. Both limits live in the database,
# so every web process and machine shares them.
SURVEY_VOTE_ALLOWANCE_PER_ADDRESS = env.int("SURVEY_VOTE_ALLOWANCE_PER_ADDRESS", default=50)
# The community satisfaction survey (SKM): questionnaires one address may have counted per
# period and day (an office's or a carrier's shared address sends many honest ones; past it they
# are kept but held for review), and attempts per minute past which nothing is stored.
SKM_RESPONSES_PER_ADDRESS_PER_DAY = env.int("SKM_RESPONSES_PER_ADDRESS_PER_DAY", default=30)
SKM_ATTEMPTS_PER_ADDRESS_PER_MINUTE = env.int("SKM_ATTEMPTS_PER_ADDRESS_PER_MINUTE", default=10)
# Seconds the public results of a survey are served from the cache.
SURVEY_RESULTS_CACHE_SECONDS = env.int("SURVEY_RESULTS_CACHE_SECONDS", default=30)
# Proxies in front of the portal whose X-Forwarded-For entries are trusted (0: use the peer).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
