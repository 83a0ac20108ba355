"""E-mail goes through the outbox and is delivered to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta
from email.header import decode_header, make_header
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import func, select

from app import outbox
from app.db_types import utcnow
from app.extensions import db
from app.outbox import OutboxMessage, claim, deliver_pending, queue_mail
from app.people.models import LinkRequest, User
from app.people.signin import process_link_requests, request_link


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
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.attempts == 2 and message.failed_at is not None
        assert message.next_attempt_at is None and message.claimed_until is None


def test_a_claimed_message_waits_for_its_lease(app):
    """A worker that died holding messages leaves them to the others once its lease is over."""
    _queue(app)
    with app.app_context():
        now = utcnow()
        assert len(claim(now, 10)) == 1  # a worker claims it, then dies
        assert deliver_pending(now=now + timedelta(seconds=10)) == (0, 0)
        lease = app.config["OUTBOX_LEASE_SECONDS"]
        assert deliver_pending(now=now + timedelta(seconds=lease + 1)) == (1, 0)


def test_without_smtp_host_mail_is_printed(app, capsys):
    _queue(app)
    with app.app_context():
        assert deliver_pending() == (1, 0)
    assert "Din inloggningsl" in capsys.readouterr().out


def test_send_mail_command(app):
    _queue(app)
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert "sent 1, failed 0" in result.output


def test_outbox_work_once_sends_links_and_mail(app):
    with app.app_context():
        request_link("guardian@example.org", "signin")
    _queue(app)
    result = app.test_cli_runner().invoke(args=["outbox", "work", "--once"])
    assert "links 1, sent 2, failed 0" in result.output, result.output


# --- several workers at once -------------------------------------------------------------


def _run_workers(app, job, count: int = 2) -> list:
    """Run `job()` in `count` threads at once, each in its own app context (so its own
    database connection), until every one of them finds nothing more to do."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors = []

    def worker(i: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                results[i] = job()
                db.session.remove()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    return results


class SlowCollect(Collect):
    """A mail server that takes a moment for each message, so the workers overlap."""

    def handle_message(self, message):
        time.sleep(0.01)
        super().handle_message(message)


def test_two_workers_claim_disjoint_messages_and_send_each_once(make_app, monkeypatch):
    handler = SlowCollect()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False)
        with app.app_context():
            for i in range(60):
                queue_mail(
                    f"worker{i}@example.net",
                    "signin_link",
                    user=SimpleNamespace(first_name=f"P{i}"),
                    link=f"http://x/{i}",
                    minutes=15,
                )
            db.session.commit()
        claims: list[tuple[str, list[int]]] = []
        real_claim = outbox.claim

        def recording_claim(now, limit):
            ids = real_claim(now, limit)
            claims.append((threading.current_thread().name, ids))
            return ids

        monkeypatch.setattr(outbox, "claim", recording_claim)

        def drain():
            sent = 0
            while True:
                done, failed = deliver_pending(limit=4)
                assert failed == 0
                if not done:
                    return sent
                sent += done

        sent = _run_workers(app, drain)
    finally:
        controller.stop()
    assert sum(sent) == 60
    recipients = [m["To"] for m in handler.messages]
    assert len(recipients) == 60 and len(set(recipients)) == 60  # nobody got a message twice
    claimed = [i for _, ids in claims for i in ids]
    assert len(claimed) == len(set(claimed)) == 60  # no message was claimed twice
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # With SKIP LOCKED both workers take batches side by side.
        assert all(s > 0 for s in sent), (sent, claims)
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) == 0


def test_two_workers_send_each_link_once(make_app):
    app = make_app()
    with app.app_context():
        for i in range(30):
            db.session.add(User(email=f"link{i}@example.net", name=f"Person {i}"))
        db.session.commit()
        for i in range(30):
            request_link(f"link{i}@example.net", "signin")
        request_link("nobody@example.net", "signin")
    queued = _run_workers(app, lambda: process_link_requests(limit=4))
    assert sum(queued) == 30
    with app.app_context():
        recipients = db.session.scalars(select(OutboxMessage.recipient)).all()
        assert sorted(recipients) == sorted(f"link{i}@example.net" for i in range(30))
        assert (
            db.session.scalar(select(func.count()).where(LinkRequest.processed_at.is_(None))) == 0
        )
