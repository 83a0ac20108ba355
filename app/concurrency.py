"""What settles races in the database, not in Python: a per-row lock around a
check-and-write, and an insert that yields to the row a concurrent request made.

Both work on PostgreSQL and SQLite. PostgreSQL locks the one row; SQLite has a single
writer, so a transaction that must check and then write takes the write lock first
(BEGIN IMMEDIATE) and holds it until it ends.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db


def lock_row(model, row_id: int) -> None:
    """Serialize on one row until the transaction ends: whoever comes second waits here,
    then reads what the first wrote. Call it before reading what the decision depends on."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        # pysqlite opens a transaction only at the first write. Without one, take the
        # write lock now; with one, an earlier write of this transaction already holds it.
        if not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    # FOR NO KEY UPDATE: inserts that only reference the row (foreign keys) go on.
    db.session.execute(select(model.id).where(model.id == row_id).with_for_update(key_share=True))


def dialect_insert(dialect_name: str):
    """The INSERT of the database in use, with ON CONFLICT (PostgreSQL's or SQLite's)."""
    return pg_insert if dialect_name == "postgresql" else sqlite_insert


def insert_unless_exists(model, **values) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING: True when this call made the row, False when it
    already existed. A concurrent insert of the same key makes this wait for the other
    transaction and then give way, so a duplicate never raises."""
    insert = dialect_insert(db.session.connection().dialect.name)
    table = model.__table__
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(*table.primary_key.columns)
    )
    return db.session.execute(statement).first() is not None
