"""Import batches and sending mail again, called directly: a confirmation says what became
of it (done, done already, not valid, changed since the preview) and writes only when done."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.admin import batches, importer, resend
from app.admin.models import ImportBatch
from app.audit import AuditEvent
from app.db_types import utcnow
from app.extensions import db
from app.outbox import OutboxMessage, queue_mail
from app.people.models import Student
from app.school.models import School, SchoolYear
from tests.admin.helpers import HEADER, students_csv
from tests.conftest import ACCOUNTS
from tests.talks.helpers import user


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield app


def _upload(text: str) -> ImportBatch:
    school = db.session.scalar(select(School))
    year = db.session.scalar(select(SchoolYear).where(SchoolYear.school_id == school.id))
    files = [{"name": "elever.csv", "text": text}]
    return batches.upload(school, year.id, files, user(ACCOUNTS["admin"]))


def _students() -> int:
    return db.session.scalar(select(func.count()).select_from(Student))


def _digest(batch: ImportBatch) -> str:
    return importer.plan(batch.school, batch.school_year, batch.files).digest()


def test_a_confirmation_writes_once_and_only_what_was_previewed(ctx):
    admin = user(ACCOUNTS["admin"])
    batch = _upload(students_csv(3))
    before = _students()
    changed = batches.confirm(batch, "not-the-preview", admin)
    assert changed.result == "changed" and changed.plan.ok
    assert _students() == before and batch.applied_at is None
    assert batches.confirm(batch, _digest(batch), admin) == batches.Confirmation("done")
    db.session.rollback()  # nothing left to lose: it was committed
    assert _students() == before + 3 and batch.files == []
    assert batches.confirm(batch, _digest(batch), admin) == batches.Confirmation("already_done")
    assert _students() == before + 3
    assert batches.discard(batch) is False  # a confirmed import stays on record


def test_a_file_with_errors_is_not_valid_and_writes_nothing(ctx):
    batch = _upload(HEADER + "\n19999999-9999;Fel;Nummer;7A;nej;;;;;;;;\n")
    before = _students()
    outcome = batches.confirm(batch, "anything", user(ACCOUNTS["admin"]))
    assert outcome.result == "not_valid" and not outcome.plan.ok
    assert _students() == before and batch.applied_at is None


def test_an_upload_drops_stale_unconfirmed_ones_and_discard_commits(ctx):
    stale = _upload(students_csv(1))
    stale.created_at = utcnow() - batches.KEEP_UNCONFIRMED - timedelta(minutes=1)
    db.session.commit()
    _upload(students_csv(2))
    db.session.expunge_all()
    kept = db.session.scalars(select(ImportBatch)).all()
    assert [b.files for b in kept] == [[{"name": "elever.csv", "text": students_csv(2)}]]
    assert batches.discard(kept[0]) is True
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_sending_again_starts_a_fresh_round_and_is_audited(ctx):
    queue_mail(
        "guardian@example.org",
        "signin_link",
        user=SimpleNamespace(first_name="A"),
        link="http://x/secret-link",
        minutes=5,
    )
    db.session.commit()
    message = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    message.failed_at, message.attempts = utcnow(), 5
    db.session.commit()
    admin = user(ACCOUNTS["admin"])
    resend.send_again(message, admin, 1)
    db.session.rollback()
    assert (message.failed_at, message.attempts) == (None, 0)
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (event.action, event.actor_id, event.school_id) == ("mail.retried", admin.id, 1)
