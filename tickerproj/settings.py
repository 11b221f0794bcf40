"""Ticker settings: everything comes from the environment (or a ``.env`` file).

With ``REDIS_URL`` unset Ticker runs on its embedded default: SQLite, an in-process
channel layer and an in-process scheduler, all in the one web process. With it set,
the same URL feeds Celery and the channel layer (the production shape).
"""

import warnings
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG and env.bool("TICKER_REQUIRE_SECRET_KEY", default=False):
        raise ImproperlyConfigured("SECRET_KEY must be set when TICKER_REQUIRE_SECRET_KEY is on")
    SECRET_KEY = "ticker-insecure-dev-key-set-SECRET_KEY-in-production"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "feeds",
    "workers",
    "dashboard",
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
    "tickerproj.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "tickerproj.urls"
ASGI_APPLICATION = "tickerproj.asgi.application"
WSGI_APPLICATION = None

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

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
elif "postgresql" in DATABASES["default"]["ENGINE"]:
    # A database that stops answering must fail fast: workers then poll from their cached feeds.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = True
# Static files are served from the finders until `collectstatic` has filled STATIC_ROOT.
warnings.filterwarnings("ignore", message="No directory at: .*staticfiles")
WHITENOISE_AUTOREFRESH = DEBUG

# Viewers sign in on the dashboard's own page (the admin's admits staff only).
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# The page's API errors are JSON, a refused CSRF check included.
CSRF_FAILURE_VIEW = "dashboard.views.csrf_failure"

# --- Redis: one URL for Celery, the channel layer and the snapshot store -------------
REDIS_URL = env("REDIS_URL", default="")
TICKER_REDIS_PREFIX = env("TICKER_REDIS_PREFIX", default="ticker")
# Subscribers burst: redis-py's asyncio pool defaults to 100 connections; size it.
REDIS_MAX_CONNECTIONS = env.int("REDIS_MAX_CONNECTIONS", default=1000)

# The core layer forgets group members after this many seconds; the hub renews well before.
TICKER_GROUP_EXPIRY = env.int("TICKER_GROUP_EXPIRY", default=86_400)

if REDIS_URL:
    _layer = env("TICKER_CHANNEL_LAYER", default="pubsub")
    if _layer not in ("pubsub", "core"):
        raise ImproperlyConfigured("TICKER_CHANNEL_LAYER must be 'pubsub' or 'core'")
    _host = {"address": REDIS_URL, "max_connections": REDIS_MAX_CONNECTIONS}
    if _layer == "pubsub":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [_host], "prefix": f"{TICKER_REDIS_PREFIX}:layer"},
            }
        }
    else:
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [_host],
                    "prefix": f"{TICKER_REDIS_PREFIX}:layer",
                    # The hub's one channel per process carries every symbol's updates.
                    "capacity": env.int("TICKER_LAYER_CAPACITY", default=10_000),
                    "expiry": 10,
                    "group_expiry": TICKER_GROUP_EXPIRY,
                },
            }
        }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Celery (production shape only) --------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = f"{TICKER_REDIS_PREFIX}.polls"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = False
# A worker never gives up on the broker (Redis restarts) and retries it every second at most.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CONSUMER = "workers.consumer:PromptReconnectConsumer"
TICKER_BROKER_RETRY_MAX_S = env.float("TICKER_BROKER_RETRY_MAX_S", default=1.0)
# Only acks_late tasks are affected (none here); set to silence Celery's pending-change warning.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Logs go through LOGGING below (one JSON line per event), in the worker and beat as in web.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-feeds": {
        "task": "workers.tasks.dispatch_due_feeds",
        "schedule": 1.0,
        # Just under the interval, so a missed dispatch never piles up behind a slow broker.
        "options": {"expires": 0.9},
    },
}

