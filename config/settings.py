"""Himoya settings: one module, driven by environment variables (see docs/configuration.md).

The embedded default needs nothing set: SQLite in WAL mode, an in-process channel layer, a
local-memory cache and the database task queue, with secrets kept in files under
``HIMOYA_DATA_DIR`` (created with mode 0600 on first use). ``DATABASE_URL`` and
``REDIS_URL`` switch to PostgreSQL and Redis.
"""

import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import (
    envbool,
    envint,
    envlist,
    envsecret,
    envstr,
    new_encryption_key,
    new_secret_key,
    secret_file,
)
from himoya.lib.crypto import KeyError_, Keyring

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(envstr("HIMOYA_DATA_DIR") or Path.home() / ".local" / "share" / "himoya").resolve()
if DATA_DIR == BASE_DIR or BASE_DIR in DATA_DIR.parents:
    raise ImproperlyConfigured("HIMOYA_DATA_DIR must be outside the repository")

DEBUG = envbool("HIMOYA_DEBUG", False)
SECRET_KEY = envsecret("DJANGO_SECRET_KEY") or secret_file(DATA_DIR / "secret_key", new_secret_key)

_keys_text = envsecret("HIMOYA_ENCRYPTION_KEYS") or secret_file(DATA_DIR / "encryption.key", new_encryption_key)
try:
    ENCRYPTION_KEYRING = Keyring.from_text(_keys_text)
except KeyError_ as exc:
    raise ImproperlyConfigured(f"HIMOYA_ENCRYPTION_KEYS: {exc}") from None

