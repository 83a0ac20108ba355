"""The cache that every process and instance of the app shares.

With `REDIS_URL` set it lives in Redis; without it, in the app's database (table
`cache_entry`), so the embedded default needs no extra service. Either way, what one
instance stores, the others read, and what one deletes is gone for all: a cache entry
never lets two instances answer differently.

Values are bytes with a lifetime in seconds. A cache is never the only copy of anything:
when the store cannot be reached, `get` answers a miss and `set`/`delete` do nothing
(logged), and the caller computes the value from the database.

What stays in a process's memory, by design (each says so where it is defined): values
that are pure functions of their key, so every process computes the same value and nothing
has to be shared. They are the hashes of static files (the key is the file, whose content
is fixed for a release), statements compiled from code (app/feeds/feed.py), the forms'
field table (app/web.py), public holidays and time zones (app/school/calendar.py,
app/talks/ics.py), and the feed bodies keyed by their content fingerprint
(app/feeds/views.py).
"""

from __future__ import annotations

import logging
import random
import time

from flask import Flask, current_app
from sqlalchemy import Float, LargeBinary, String, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from app.concurrency import dialect_insert
from app.extensions import db

log = logging.getLogger(__name__)

CLEANUP_EVERY = 200


class CacheEntry(db.Model):
    """A cached value; `expires_at` is seconds since the epoch."""

    __tablename__ = "cache_entry"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class DatabaseCache:
    """Entries in the app's database, each call in its own short transaction."""

    kind = "database"

    def get(self, key: str) -> bytes | None:
        table = CacheEntry.__table__
        query = select(table.c.value).where(table.c.key == key, table.c.expires_at > time.time())
        try:
            with db.engine.connect() as connection:
                return connection.scalar(query)
        except SQLAlchemyError:
            log.exception("cache: get failed")
            return None

    def set(self, key: str, value: bytes, seconds: float) -> None:
        table = CacheEntry.__table__
        now = time.time()
        insert = dialect_insert(db.engine.dialect.name)
        statement = (
            insert(table)
            .values(key=key, value=value, expires_at=now + seconds)
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={"value": value, "expires_at": now + seconds},
            )
        )
        try:
            with db.engine.begin() as connection:
                connection.execute(statement)
                if random.randrange(CLEANUP_EVERY) == 0:
                    connection.execute(delete(table).where(table.c.expires_at < now))
        except SQLAlchemyError:
            log.exception("cache: set failed")

    def delete(self, key: str) -> None:
        table = CacheEntry.__table__
        try:
            with db.engine.begin() as connection:
                connection.execute(delete(table).where(table.c.key == key))
        except SQLAlchemyError:
            log.exception("cache: delete failed")


class RedisCache:
    """Entries in Redis under one prefix, expiring by Redis's own clock."""

    kind = "redis"
    PREFIX = "mentorskap:cache:"

    def __init__(self, url: str):
        import redis

        self._errors = redis.RedisError
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def get(self, key: str) -> bytes | None:
        try:
            return self.client.get(self.PREFIX + key)
        except self._errors:
            log.exception("cache: get failed")
            return None

    def set(self, key: str, value: bytes, seconds: float) -> None:
        try:
            self.client.set(self.PREFIX + key, value, px=max(1, int(seconds * 1000)))
        except self._errors:
            log.exception("cache: set failed")

    def delete(self, key: str) -> None:
        try:
            self.client.delete(self.PREFIX + key)
        except self._errors:
            log.exception("cache: delete failed")


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions["shared_cache"] = RedisCache(url) if url else DatabaseCache()


def shared_cache() -> DatabaseCache | RedisCache:
    return current_app.extensions["shared_cache"]
