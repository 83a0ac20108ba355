"""E-mail goes through the outbox and is delivered to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import socket
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import select

from app.db_types import utcnow
from app.extensions import db
from app.outbox import OutboxMessage, deliver_pending, queue_mail
from app.people.models import User


class Collect(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp_server():
    handler = Collect()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _queue(app):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "guardian@example.org"))
        queue_mail(user.email, "signin_link", user=user, link="http://x/login/link/abc", minutes=15)
        db.session.commit()


def test_delivers_text_and_html_over_smtp(make_app, smtp_server):
    handler, port = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False)
    _queue(app)
    with app.app_context():
        assert deliver_pending() == (1, 0)
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.sent_at is not None and message.attempts == 1
        assert deliver_pending() == (0, 0)  # nothing is sent twice
    assert len(handler.messages) == 1
    mail = handler.messages[0]
    assert mail["To"] == "guardian@example.org"
    assert str(make_header(decode_header(mail["Subject"]))) == "Din inloggningslänk till Mentorskap"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in mail.walk()
        if not part.is_multipart()
    }
    assert "http://x/login/link/abc" in parts["text/plain"]
    assert 'href="http://x/login/link/abc"' in parts["text/html"]


def test_unreachable_server_is_retried_later(make_app, smtp_server):
    handler, port = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=_free_port(), SMTP_STARTTLS=False)
    _queue(app)
    with app.app_context():
        assert deliver_pending() == (0, 1)
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.attempts == 1 and message.last_error and message.sent_at is None
        assert deliver_pending() == (0, 0)  # waits for its back-off
        app.config["SMTP_PORT"] = port
        assert deliver_pending(now=utcnow() + timedelta(minutes=3)) == (1, 0)
    assert len(handler.messages) == 1


def test_gives_up_after_max_attempts(make_app):
    app = make_app(
        SMTP_HOST="127.0.0.1", SMTP_PORT=_free_port(), SMTP_STARTTLS=False, MAIL_MAX_ATTEMPTS=2
    )
    _queue(app)
    with app.app_context():
        later = utcnow()
        for _ in range(4):
            deliver_pending(now=later)
            later += timedelta(days=1)
        assert db.session.scalars(select(OutboxMessage)).one().attempts == 2


def test_without_smtp_host_mail_is_printed(app, capsys):
    _queue(app)
    with app.app_context():
        assert deliver_pending() == (1, 0)
    assert "Din inloggningsl" in capsys.readouterr().out


def test_send_mail_command(app):
    _queue(app)
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert "sent 1, failed 0" in result.output
