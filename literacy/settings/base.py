"""Settings shared by every environment; everything that differs comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def caches_from_url(url: str) -> dict:
    """CACHES from one URL: redis:// or rediss:// (Redis), db://<table> (the database),
    locmem:// (this process only: development and tests)."""
    scheme, _sep, rest = url.partition("://")
    if scheme in ("redis", "rediss"):
        default = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    elif scheme == "db":
        default = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": rest or "oshieai_cache"}
    elif scheme == "locmem":
        default = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": rest or "oshieai"}
    else:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"CACHE_URL must start with redis://, rediss://, db:// or locmem:// (got {scheme!r}).")
    return {"default": {**default, "KEY_PREFIX": "oshieai"}}


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

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
    "drf_spectacular",
    "phonenumber_field",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "literacy.accounts",
    "literacy.places",
    "literacy.curriculum",
    "literacy.people",
    "literacy.scheduling",
    "literacy.followups",
    "literacy.notifications",
    "literacy.telephony",
    "literacy.kiosk",
    "literacy.portal",
    "literacy.coverage",
    "literacy.phonedesk",
    "literacy.imports",
    "literacy.operations",
    "literacy.core",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

# Content Security Policy: scripts only from our own static files (no inline script, so a name
# typed at a kiosk can never run as code); nothing is framed; forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

ROOT_URLCONF = "literacy.urls"
WSGI_APPLICATION = "literacy.wsgi.application"
ASGI_APPLICATION = "literacy.asgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default (zero set-up); DATABASE_URL switches to PostgreSQL, which enforces the
# exclusion constraint as well. On SQLite, writers take the lock at BEGIN (IMMEDIATE) and wait
# for it (timeout), so concurrent bookings queue instead of failing with "database is locked".
# An empty DATABASE_URL (as `DATABASE_URL= make test` or an env file's blank line leaves it) is unset.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
# allauth's failed-login limits and the API's throttles count in Django's cache. In one process
# (development, tests) memory will do; with several gunicorn workers it must be one cache they
# all share, or each worker counts on its own: production defaults to the database (see
# production.py), and CACHE_URL=redis://… is better still. The booking-code lockout and the
# kiosk, voice-line and SMS limits count in the database and do not depend on it.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = caches_from_url(CACHE_URL or "locmem://")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# --- allauth: email login, mandatory verification -------------------------------------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Oshieai"

# --- Internationalisation -------------------------------------------------------------------
# Japanese is the language of everything a senior sees; English is available.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

PHONENUMBER_DEFAULT_REGION = "JP"
PHONENUMBER_DB_FORMAT = "E164"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Seconds before a silent SMTP server is given up on: the worker sends texts and calls too, and a
# stalled connection must not hold them (the message is retried, like any provider timeout).
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Oshieai <noreply@oshieai.example.jp>")

ADMIN_URL = os.environ.get("ADMIN_URL", "admin/")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# How many proxies in front of the app append the client's address to X-Forwarded-For: 0 when
# clients reach the app directly (development), 1 behind the shipped nginx (production's default).
# Rate limits, lock-outs and the audit log read the address from here (core/client_address.py).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# allauth's failed-login limits count per address too: through the same function.
ACCOUNT_ADAPTER = "literacy.accounts.adapter.AccountAdapter"

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    # Token first, so an anonymous call is told 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "api.authentication.DeviceKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # JSON in, JSON out: one documented format (the browsable pages are /api/docs/).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # One bucket per kind of caller: anonymous clients by IP, people by account, kiosks by device.
    # The client's address for the anonymous throttle: the entry the trusted proxy appended to
    # X-Forwarded-For, never one the client wrote itself (literacy/core/client_address.py).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonymousThrottle",
        "api.throttling.UserThrottle",
        "api.throttling.KioskThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/min"),
        "user": os.environ.get("API_THROTTLE_USER", "600/min"),
        "kiosk": os.environ.get("API_THROTTLE_KIOSK", "300/min"),
    },
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Oshieai API",
    "DESCRIPTION": "Digital-literacy peer teaching: topics, bookable times, bookings, offers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc from the drf-spectacular-sidecar package: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "BookingStateEnum": "literacy.scheduling.models.Booking.State",
        "LessonStateEnum": "literacy.scheduling.models.Lesson.State",
        "HelpRequestStateEnum": "literacy.scheduling.models.HelpRequest.State",
        "OfferStateEnum": "literacy.scheduling.models.Offer.State",
        "MessageStateEnum": "literacy.notifications.models.Message.State",
        "MessageChannelEnum": "literacy.notifications.models.Message.Channel",
        "ArrivalChannelEnum": "literacy.people.models.Channel",
    },
}

# --- Messaging providers: console in development, memory in tests, twilio in production ------
SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "console")
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_MESSAGING_SERVICE_SID = os.environ.get("TWILIO_MESSAGING_SERVICE_SID", "")
TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER", "")
# Webhooks refuse unsigned requests unless this is on (development only).
TWILIO_WEBHOOKS_ALLOW_UNSIGNED = env_bool("TWILIO_WEBHOOKS_ALLOW_UNSIGNED", False)