# --- Ticker behaviour -----------------------------------------------------------------
TICKER_EMBEDDED = not REDIS_URL
# The simulated upstream the demo feeds poll: this server itself unless told otherwise.
TICKER_DEMO_UPSTREAM = env(
    "TICKER_DEMO_UPSTREAM", default=f"http://127.0.0.1:{env('PORT', default='8000')}/demo"
)
# A published symbol (a game) no feed lists leaves the catalog this long after its last update.
TICKER_SYMBOL_RETENTION_S = env.float("TICKER_SYMBOL_RETENTION_S", default=3 * 3600)
TICKER_HISTORY_LEN = env.int("TICKER_HISTORY_LEN", default=500)
TICKER_MAX_RESPONSE_BYTES = env.int("TICKER_MAX_RESPONSE_BYTES", default=5 * 1024 * 1024)
TICKER_HUB_RECONCILE_S = env.float("TICKER_HUB_RECONCILE_S", default=2.0)
# Renew memberships at a third of the group expiry, so none lapses between two renewals.
TICKER_HUB_RENEW_S = env.float("TICKER_HUB_RENEW_S", default=min(60.0, TICKER_GROUP_EXPIRY / 3))
TICKER_SLOW_VIEWER_CLOSE_S = env.float("TICKER_SLOW_VIEWER_CLOSE_S", default=10.0)
# A viewer closed for being behind has this long to read up to its close frame (4001)
# before its TCP connection is dropped.
TICKER_SLOW_VIEWER_GRACE_S = env.float("TICKER_SLOW_VIEWER_GRACE_S", default=10.0)
# Kernel send buffer per WebSocket (bytes; 0 = the OS default): bounds how much stale data
# queues for a viewer that stopped reading before its outbox conflates (docs/performance.md).
TICKER_WS_SEND_BUFFER = env.int("TICKER_WS_SEND_BUFFER", default=64 * 1024)
TICKER_MAX_SUBSCRIPTIONS = env.int("TICKER_MAX_SUBSCRIPTIONS", default=200)
TICKER_MAX_FRAME_BYTES = env.int("TICKER_MAX_FRAME_BYTES", default=4096)

# --- WebSocket protocol limits and access (docs/protocol.md is the contract) -----------
# Incoming messages per connection: a token bucket of TICKER_WS_RATE_BURST refilled at
# TICKER_WS_RATE_PER_S; refused messages get `rate_limited`, and a client refused more
# than TICKER_WS_FLOOD_STRIKES times (refilling one a second) is closed with 1008.
TICKER_WS_RATE_PER_S = env.float("TICKER_WS_RATE_PER_S", default=10.0)
TICKER_WS_RATE_BURST = env.int("TICKER_WS_RATE_BURST", default=20)
TICKER_WS_FLOOD_STRIKES = env.int("TICKER_WS_FLOOD_STRIKES", default=20)
# Open sockets per client address in one web process; 0 = no limit.
TICKER_WS_MAX_PER_ADDRESS = env.int("TICKER_WS_MAX_PER_ADDRESS", default=0)
# A `heartbeat` frame to every socket this often (0 = off); dead peers are found by the
# server's WebSocket pings (uvicorn --ws-ping-interval / --ws-ping-timeout).
TICKER_WS_HEARTBEAT_S = env.float("TICKER_WS_HEARTBEAT_S", default=15.0)
# Browsers always send Origin, and it must match ALLOWED_HOSTS; other clients may omit it.
TICKER_WS_REQUIRE_ORIGIN = env.bool("TICKER_WS_REQUIRE_ORIGIN", default=False)
# Sign-in required for the page, the JSON APIs and the socket.
TICKER_LOGIN_REQUIRED = env.bool("TICKER_LOGIN_REQUIRED", default=False)
# Symbols in a signed-in viewer's watchlist kept on the server.
TICKER_WATCHLIST_MAX = env.int("TICKER_WATCHLIST_MAX", default=500)
# How often each web process writes its per-symbol viewer counts (to Redis, with a TTL).
TICKER_VIEWERS_PUBLISH_S = env.float("TICKER_VIEWERS_PUBLISH_S", default=5.0)

# One line per event. ``json`` (the default) for log shippers; ``text`` for reading by eye.
# ``feed`` and ``symbol`` travel as fields (``extra=``) where they apply.
LOG_FORMAT = env("LOG_FORMAT", default="json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'text'")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {"client_faults": {"()": "dashboard.logfilters.ClientFaultsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # uvicorn configures its own handlers before Django starts; route them here (levels stay
        # as ``--log-level`` set them).
        "uvicorn": {"handlers": ["console"], "propagate": False},
        "uvicorn.access": {"handlers": ["console"], "propagate": False},
        # A filter only: keeps client-caused tracebacks out of the log (dashboard/logfilters.py).
        "uvicorn.error": {"filters": ["client_faults"]},
        # One line per task received/succeeded drowns the feed events at one poll a second.
        "celery.app.trace": {"level": env("LOG_LEVEL_CELERY_TASKS", default="WARNING")},
        "celery.worker.strategy": {"level": env("LOG_LEVEL_CELERY_TASKS", default="WARNING")},
    },
}
