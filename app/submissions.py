"""Creating forms are idempotent: a form sent twice (double tap, two tabs, a resend after
a lost answer) creates one thing, and the second send is shown the first one's result.

Every creating form carries a hidden send key, new each time the form is shown
(`SendKeyMixin`). The first send with a key claims it in the `submission` table, unique
per (user, key), in the same transaction as what it creates, and records where the result
is shown. A later or concurrent send of the same key finds that row and goes there.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField
from wtforms.validators import Length, Optional

from app.concurrency import insert_unless_exists
from app.db_types import UTCDateTime, utcnow
from app.extensions import db

# What a second send of a form is told, on the page of the first send's result.
ALREADY_SENT = _l("This was already sent. Here is how it looks now.")


class Submission(db.Model):
    """One sent creating form: whose, its send key, and the page of what it created."""

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    result_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def new_key() -> str:
    return secrets.token_urlsafe(16)


class SendKeyMixin:
    """Adds the hidden send key to a FlaskForm; render it with `{{ form.submit_key }}`."""

    submit_key = HiddenField(default=new_key, validators=[Optional(), Length(max=64)])


def first_result(user, key: str | None) -> str | None:
    """Where the first send of this key was shown, if it was sent before (reading only).
    Ask before validating against the database, so that the second send is not told
    about what the first one made ("there is already a request for these days")."""
    if not key:
        return None
    return db.session.scalar(
        select(Submission.result_url).where(Submission.user_id == user.id, Submission.key == key)
    )


def claim(user, key: str | None) -> str | None:
    """Claim the send key in the current transaction. None: this send is the first, go on
    and create, then `finish`. Otherwise the first send's result URL: a concurrent first
    send is waited for by the database's unique key, so its result is there."""
    if not key:
        return None  # a form without a key (an old page, a script) is created as sent
    if insert_unless_exists(
        Submission, user_id=user.id, key=key, result_url="", created_at=utcnow()
    ):
        return None
    return first_result(user, key) or ""


def finish(user, key: str | None, result_url: str) -> None:
    if key:
        db.session.execute(
            update(Submission)
            .where(Submission.user_id == user.id, Submission.key == key)
            .values(result_url=result_url)
        )


def create_once(user, key: str | None, create: Callable[[], str]) -> tuple[str, bool]:
    """Run `create` (it adds rows and returns the URL that shows them) once per user and
    send key, and commit. Returns that URL and True, or the first send's URL and False."""
    first = claim(user, key)
    if first is not None:
        db.session.rollback()
        return first, False
    url = create()
    finish(user, key, url)
    db.session.commit()
    return url, True