ALLOWED_HOSTS = envlist("HIMOYA_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("HIMOYA_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = envstr("HIMOYA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CENTER_NAME = envstr("HIMOYA_CENTER_NAME", "Safe Internet Center")
QUICK_EXIT_URL = envstr("HIMOYA_QUICK_EXIT_URL", "https://www.google.com/search?q=weather")
# How to reach the center, printed in advice articles and on leaflets (left out when empty).
CENTER_PHONE = envstr("HIMOYA_CENTER_PHONE")
CENTER_EMAIL = envstr("HIMOYA_CENTER_EMAIL")
CENTER_BOT_URL = envstr("HIMOYA_CENTER_BOT_URL")  # e.g. https://t.me/YourCenterBot
if CENTER_BOT_URL and not CENTER_BOT_URL.startswith("https://"):
    raise ImproperlyConfigured("HIMOYA_CENTER_BOT_URL must be an https:// address")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "channels",
    "django_tasks",
    # Before django_tasks_db: its ``db_worker`` command loads the triage engine first.
    "himoya.ops",
    "django_tasks_db",
    "himoya.accounts",
    "himoya.audit",
    "himoya.reference",
    "himoya.reports",
    "himoya.cases",
    "himoya.referrals",
    "himoya.conversations",
    "himoya.channels.web",
    "himoya.channels.api",
    "himoya.triage",
    "himoya.hashes",
    "himoya.links",
    "himoya.channels.telegram",
    "ninja",  # serves the API docs' scripts from here, which the CSP allows (not from a CDN)
    "himoya.knowledge",
    "himoya.awareness",
    "himoya.shifts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "himoya.channels.web.middleware.refuse_oversized_requests",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "himoya.channels.api.middleware.json_errors",
]
# Requests under /api/ (himoya/lib/asgi.py): a partner's token is its only credential, so the
# middleware of browser sessions and staff sign-in is left out.
API_MIDDLEWARE = [
    path
    for path in MIDDLEWARE
    if path
    not in {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "axes.middleware.AxesMiddleware",
    }
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

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
                "himoya.channels.web.context.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------

DATABASE_URL = envstr("DATABASE_URL")
if DATABASE_URL:
    try:
        _db = dj_database_url.parse(DATABASE_URL)
    except (ValueError, dj_database_url.UnknownSchemeError) as exc:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be used: {exc}") from None
    if _db["ENGINE"] not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise ImproperlyConfigured("DATABASE_URL must name PostgreSQL or SQLite")
    _db["CONN_HEALTH_CHECKS"] = True
else:
    _db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "himoya.sqlite3",
    }
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue on busy_timeout instead of failing mid-transaction. The
    # backend is Django's, with the process's writers queued on a lock of their own rather
    # than sleeping in SQLite's busy handler (himoya/lib/sqlite/base.py).
    _db["ENGINE"] = "himoya.lib.sqlite"
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
if _db["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI Django runs each request in a thread of its own, so a connection kept
    # open after its request (CONN_MAX_AGE) is never used again and lingers until garbage
    # collection, until PostgreSQL refuses new clients. A pool per process takes each
    # connection back at the end of its request instead.
    _db["CONN_MAX_AGE"] = 0
    _db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": envint("HIMOYA_DB_POOL_SIZE", 10, minimum=1),
        "timeout": 10,
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache -------------------------------------------------------

REDIS_URL = envstr("REDIS_URL")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://")
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py gives up reading after 5 s by default, exactly as long as the layer's
                # blocking receive waits: an idle socket's receive then fails now and then and
                # drops its WebSocket. Read longer; and let a pool serve a hall of pupils
                # connecting or leaving at once (redis-py's default pool stops at 100).
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 30,
                        "max_connections": envint("HIMOYA_REDIS_MAX_CONNECTIONS", 1000, minimum=10),
                    }
                ],
                "prefix": envstr("HIMOYA_REDIS_PREFIX", "himoya"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": envstr("HIMOYA_REDIS_PREFIX", "himoya"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks -----------------------------------------------------------------------

TASKS = {
    "default": {
        "BACKEND": envstr("HIMOYA_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- Accounts and security ------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "cases:list"

AXES_FAILURE_LIMIT = envint("HIMOYA_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = envint("HIMOYA_LOGIN_COOLOFF_MINUTES", 30, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Staff of one center often share an address: lock the account being guessed, not the office.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

SESSION_COOKIE_AGE = envint("HIMOYA_SESSION_MINUTES", 8 * 60, minimum=5) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = envbool("HIMOYA_SECURE_COOKIES", SITE_URL.startswith("https://"))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
# Not "no-referrer": with it Chromium sends "Origin: null" on form posts and CSRF refuses them.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if envbool("HIMOYA_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

OTP_TOTP_ISSUER = CENTER_NAME

# --- Intake limits -------------------------------------------------------------------------

NARRATIVE_MAX_CHARS = envint("HIMOYA_NARRATIVE_MAX_CHARS", 20_000, minimum=100)
MESSAGE_MAX_CHARS = envint("HIMOYA_MESSAGE_MAX_CHARS", 4_000, minimum=100)
LINKS_MAX = envint("HIMOYA_LINKS_MAX", 20, minimum=1)
ATTACHMENTS_MAX = envint("HIMOYA_ATTACHMENTS_MAX", 5, minimum=0)
ATTACHMENT_MAX_BYTES = envint("HIMOYA_ATTACHMENT_MAX_MB", 10, minimum=1) * 1024 * 1024
ATTACHMENT_MAX_PIXELS = envint("HIMOYA_ATTACHMENT_MAX_PIXELS", 40_000_000, minimum=1_000_000)
# Anything larger than every attachment together is refused before it is read.
REQUEST_MAX_BYTES = ATTACHMENTS_MAX * ATTACHMENT_MAX_BYTES + 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
CODE_LOOKUPS_PER_HOUR = envint("HIMOYA_CODE_LOOKUPS_PER_HOUR", 20, minimum=1)
PARTNER_LOOKUPS_PER_HOUR = envint("HIMOYA_PARTNER_LOOKUPS_PER_HOUR", 3600, minimum=1)
COUNTRIES = envlist("HIMOYA_COUNTRIES", ["AZ", "UZ"])

# Minutes from a case's opening to its deadline, by urgency.
URGENCY_DEADLINE_MINUTES = {
    "P1": envint("HIMOYA_DEADLINE_P1_MINUTES", 15, minimum=1),
    "P2": envint("HIMOYA_DEADLINE_P2_MINUTES", 120, minimum=1),
    "P3": envint("HIMOYA_DEADLINE_P3_MINUTES", 24 * 60, minimum=1),
    "P4": envint("HIMOYA_DEADLINE_P4_MINUTES", 72 * 60, minimum=1),
}

# --- Picture hash lists (himoya.hashes, docs/images.md) ----------------------------------

# Largest hash-list file a supervisor may upload (a million PDQ rows is about 70 MB).
HASH_IMPORT_MAX_BYTES = envint("HIMOYA_HASH_IMPORT_MAX_MB", 200, minimum=1) * 1024 * 1024
# Rebuild each process's hash index in a background thread when lists change (off: inline).
HASH_INDEX_BACKGROUND = envbool("HIMOYA_HASH_INDEX_BACKGROUND", True)

# --- Awareness sessions (himoya.awareness, docs/awareness.md) ------------------------------

# Days after a session ends before its participants, answers and questions are deleted.
AWARENESS_RETENTION_DAYS = envint("HIMOYA_AWARENESS_RETENTION_DAYS", 30, minimum=1)
# Live charts get at most one update per activity this often (votes are coalesced).
AWARENESS_LIVE_INTERVAL_MS = envint("HIMOYA_AWARENESS_LIVE_INTERVAL_MS", 100, minimum=0)
AWARENESS_MAX_PARTICIPANTS = envint("HIMOYA_AWARENESS_MAX_PARTICIPANTS", 3000, minimum=1)

# --- Telegram bot (docs/telegram.md) -------------------------------------------------------
# With a token and no webhook URL, `manage.py start` also runs the bot by long polling.

TELEGRAM_BOT_TOKEN = envsecret("TELEGRAM_BOT_TOKEN") or ""
if TELEGRAM_BOT_TOKEN and not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", TELEGRAM_BOT_TOKEN):
    raise ImproperlyConfigured("TELEGRAM_BOT_TOKEN does not look like a token from @BotFather (123456:ABC...)")
TELEGRAM_API_URL = envstr("TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
if not TELEGRAM_API_URL.startswith(("https://", "http://127.", "http://localhost", "http://[::1]")):
    raise ImproperlyConfigured("TELEGRAM_API_URL must be https:// (or a Bot API server on this machine)")
TELEGRAM_WEBHOOK_URL = envstr("TELEGRAM_WEBHOOK_URL")
TELEGRAM_WEBHOOK_SECRET = envsecret("TELEGRAM_WEBHOOK_SECRET") or ""
if TELEGRAM_WEBHOOK_URL and not TELEGRAM_WEBHOOK_URL.startswith("https://"):
    raise ImproperlyConfigured("TELEGRAM_WEBHOOK_URL must be an https:// address")
if TELEGRAM_WEBHOOK_URL and not TELEGRAM_WEBHOOK_SECRET:
    raise ImproperlyConfigured("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET (Telegram's secret_token)")
if TELEGRAM_WEBHOOK_SECRET and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", TELEGRAM_WEBHOOK_SECRET):
    raise ImproperlyConfigured("TELEGRAM_WEBHOOK_SECRET must be 16-256 characters of A-Z, a-z, 0-9, _ and -")
# Key of the hash that names a chat; derived from DJANGO_SECRET_KEY when not set.
TELEGRAM_ID_KEY = envsecret("TELEGRAM_ID_KEY") or ""
TELEGRAM_POLL_TIMEOUT = envint("TELEGRAM_POLL_TIMEOUT", 30, minimum=0)
TELEGRAM_SEND_MAX_ATTEMPTS = envint("TELEGRAM_SEND_MAX_ATTEMPTS", 8, minimum=1)
# Threads the long-polling process handles chats on (a webhook leaves this to the task workers).
TELEGRAM_WORKERS = envint("TELEGRAM_WORKERS", 8, minimum=1)
# Per chat: updates handled at once per window; more wait for the next window; past DROP, dropped.
TELEGRAM_FLOOD_MESSAGES = envint("TELEGRAM_FLOOD_MESSAGES", 20, minimum=1)
TELEGRAM_FLOOD_SECONDS = envint("TELEGRAM_FLOOD_SECONDS", 60, minimum=1)
TELEGRAM_FLOOD_DROP = envint("TELEGRAM_FLOOD_DROP", 5 * TELEGRAM_FLOOD_MESSAGES, minimum=TELEGRAM_FLOOD_MESSAGES)

# --- Languages -------------------------------------------------------------------------------

_ALL_LANGUAGES = {
    "en": _("English"),
    "ru": _("Russian"),
    "az": _("Azerbaijani"),
    "uz": _("Uzbek"),
}
_chosen = envlist("HIMOYA_LANGUAGES", list(_ALL_LANGUAGES))
for _code in _chosen:
    if _code not in _ALL_LANGUAGES:
        raise ImproperlyConfigured(f"HIMOYA_LANGUAGES: {_code!r} is not one of {', '.join(_ALL_LANGUAGES)}")
if not _chosen:
    raise ImproperlyConfigured("HIMOYA_LANGUAGES names no language")
LANGUAGES = [(code, _ALL_LANGUAGES[code]) for code in _chosen]
LANGUAGE_CODE = envstr("HIMOYA_DEFAULT_LANGUAGE", _chosen[0])
if LANGUAGE_CODE not in _chosen:
    raise ImproperlyConfigured("HIMOYA_DEFAULT_LANGUAGE must be one of HIMOYA_LANGUAGES")
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = envstr("HIMOYA_TIME_ZONE", "Asia/Baku")

# --- Static files ------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# --- E-mail ------------------------------------------------------------------------------------

EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if envstr("HIMOYA_EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = envstr("HIMOYA_EMAIL_HOST")
EMAIL_PORT = envint("HIMOYA_EMAIL_PORT", 587)
EMAIL_HOST_USER = envstr("HIMOYA_EMAIL_USER")
EMAIL_HOST_PASSWORD = envsecret("HIMOYA_EMAIL_PASSWORD") or ""
EMAIL_USE_TLS = envbool("HIMOYA_EMAIL_TLS", True)
DEFAULT_FROM_EMAIL = envstr("HIMOYA_EMAIL_FROM", "himoya@localhost")
# Who is e-mailed when a P1 case is not claimed in time (default: every supervisor with an
# address), and how often the deadline watch looks (himoya/cases/alerts.py).
ALERT_EMAIL = envlist("HIMOYA_ALERT_EMAIL", [])
ALERT_CHECK_SECONDS = envint("HIMOYA_ALERT_CHECK_SECONDS", 30, minimum=1)

# --- Logging -----------------------------------------------------------------------------------
# Structured one-line JSON records. Request bodies are never logged; report text never
# reaches a logger (views log ids and codes of outcome only).

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "himoya.lib.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": envstr("HIMOYA_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "uvicorn.access": {"level": "WARNING"},
        # uvicorn logs every WebSocket handshake and connection at INFO with the client's
        # address ("203.0.113.7:51234 - WebSocket /ws/… [accepted]"): pupils' addresses
        # must not reach the logs. Its warnings and errors carry none.
        "uvicorn.error": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
        # WeasyPrint reports every layout step at INFO; leaflets need only its warnings.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # httpx logs every request's URL at INFO, and the Bot API's URLs hold the bot's token.
        "httpx": {"level": "WARNING"},
        "telegram": {"level": "WARNING"},
    },
}
CSRF_FAILURE_VIEW = "himoya.ops.views.csrf_failure"
