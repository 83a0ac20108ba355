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
    What the request added is written first, as the ORM's own query would (autoflush):
    a guardian added in this transaction is told too."""
    db.session.flush()
    return [_GUARDIAN.entity(row) for row in _GUARDIANS.all(student=student_id)]
