"""Settings from the environment, with defaults that are safe for development."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

DEV_SECRET_KEY = "dev-only-insecure-key"  # noqa: S105 - refused outside development

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'mentorskap.sqlite3'}"
    # Heroku-style URLs name the old driver; psycopg 3 is the one installed.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _ratelimit_storage_uri() -> str:
    """Where rate limits count: RATELIMIT_STORAGE_URI if given, else Redis when REDIS_URL is
    set (the store the instances share), else the app's database (no extra service)."""
    return os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "database://"


def from_environment() -> dict:
    """Build the Flask config mapping from environment variables."""
    env = os.environ.get("MENTORSKAP_ENV", "development")
    production = env == "production"
    return {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Sessions: cookies never readable from JS, sent on top-level navigation only.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        # The cookie keeps the form token and language for 30 days; being signed in ends
        # after 12 idle hours (30 days with "stay signed in"), decided on the server, so a
        # form typed before it ran out still passes the CSRF check and its text is kept.
        "PERMANENT_SESSION_LIFETIME": timedelta(days=30),
        "SIGNIN_IDLE_LIFETIME": timedelta(hours=12),
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        # Talisman: redirect to HTTPS and send HSTS only where the app is served over HTTPS.
        "FORCE_HTTPS": _bool("FORCE_HTTPS", production),
        # What the instances share besides the database: with REDIS_URL, rate limits and
        # caches live in Redis; without it, in the app's database (app/cache.py).
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        # Rate limits and sign-in delays count in shared storage, never in a process's
        # memory: the app's database (database://, app/ratelimit.py) unless e.g. redis://.
        "RATELIMIT_STORAGE_URI": _ratelimit_storage_uri(),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # Per feed link: calendar apps refresh hourly at most; a loop somewhere gets 429.
        "FEED_RATE_LIMIT": os.environ.get("FEED_RATE_LIMIT", "60 per minute"),
        # Behind a reverse proxy, trust this many hops of X-Forwarded-* headers.
        "PROXY_FIX_HOPS": int(os.environ.get("PROXY_FIX_HOPS", "0")),
        # E-mail: the outbox is delivered by the worker `flask outbox work`.
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Mentorskap <no-reply@mentorskap.invalid>"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "587")),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", True),
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", "5")),
        # A worker holds the messages it claimed this long; if it dies, another takes them.
        "OUTBOX_LEASE_SECONDS": int(os.environ.get("OUTBOX_LEASE_SECONDS", "300")),
        # Absolute links in e-mail (sign-in links) need the public base URL.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        "SIGNIN_LINK_MINUTES": 15,
        "PASSWORD_RESET_MINUTES": 60,
        # An invitation is a one-time sign-in link that waits longer in the inbox.
        "INVITATION_DAYS": 14,
        # Uploads (import files) are refused above this size.
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        # Argon2id at OWASP's recommended minimum (19 MiB, 2 passes): ~30 ms a sign-in,
        # so a booking evening's sign-in rush fits on two cores. Tests lower them.
        "ARGON2_TIME_COST": int(os.environ.get("ARGON2_TIME_COST", "2")),
        "ARGON2_MEMORY_COST": int(os.environ.get("ARGON2_MEMORY_COST", "19456")),
        "BABEL_DEFAULT_LOCALE": "sv",
        # The pseudo-locale "[Ƥşéûđö]" in the language switch, for finding clipped text.
        "PSEUDO_LOCALE": _bool("PSEUDO_LOCALE", not production),
        "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
        # Static files carry a content hash in their URL, so they may be cached for a year.
        "SEND_FILE_MAX_AGE_DEFAULT": timedelta(days=365),
    }


def check_production_safety(config: dict) -> None:
    """Refuse to start in production with the development secret key."""
    if config.get("ENV_NAME") == "production" and config.get("SECRET_KEY") in (
        None,
        "",
        DEV_SECRET_KEY,
    ):
        raise RuntimeError(
            "SECRET_KEY must be set to a long random value when MENTORSKAP_ENV=production."
        )
