"""Sharing a written assessment twice at once, over real parallel HTTP requests on the
test's database (SQLite or PostgreSQL: run with --db=postgresql): one share, one mail per
guardian, never a 500."""

from __future__ import annotations

from sqlalchemy import func, select

from app.audit import AuditEvent
from app.extensions import db
from app.outbox import OutboxMessage
from app.teaching.models_assessment import WrittenAssessment
from tests.teaching.assessment_data import oskar_ready
from tests.test_concurrency import ATTEMPTS, Browser, all_at_once, assert_no_server_errors, running

FORM = {
    "status_SV": "at_risk",
    "text_SV": "Läser mer hemma.",
    "status_EN": "on_track",
    "text_EN": "Bra.",
    "status_MA": "needs_support",
    "text_MA": "Öva tabeller.",
    "status_MU": "on_track",
    "text_MU": "",
    "action": "share",
}


def test_mentor_and_comentor_share_at_once_one_mail_per_guardian(app):
    """Karin and Jonas both press "Save and share" on Oskar's assessment, 25 times each at
    the same moment: it is shared once, and each of his two guardians gets one mail."""
    with app.app_context():
        ids = oskar_ready()
        mails_before = db.session.scalar(select(func.count(OutboxMessage.id)))
    path = f"/talks/periods/{ids['P7A']}/students/{ids['OSKAR']}/assessment"
    with running(app) as port:
        calls = []
        for role in ("mentor", "comentor"):
            browser = Browser(port).sign_in(role)
            fields = browser.hidden_fields(path)  # the first opening makes the draft
            calls += [(browser, "POST", path, {**fields, **FORM})] * (ATTEMPTS // 2)
        answers = all_at_once(calls)
    assert_no_server_errors(answers)
    assert all(a.status == 303 for a in answers), sorted(a.status for a in answers)
    with app.app_context():
        assert db.session.scalar(select(WrittenAssessment.state)) == "shared"
        shares = db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "assessment.shared")
        )
        assert shares == 1
        recipients = db.session.scalars(
            select(OutboxMessage.recipient).order_by(OutboxMessage.id).offset(mails_before)
        ).all()
        assert sorted(recipients) == ["guardian2@example.org", "guardian@example.org"]
