"""Rate-limit counters in the app's database: the embedded default storage of Flask-Limiter.

Every worker and every instance of the app counts in the same table, so a limit of five
means five whether one process answers or many. The storage implements the `limits`
library's storage interface and registers itself for the scheme `database://`
(RATELIMIT_STORAGE_URI's default); `redis://...` selects limits' Redis storage instead.

A counter is one row per key: an atomic INSERT ... ON CONFLICT DO UPDATE (SQLite and
PostgreSQL alike) adds to it, or starts it again when its window has passed, and returns
the new count, so concurrent requests never lose a count. Each call runs in its own short
transaction on its own connection, independent of the request's session. Rows of passed
windows are deleted now and then on write (one write in CLEANUP_EVERY), which keeps the
table small without a scheduled job.
"""

from __future__ import annotations

import random
import time

from limits.storage import Storage
from sqlalchemy import Float, Integer, String, case, delete, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from app.concurrency import dialect_insert
from app.extensions import db

CLEANUP_EVERY = 200


class RateLimitCounter(db.Model):
    """A counter of a rate limit or a sign-in delay; `expires_at` is seconds since the epoch."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class DatabaseStorage(Storage):
    """`limits` storage over the app's SQLAlchemy engine (fixed windows)."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        table = RateLimitCounter.__table__
        engine = db.engine
        insert = dialect_insert(engine.dialect.name)
        passed = table.c.expires_at <= now
        statement = (
            insert(table)
            .values(key=key, count=amount, expires_at=now + expiry)
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    # A passed window starts again at this request's amount.
                    "count": case((passed, amount), else_=table.c.count + amount),
                    "expires_at": case((passed, now + expiry), else_=table.c.expires_at),
                },
            )
            .returning(table.c.count)
        )
        with engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
            if random.randrange(CLEANUP_EVERY) == 0:
                connection.execute(delete(table).where(table.c.expires_at < now))
        return count

    def get(self, key: str) -> int:
        table = RateLimitCounter.__table__
        with db.engine.connect() as connection:
            count = connection.scalar(
                select(table.c.count).where(table.c.key == key, table.c.expires_at > time.time())
            )
        return count or 0

    def get_expiry(self, key: str) -> float:
        table = RateLimitCounter.__table__
        now = time.time()
        with db.engine.connect() as connection:
            expires_at = connection.scalar(
                select(table.c.expires_at).where(table.c.key == key, table.c.expires_at > now)
            )
        return expires_at or now

    def check(self) -> bool:
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        table = RateLimitCounter.__table__
        with db.engine.begin() as connection:
            connection.execute(delete(table).where(table.c.key == key))
