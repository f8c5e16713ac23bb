"""The one settings module. Everything that differs between machines comes from the environment
(or an optional `.env` file beside manage.py); see README "Configuration"."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from jakamo import xmlsafe

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# development (default) | production. Production refuses to start without the secrets it needs.
JAKAMO_ENV = env.str("JAKAMO_ENV", default="development")
PRODUCTION = JAKAMO_ENV == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The Jakamo simulator under /sandbox/jakamo. Never on in production unless someone insists.
SANDBOX_ENABLED = env.bool("JAKAMO_SANDBOX_ENABLED", default=False)
# Seconds the sandbox's "hang" fault sleeps before answering.
SANDBOX_HANG_SECONDS = env.float("JAKAMO_SANDBOX_HANG_SECONDS", default=35.0)
# Lifetime of the access tokens the sandbox's OAuth2 endpoint issues (Entra ID's: an hour).
SANDBOX_TOKEN_SECONDS = env.int("JAKAMO_SANDBOX_TOKEN_SECONDS", default=3600)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_q",
    "axes",
    "common",
    "jakamo_portal",
    "mappings",
    "exchange",
    "orders",
    "shipments",
    "gateway",
    "operations",
    "sandbox",
]

# The receive form posts one field per delivery batch and one per line: a 5,000-line order with a
# batch a line is 10,000 fields, and Django's default (1,000) refused it with a 400. The body stays
# bounded by DATA_UPLOAD_MAX_MEMORY_SIZE (MAX_BODY_BYTES, below), far above such a form (~150 kB).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 25_000

MIDDLEWARE = [
    "common.timing.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # After the locale, so the refusal speaks the reader's language; before anything reads a value.
    "common.middleware.RefuseNulMiddleware",
    "common.middleware.RefuseBadContentLengthMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in person's own language wins over the browser's.
    "operations.middleware.PersonLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A page's poll for its live region: 204 when the region has not changed (common/live.py).
    "common.live.LiveMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Every page needs a login unless its view is marked login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username from
# one address, that pair is locked for AXES_COOLOFF_MINUTES; a right password resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

ROOT_URLCONF = "jakamo_portal.urls"
WSGI_APPLICATION = "jakamo_portal.wsgi.application"

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
                "operations.navigation.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if "ENGINE" not in DATABASES["default"]:  # django-environ reads DATABASE_URL= (a blank in .env) as no database
    raise ImproperlyConfigured(
        "DATABASE_URL is set but says no database: give one (postgres://user@host:5432/name, sqlite:////path) "
        "or remove the variable to use the local SQLite file."
    )
# Persistent connections: opening a PostgreSQL connection costs more than most requests' queries.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, cluster) share the file: wait for a lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
    # Take the write lock when a transaction starts: a deferred transaction that upgrades its lock
    # later gets "database is locked" at once instead of waiting (web, cluster and sandbox share it).
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    # WAL: readers never wait for the writer, and one fsync per commit instead of two. synchronous
    # stays FULL, so a committed (stored) message survives a power cut before it is acknowledged.
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")
    # Tests talk to a live server in other threads; a file (not the shared in-memory connection)
    # gives every thread its own connection, as in production.
    DATABASES["default"].setdefault("TEST", {"NAME": str(BASE_DIR / ".test-db.sqlite3")})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fi", "Suomi")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as people here write them: ISO in English, 23.11.2026 in Finnish (Django's own).
FORMAT_MODULE_PATH = ["common.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Helsinki")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Keys for secrets stored in the database (integration passwords, client secrets), newest first.
# Kept apart from SECRET_KEY: django-q2 signs queued tasks with SECRET_KEY, so that one can only be
# rotated with the task queue drained, while these rotate freely (old keys still decrypt).
if PRODUCTION:
    FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")
else:
    FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=["ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE="])

# django-q2 on its ORM broker: at-least-once delivery (a killed worker's task runs again), so every
# task is written to be safe to run twice. retry must stay above timeout, or a slow task is started
# a second time while the first still runs.
Q_CLUSTER = {
    "name": "jakamo",
    "orm": "default",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=300),
    "retry": env.int("Q_RETRY", default=360),
    "max_attempts": 3,
    "catch_up": False,
    "save_limit": 1000,
    "poll": 1,
    "label": "Tasks",
}

# Optional Redis: the task broker (instead of the database) and a cache shared by every process.
# The broker then hands each task out once; a task lost with a killed worker is harmless, because
# the every-minute tick drives syncs and sends again.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    del Q_CLUSTER["orm"]
    Q_CLUSTER["redis"] = REDIS_URL
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# Outbound HTTP to Jakamo: (connect, read) seconds.
JAKAMO_CONNECT_TIMEOUT = env.float("JAKAMO_CONNECT_TIMEOUT", default=5.0)
JAKAMO_READ_TIMEOUT = env.float("JAKAMO_READ_TIMEOUT", default=30.0)
# A sync holds its queue this long at a time; a heartbeat renews it every quarter of it while the
# run waits on Jakamo, so a killed worker's hold runs out within this and the next run takes over.
JAKAMO_SYNC_LEASE_SECONDS = env.float("JAKAMO_SYNC_LEASE_SECONDS", default=8.0)
# Whether a sync applies what it fetched while it still fetches, or once its fetching ends (the
# default: measured faster on both databases; exchange.inbox.applies_while_fetching).
JAKAMO_APPLY_WHILE_FETCHING = env.bool("JAKAMO_APPLY_WHILE_FETCHING", default=False)
# Jakamo webhooks into the portal (exchange.webhooks): how long an access token from the portal's
# webhook token endpoint lives; how long a webhook may stay silent before its integration's health
# says so; and how far the queue's polling stretches while the webhook delivers (never below the
# integration's own interval; polling never stops, since Jakamo retries only new sales orders).
JAKAMO_WEBHOOK_TOKEN_SECONDS = env.int("JAKAMO_WEBHOOK_TOKEN_SECONDS", default=3600)
JAKAMO_WEBHOOK_SILENT_MINUTES = env.int("JAKAMO_WEBHOOK_SILENT_MINUTES", default=60)
JAKAMO_WEBHOOK_POLL_INTERVAL = env.int("JAKAMO_WEBHOOK_POLL_INTERVAL", default=900)
# The outbox's first retry waits this long, then twice as long each time (capped at an hour).
JAKAMO_OUTBOX_BACKOFF_SECONDS = env.float("JAKAMO_OUTBOX_BACKOFF_SECONDS", default=30.0)

# The one limit on a request body: Django's own (so a body it would refuse never reaches a view) and
# the one every endpoint checks first, to answer in its own format (JSON, Jakamo's <Errors>) and
# record it. Documents are read by jakamo.xmlsafe, which never reads more than its own ceiling.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_BODY_BYTES", default=10 * 1024 * 1024)
if not 0 < DATA_UPLOAD_MAX_MEMORY_SIZE <= xmlsafe.MAX_XML_BYTES:
    raise ImproperlyConfigured(f"MAX_BODY_BYTES must be from 1 to {xmlsafe.MAX_XML_BYTES} bytes.")

# Operations: links in e-mails, alert thresholds, the digest's limits, retention of raw bodies.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Jakamo Portal <portal@localhost>")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
ALERT_NO_SYNC_MINUTES = env.int("ALERT_NO_SYNC_MINUTES", default=60)
ALERT_CONSECUTIVE_FAILURES = env.int("ALERT_CONSECUTIVE_FAILURES", default=3)
ALERT_FAILED_MESSAGES = env.int("ALERT_FAILED_MESSAGES", default=10)
UNCONFIRMED_AFTER_DAYS = env.int("UNCONFIRMED_AFTER_DAYS", default=3)
DECISION_AFTER_HOURS = env.int("DECISION_AFTER_HOURS", default=24)
RETENTION_DAYS = env.int("RETENTION_DAYS", default=90)
HEALTH_HEARTBEAT_MAX_AGE = env.int("HEALTH_HEARTBEAT_MAX_AGE", default=180)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes logs every sign-in at INFO; its lockouts come at WARNING.
    "loggers": {"django.server": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Only a local production-like stack over plain HTTP (make prodlike) turns these off.
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
