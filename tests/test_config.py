"""Settings from the environment, and refusing to run insecurely in production."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import from_environment


def test_production_refuses_the_default_secret_key(monkeypatch):
    monkeypatch.setenv("MENTORSKAP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_with_a_key_has_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("MENTORSKAP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite3'}")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["FORCE_HTTPS"]


def test_database_url_selects_psycopg_for_postgresql(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal/mentorskap")
    assert from_environment()["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://u:p@db.internal/mentorskap"
    )


def test_default_database_is_sqlite_in_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = from_environment()["SQLALCHEMY_DATABASE_URI"]
    assert url.startswith("sqlite:///") and url.endswith("instance/mentorskap.sqlite3")


def test_redis_url_selects_redis_for_rate_limits_and_caches(monkeypatch, tmp_path):
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert from_environment()["RATELIMIT_STORAGE_URI"] == "database://"
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    assert from_environment()["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/0"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'r.sqlite3'}")
    assert create_app().extensions["shared_cache"].kind == "redis"
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://limits.internal:6379/1")
    assert from_environment()["RATELIMIT_STORAGE_URI"] == "redis://limits.internal:6379/1"
    monkeypatch.delenv("REDIS_URL")
    assert create_app().extensions["shared_cache"].kind == "database"