# --- Celery (production scale-out; the embedded default is `manage.py run_worker`) -----------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TIMEZONE = TIME_ZONE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Per-app settings: each app appends its own block below, headed by its name. ---------------

# --- kiosk ---
# Seconds without a touch before the "are you still there?" countdown, and the countdown itself.
KIOSK_IDLE_SECONDS = int(os.environ.get("KIOSK_IDLE_SECONDS", "90"))
KIOSK_IDLE_COUNTDOWN_SECONDS = int(os.environ.get("KIOSK_IDLE_COUNTDOWN_SECONDS", "20"))

# --- api ---
# Swagger UI / Redoc assets served locally (see SPECTACULAR_SETTINGS above).
INSTALLED_APPS += ["drf_spectacular_sidecar"]

# --- portal ---
# A volunteer who confirms their email in the browser they signed up with is logged in and
# taken straight to the volunteer form.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SIGNUP_REDIRECT_URL = "/volunteer/"

# --- imports / operations (roster import, doctor, request log, readiness, metrics) ---------------
# One JSON line per request (route, status, duration; no personal data), timed around everything.
MIDDLEWARE.insert(0, "literacy.core.request_log.RequestLogMiddleware")
# /metrics: a bearer token for scrapers; empty means only direct local requests may read it.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# /readyz and doctor: a worker heartbeat older than this means the worker has stopped.
WORKER_HEARTBEAT_MAX_AGE_SECONDS = int(os.environ.get("WORKER_HEARTBEAT_MAX_AGE_SECONDS", "300"))
# Django logs every 4xx as "Not Found: <path>"; paths can hold phone numbers and booking codes,
# and the request log above already records each request (without them). Errors (5xx) stay.
LOGGING["loggers"]["django.request"] = {"level": "ERROR"}

# --- security ---
# Booking-code lookups (code + phone): misses allowed per client (kiosk device, IP or caller
# number) and per phone within the window before TooManyAttempts. Counted in the database so
# every gunicorn worker sees the same count.
BOOKING_LOOKUP_MAX_MISSES_PER_CLIENT = int(os.environ.get("BOOKING_LOOKUP_MAX_MISSES_PER_CLIENT", "5"))
BOOKING_LOOKUP_MAX_MISSES_PER_PHONE = int(os.environ.get("BOOKING_LOOKUP_MAX_MISSES_PER_PHONE", "10"))
BOOKING_LOOKUP_MAX_MISSES_PER_KIOSK = int(os.environ.get("BOOKING_LOOKUP_MAX_MISSES_PER_KIOSK", "12"))
BOOKING_LOOKUP_WINDOW_MINUTES = int(os.environ.get("BOOKING_LOOKUP_WINDOW_MINUTES", "15"))
# Bookings (and call-back requests) one kiosk device may make in the last hour and the last 24
# hours, through its pages or the API. A busy community centre books a few an hour; a script,
# hundreds. Over the limit nothing is booked and the coordinators get one case per device.
KIOSK_MAX_BOOKINGS_PER_HOUR = int(os.environ.get("KIOSK_MAX_BOOKINGS_PER_HOUR", "20"))
KIOSK_MAX_BOOKINGS_PER_DAY = int(os.environ.get("KIOSK_MAX_BOOKINGS_PER_DAY", "100"))
# Calls to the voice line from one number in the last hour and the last 24 hours. Calls without
# a usable number (withheld, 非通知) cannot be told apart, so they share one bucket per
# municipality with higher limits: one flood must not shut out every senior who withholds.
VOICE_MAX_CALLS_PER_HOUR = int(os.environ.get("VOICE_MAX_CALLS_PER_HOUR", "10"))
VOICE_MAX_CALLS_PER_DAY = int(os.environ.get("VOICE_MAX_CALLS_PER_DAY", "30"))
VOICE_MAX_WITHHELD_CALLS_PER_HOUR = int(os.environ.get("VOICE_MAX_WITHHELD_CALLS_PER_HOUR", "30"))
VOICE_MAX_WITHHELD_CALLS_PER_DAY = int(os.environ.get("VOICE_MAX_WITHHELD_CALLS_PER_DAY", "150"))
# SMS pumping brakes: texts sent per number and per municipality per (Tokyo) day.
SMS_DAILY_CAP_PER_NUMBER = int(os.environ.get("SMS_DAILY_CAP_PER_NUMBER", "5"))
SMS_DAILY_CAP_PER_MUNICIPALITY = int(os.environ.get("SMS_DAILY_CAP_PER_MUNICIPALITY", "2000"))
# Texts go only to numbers the municipality knows (learners, proxies, volunteers). Always on in a
# deployment; the outbox's own mechanics tests switch it off to use made-up numbers.
SMS_ONLY_TO_KNOWN_NUMBERS = True
SMS_LIMITS_ENABLED = True
# Japan's APPI: personal data is kept only as long as needed; purge_personal_data anonymises
# learners inactive for this many years (statistics keep counting their bookings and lessons).
PERSONAL_DATA_RETENTION_YEARS = int(os.environ.get("PERSONAL_DATA_RETENTION_YEARS", "3"))
