"""A student's guardians: who is told about talks and leave."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from app.extensions import db
from app.people.models import Guardianship, User
from app.sql import Prepared, Row

_GUARDIAN = Row.of(User)


def _guardians_statement():
    return (
        select(*_GUARDIAN.columns)
        .join(Guardianship, Guardianship.guardian_id == User.id)
        .where(Guardianship.student_id == bindparam("student"), User.active.is_(True))
        .order_by(User.id)
    )


# Run on the cursor (app/sql.py): every booking, leave decision and notice asks it while
# its change is being written, and the ORM's loading cost several times the statement.
_GUARDIANS = Prepared(_guardians_statement)


def guardians_of(student_id: int) -> list[User]:
    """The student's active guardians, in a stable order, as entities of the session.
    Guardians and guardianships the request added or changed are written first, as the
    ORM's own query would (autoflush): a guardian added in this transaction is told too.
    Anything else waits for the commit, written together with the notices."""
    session = db.session()
    if any(
        isinstance(obj, User | Guardianship)
        for obj in (*session.new, *session.dirty, *session.deleted)
    ):
        session.flush()
    return [_GUARDIAN.entity(row) for row in _GUARDIANS.all(student=student_id)]
