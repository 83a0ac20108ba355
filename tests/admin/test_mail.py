"""Undeliverable e-mail: listed for the school's admins (their school's people) and site
admins (all), and sent again on request, through a real SMTP server."""

from __future__ import annotations

import socket
from datetime import timedelta
from types import SimpleNamespace

from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.db_types import utcnow
from app.extensions import db
from app.outbox import OutboxMessage, deliver_pending, queue_mail
from app.school.models import School
from tests.conftest import ACCOUNTS, post_form, sign_in
from tests.test_outbox import Collect


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _signed_in(app, role: str):
    client = app.test_client()
    assert sign_in(client, ACCOUNTS[role]).status_code == 303
    return client


def _fail_twice(app, *recipients: str) -> None:
    """Queue a mail to each recipient and let every try fail (nothing listens)."""
    with app.app_context():
        for recipient in recipients:
            queue_mail(
                recipient,
                "signin_link",
                user=SimpleNamespace(first_name="A"),
                link="http://x/secret-link",
                minutes=5,
            )
        db.session.commit()
        later = utcnow()
        for _ in range(2):
            deliver_pending(now=later)
            later += timedelta(hours=1)


def test_undeliverable_mail_is_listed_for_the_right_admins_and_sent_again(make_app):
    dead = _free_port()
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=dead, SMTP_STARTTLS=False, MAIL_MAX_ATTEMPTS=2)
    _fail_twice(app, "guardian@example.org", "stranger@example.net")
    with app.app_context():
        school_id = db.session.scalar(select(School.id))
        failed = {m.recipient: m for m in db.session.scalars(select(OutboxMessage))}
        assert all(m.failed_at and m.attempts == 2 for m in failed.values())
        ours, theirs = failed["guardian@example.org"].id, failed["stranger@example.net"].id

    admin, site = _signed_in(app, "admin"), _signed_in(app, "site_admin")
    page = admin.get(f"/admin/schools/{school_id}/mail").get_data(as_text=True)
    assert "guardian@example.org" in page and "stranger@example.net" not in page
    assert "secret-link" not in page  # bodies may carry sign-in links: never shown
    assert "Skicka igen" in page and "Olevererad e-post" in page
    # Not the school's person: not the school admin's to retry.
    assert (
        post_form(
            admin,
            f"/admin/schools/{school_id}/mail/{theirs}/retry",
            {},
            page=f"/admin/schools/{school_id}/mail",
        ).status_code
        == 404
    )

    page = site.get("/admin/mail").get_data(as_text=True)
    assert "guardian@example.org" in page and "stranger@example.net" in page
    assert "/admin/mail" in site.get("/home/admin").get_data(as_text=True)  # from the home page

    response = post_form(
        admin,
        f"/admin/schools/{school_id}/mail/{ours}/retry",
        {},
        page=f"/admin/schools/{school_id}/mail",
    )
    assert response.status_code == 303
    page = admin.get(f"/admin/schools/{school_id}/mail").get_data(as_text=True)
    assert "skickas igen" in page and "Ingen e-post som inte kunde levereras." in page

    handler = Collect()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config["SMTP_PORT"] = port
        with app.app_context():
            assert deliver_pending() == (1, 0)  # only the one sent again
            assert deliver_pending(now=utcnow() + timedelta(days=1)) == (0, 0)
    finally:
        controller.stop()
    assert [m["To"] for m in handler.messages] == ["guardian@example.org"]
    with app.app_context():
        again = db.session.get(OutboxMessage, ours)
        assert again.sent_at is not None and again.failed_at is None
