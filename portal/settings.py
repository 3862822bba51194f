"""Yiwang settings: one file, every value from the environment.

The defaults are the embedded mode (SQLite, eager Celery, local-memory cache, files
on disk). With DEBUG off the defaults are production-safe: HTTPS only, secure
cookies, HSTS, and a SECRET_KEY that must come from the environment.
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("YIWANG_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "embedded-mode-only-not-a-secret-" + "x" * 32

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "simple_history",
    "portal.accounts",
    "portal.cases",
    "portal.bench",
    "portal.notifications",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "grid",
    "grid.whistle",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.notifications.context_processors.unread",
            ],
            # {% url %} through portal.kept_urls.kept_reverse: the same tag,
            # each answer worked out once per process.
            "builtins": ["portal.kept_urls"],
        },
    },
]

DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'yiwang.sqlite3'}"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the dev server read while a command writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL;"
    )
else:
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, reading timestamps with psycopg's C code
        # (portal/postgresql/base.py).
        DATABASES["default"]["ENGINE"] = "portal.postgresql"
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    # Test databases (pytest-xdist's too) are UTF-8 from template0, so they get
    # the cluster's UTF-8 locale that pg_trgm needs for Chinese text.
    DATABASES["default"]["TEST"] = {"TEMPLATE": "template0", "CHARSET": "UTF8"}
    # A "SELECT 1" before the first query of each request on a reused
    # connection: one round trip a request, for a clean reconnect after a
    # database restart (see docs/deployment.md).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool(
        "DB_CONN_HEALTH_CHECKS", default=True
    )
    # work_mem for every query of the site's connections (docs/deployment.md):
    # at 10M cases a clerk's bitmaps of one unit AND the overdue cases or a
    # search word's titles go lossy in the server's default 4 MB and 1.1M
    # rows are checked again (8.4 s for ?colour=red's count); 32 MB keeps
    # them exact. Set on the connection, not per query: no transaction and
    # no SET round trip per request. Empty: the server's own setting.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    # Prepared statements, for the few constant queries that go through
    # portal.prepared.prepared_cursor (Django's own cursors bind on the
    # client and are never prepared): "0" prepares them on their first run
    # on a connection; empty turns them off (needed behind a
    # transaction-pooling PgBouncer before 1.21; docs/deployment.md).
    prepare_threshold = env.str("DB_PREPARE_THRESHOLD", default="0")
    options["prepare_threshold"] = int(prepare_threshold) if prepare_threshold else None
    work_mem = env.str("DB_WORK_MEM", default="32MB")
    if work_mem:
        options["options"] = " ".join(
            part for part in (options.get("options"), f"-c work_mem={work_mem}") if part
        )

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://yiwang")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Django's, with one redis-py client kept per pool (portal.redis_cache).
    CACHES["default"]["BACKEND"] = "portal.redis_cache.KeptClientRedisCache"
# Sessions are read on every logged-in request: from the shared cache when
# there is one (CACHE_URL, e.g. Redis), written through to the database so
# that none is lost when the cache restarts. A per-process local-memory cache
# is not shared by the workers, so without CACHE_URL sessions stay in the
# database only.
SESSION_ENGINE = env.str(
    "SESSION_ENGINE",
    default=(
        "django.contrib.sessions.backends.cached_db"
        if env.str("CACHE_URL", default="")
        else "django.contrib.sessions.backends.db"
    ),
)

# Django's form renderer, with plain inputs and textareas drawn in Python
# (portal.form_renderer).
FORM_RENDERER = "portal.form_renderer.FormRenderer"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "portal.accounts.backends.UsernameOrMobileBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-guardian: no anonymous user row; our selectors never read global perms.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "portal.static_storage.StaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded case files live outside the web root and are served only through
# permission-checked views; there is deliberately no MEDIA_URL route.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "private")))
MEDIA_URL = "/no-public-media/"
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# No index on the history rows' time (simple-history's default): every history
# read is one record's rows (by its id's index) in time order, and the
# district's audit trail by time is portal.audit's (indexed). The two largest
# copies, cases and timeline entries, carried 108 MB of such index each per
# million cases, written on every workflow step and read by nothing.
SIMPLE_HISTORY_DATE_INDEX = False

# Celery: eager in the embedded mode, a real broker when CELERY_BROKER_URL is set.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Beat only says "look now": what is due is read from the database each time.
CELERY_BEAT_SCHEDULE = {
    "scan-case-deadlines": {
        "task": "cases.scan_deadlines",
        "schedule": env.float("DEADLINE_SCAN_SECONDS", default=300.0),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# SMS: a backend class in the shape of Django's e-mail backends
# (portal.notifications.backends); a deployment names its gateway's class here.
SMS_BACKEND = env.str(
    "SMS_BACKEND", default="portal.notifications.backends.FileSmsBackend"
)
SMS_FILE_PATH = VAR_DIR / "outbox" / "sms"

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "outbox" / "email"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@yiwang.local")

# Security: safe by default when DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG
)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Lax, not Strict: a resident who follows the link in an SMS arrives logged in.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Content-Security-Policy (django-csp 4: one dict, see docs/security.md "Web
# layer"). Everything a page loads comes from the site itself; no inline
# script, style or event handler anywhere (Swagger UI is served by the split
# view, whose start-up script is a file too).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# What `manage.py load_demo` runs, in order; each part adds its own demo rows.
DEMO_LOADERS = [
    "portal.accounts.demo.load",
    "portal.cases.demo.load",
    "grid.demo.load",
    "grid.whistle.demo.load",
]

# Name of the account that commands and Celery tasks act as in history rows.
SYSTEM_USERNAME = "system"

# The phone API (/api/v1/): JSON only, JWT for the phones and the session for
# the docs page; deny by default; one error shape {message, extra}.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# Phone login: short access tokens, rotating refresh tokens, revocable (the
# blacklist app records every rotated or logged-out refresh token).
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": datetime.timedelta(
        minutes=env.int("JWT_ACCESS_MINUTES", default=10)
    ),
    "REFRESH_TOKEN_LIFETIME": datetime.timedelta(
        days=env.int("JWT_REFRESH_DAYS", default=7)
    ),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# OpenAPI 3 at /api/v1/schema/; Swagger UI served by the site itself
# (drf-spectacular-sidecar), never from a CDN. (No Redoc page: drf-spectacular's
# Redoc template loads web fonts from a font CDN.)
SPECTACULAR_SETTINGS = {
    "TITLE": "Yiwang API",
    "DESCRIPTION": "The grid workers' phone API: log in, report events, follow "
    "and handle them through the three-level flow.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No call to the public validator service (Swagger UI's default).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
}


# -- Accounts and sessions security (issue 7) --------------------------------
# What each rule answers is in docs/security.md, "Accounts and sessions".
# Kept in one block; every number can be changed from the environment.

# Passwords: 12 characters and not a common password for everyone (above);
# staff also need three of four character classes and a new password every
# PASSWORD_MAX_AGE_STAFF_DAYS days (portal/accounts/passwords.py).
AUTH_PASSWORD_VALIDATORS += [
    {"NAME": "portal.accounts.passwords.StaffCharacterClassesValidator"},
]
PASSWORD_MAX_AGE_STAFF_DAYS = env.int("PASSWORD_MAX_AGE_STAFF_DAYS", default=90)

# The middleware that applies the rules below to every request, right after
# the user is known.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "portal.accounts.middleware.AccountSecurityMiddleware",
)

# Second factor for staff (django-otp, portal/accounts/second_factor.py): a
# TOTP app (RFC 6238, 30-second codes) and single-use backup codes. Repeated
# wrong codes are slowed down (1, 2, 4, ... seconds). Whether a session has
# passed it is read from the session (no django_otp middleware: it would
# load the device on every request).
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Yiwang")
# The admin lists devices (an administrator deletes a lost phone's, and its
# owner enrols again at the next login) but never shows a key or a code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Login lockout (django-axes, portal/accounts/lockout.py): the
# AXES_FAILURE_LIMIT-th failure in a row locks the account, on every door
# (site, admin, API token), for AXES_COOLOFF_TIME, even with the right
# password and from any address. Counted per account, whichever of username
# or mobile number was typed; a successful login starts the count again.
# An administrator unlocks early in the admin ("Access attempts") or with
# `manage.py axes_reset_username USERNAME`.
INSTALLED_APPS += ["axes"]
AUTHENTICATION_BACKENDS = [
    "portal.accounts.backends.LockoutBackend",
    *AUTHENTICATION_BACKENDS,
]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30)
)
AXES_LOCKOUT_PARAMETERS = ["username"]
# Not by address as well (axes.W006): residents behind a carrier's NAT and a
# whole street office behind one address would lock each other out, and
# anyone could lock out an office with five tries. Guessing one password
# across many accounts meets the 12-character and common-password rules.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
# A try during the lockout does not restart it: locked for exactly 30 minutes.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "portal.accounts.lockout.account_key"
AXES_LOCKOUT_CALLABLE = "portal.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "portal.accounts.lockout.client_ip"
# How many reverse proxies of ours append to X-Forwarded-For in front of the
# site (nginx with `proxy_add_x_forwarded_for`: 1). 0, the default, believes
# only REMOTE_ADDR: a client could write any X-Forwarded-For it likes.
CLIENT_IP_PROXY_COUNT = env.int("CLIENT_IP_PROXY_COUNT", default=0)

# Sessions (portal/accounts/sessions.py), in seconds; 0 turns a limit off.
# Staff: 15 minutes idle, 8 hours in all; residents: 30 minutes idle, 12
# hours in all. Logging out, or changing the password, ends every session of
# the user on every device; Django gives a new session id at login.
SESSION_IDLE_TIMEOUT_STAFF = env.int("SESSION_IDLE_TIMEOUT_STAFF", default=15 * 60)
SESSION_ABSOLUTE_TIMEOUT_STAFF = env.int(
    "SESSION_ABSOLUTE_TIMEOUT_STAFF", default=8 * 60 * 60
)
SESSION_IDLE_TIMEOUT_RESIDENT = env.int(
    "SESSION_IDLE_TIMEOUT_RESIDENT", default=30 * 60
)
SESSION_ABSOLUTE_TIMEOUT_RESIDENT = env.int(
    "SESSION_ABSOLUTE_TIMEOUT_RESIDENT", default=12 * 60 * 60
)
# The cookie outlives no session: the longest absolute limit.
SESSION_COOKIE_AGE = max(
    SESSION_ABSOLUTE_TIMEOUT_STAFF, SESSION_ABSOLUTE_TIMEOUT_RESIDENT
) or (14 * 24 * 60 * 60)
# -- end of accounts and sessions security


# -- Sensitive data and audit (issue 7) ---------------------------------------
# What each choice answers is in docs/security.md, "Sensitive personal data"
# and "Security audit log".
INSTALLED_APPS += ["portal.crypto", "portal.audit"]
# Sets the request that audit records take the client address from.
MIDDLEWARE.append("portal.audit.context.AuditRequestMiddleware")

# Field encryption (portal/crypto): AES-256-GCM keys, base64 of 32 bytes,
# comma-separated, the first one encrypts, all of them decrypt (rotation:
# put the new key first, run `manage.py rotate_encryption_keys`, then drop the
# old one). The blind-index key (HMAC-SHA256 for exact lookups) is separate.
# Both come from the environment only; without them the site refuses to
# start unless DEBUG is on, which gets a fixed, public development key.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
FIELD_BLIND_INDEX_KEY = env.str("FIELD_BLIND_INDEX_KEY", default="")
if not FIELD_ENCRYPTION_KEYS or not FIELD_BLIND_INDEX_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS and FIELD_BLIND_INDEX_KEY must be set when "
            "DEBUG is off (see docs/security.md, 'Sensitive personal data')."
        )
    import sys

    print(
        "WARNING: FIELD_ENCRYPTION_KEYS / FIELD_BLIND_INDEX_KEY not set: using "
        "the public development keys. Never run a real district like this.",
        file=sys.stderr,
    )
    # base64 of b"yiwang-dev-only-field-key-32byte" / b"yiwang-dev-only-blind-index-key!"
    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [
        "eWl3YW5nLWRldi1vbmx5LWZpZWxkLWtleS0zMmJ5dGU="
    ]
    FIELD_BLIND_INDEX_KEY = (
        FIELD_BLIND_INDEX_KEY or "eWl3YW5nLWRldi1vbmx5LWJsaW5kLWluZGV4LWtleSE="
    )

# Audit log (portal/audit): kept at least 180 days (网络安全法 第二十一条);
# a smaller AUDIT_RETENTION_DAYS is raised to 180. The client address is
# REMOTE_ADDR unless a trusted reverse proxy sets a header named here
# (e.g. HTTP_X_REAL_IP).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
AUDIT_ADDRESS_HEADER = env.str("AUDIT_ADDRESS_HEADER", default="REMOTE_ADDR")
CELERY_BEAT_SCHEDULE["prune-audit-log"] = {
    "task": "audit.prune",
    "schedule": 24 * 60 * 60.0,
}
DEMO_LOADERS.append("portal.audit.demo.load")