"""What is kept only for a while is deleted once its time has passed, and nothing else."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import outbox, retention
from app.absence.models import AbsenceImport
from app.admin.models import ImportBatch
from app.db_types import utcnow
from app.extensions import db
from app.outbox import OutboxMessage
from app.people.models import SignInToken, User, UserSession
from app.school.models import School, SchoolYear
from app.submissions import Submission
from tests.conftest import sign_in


def _user(email="guardian@example.org"):
    return db.session.scalar(select(User).where(User.email == email))


def _mail(**times):
    return OutboxMessage(recipient="a@example.org", subject="s", body_text="t", **times)


def _school_id():
    return db.session.scalar(select(School.id))


def _upload(user, **times):
    year_id = db.session.scalar(select(SchoolYear.id))
    return ImportBatch(
        school_id=_school_id(), school_year_id=year_id, created_by_id=user.id, **times
    )


def _link(user, letter, expires_at):
    return SignInToken(
        user_id=user.id, token_hash=letter * 64, purpose="signin", expires_at=expires_at
    )


def test_sweep_deletes_what_has_passed_and_keeps_the_rest(ctx):
    now = utcnow()
    user = _user()
    old, recent = now - timedelta(days=31), now - timedelta(days=29)
    rows = {
        "old key": Submission(user_id=user.id, key="old", created_at=old),
        "recent key": Submission(user_id=user.id, key="recent", created_at=recent),
        "old ended session": UserSession(
            user_id=user.id, token_hash="a" * 64, expires_at=now + timedelta(days=1), ended_at=old
        ),
        "recently ended session": UserSession(
            user_id=user.id, token_hash="b" * 64, expires_at=now, ended_at=recent
        ),
        "long expired session": UserSession(user_id=user.id, token_hash="c" * 64, expires_at=old),
        "live session": UserSession(
            user_id=user.id,
            token_hash="d" * 64,
            created_at=old,
            expires_at=now + timedelta(hours=1),
        ),
        "old link": SignInToken(
            user_id=user.id,
            token_hash="e" * 64,
            purpose="signin",
            expires_at=now - timedelta(days=8),
        ),
        "fresh link": SignInToken(
            user_id=user.id,
            token_hash="f" * 64,
            purpose="signin",
            expires_at=now - timedelta(days=6),
        ),
        "old delivered mail": _mail(sent_at=old),
        "recent delivered mail": _mail(sent_at=recent),
        "waiting mail": _mail(created_at=old),
        "old undeliverable mail": _mail(failed_at=now - timedelta(days=91)),
        "undeliverable mail": _mail(failed_at=now - timedelta(days=60)),
        "old upload": _upload(user, created_at=now - timedelta(hours=25)),
        "fresh upload": _upload(user, created_at=now - timedelta(hours=23)),
        "old confirmed upload": _upload(user, created_at=old, applied_at=old),
        "old absence upload": AbsenceImport(
            school_id=_school_id(), name="f.csv", text="x", created_at=now - timedelta(days=2)
        ),
        "old confirmed absence upload": AbsenceImport(
            school_id=_school_id(), name="f.csv", created_at=old, applied_at=old
        ),
    }
    db.session.add_all(rows.values())
    db.session.commit()
    ids = {name: (type(row), row.id) for name, row in rows.items()}

    deleted = retention.sweep(now)

    gone = {name for name, (model, id_) in ids.items() if db.session.get(model, id_) is None}
    assert gone == {
        "old key",
        "old ended session",
        "long expired session",
        "old link",
        "old delivered mail",
        "old undeliverable mail",
        "old upload",
        "old absence upload",
    }
    assert deleted["send keys"] >= 1 and deleted["delivered mail"] >= 1
    # A second sweep finds nothing more of ours to delete.
    assert all(count == 0 for count in retention.sweep(now).values())


def test_a_signed_in_browser_stays_signed_in_after_the_sweep(app):
    client = app.test_client()
    assert sign_in(client, "guardian@example.org").status_code == 303
    with app.app_context():
        retention.sweep(utcnow() + timedelta(days=1))
    assert client.get("/home/guardian").status_code == 200


def test_the_command_reports_each_rule(app):
    result = app.test_cli_runner().invoke(args=["retention", "sweep"])
    assert result.exit_code == 0
    for name in [rule.name for rule in retention.RULES] + list(retention.CLEARS):
        assert f"{name}: " in result.output


def test_the_mail_worker_sweeps(app):
    with app.app_context():
        key = Submission(user_id=_user().id, key="k", created_at=utcnow() - timedelta(days=40))
        db.session.add(key)
        db.session.commit()
        key_id = key.id
        outbox.work(lambda _: None, once=True)
        assert db.session.get(Submission, key_id) is None
