"""Outgoing e-mail: written to the outbox in the same transaction as the change,
delivered later by the worker `flask outbox work` so a slow mail server never slows a page.

Delivery is at least once, and never by two workers at the same time. Any number of
workers (on any number of machines) claim due messages with one conditional UPDATE that
sets a lease (`claimed_until`): on PostgreSQL its subquery takes the rows with
`FOR UPDATE SKIP LOCKED`, so concurrent workers take disjoint rows without waiting for
each other; on SQLite the UPDATE is the first statement of its transaction and SQLite runs
one writer at a time, so the same statement is just as exclusive. A worker records each
result as soon as it has it; one that dies mid-batch leaves only its unrecorded messages,
which another worker takes when the lease runs out (at-least-once: a message whose
sending succeeded just before the crash may go out twice, never one that was recorded).

A failed send is tried again after 2, 4, 8 ... minutes; after MAIL_MAX_ATTEMPTS it is
undeliverable (`failed_at`) and listed for administrators, who may send it again
(app/admin/mail.py).
"""

from __future__ import annotations

import contextlib
import smtplib
import sys
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import Select, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.extensions import db


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # One optional text attachment, e.g. a calendar file (name, MIME type, content).
    attachment_name: Mapped[str | None] = mapped_column(String(100))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The worker that claimed the message holds it until then (see the module's docstring).
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Given up after the last try; shown to administrators, who may retry.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


def queue_mail(
    recipient: str,
    template: str,
    locale: str | None = None,
    attachment: tuple[str, str, str] | None = None,
    **context,
) -> OutboxMessage:
    """Render `templates/mail/<template>.{txt,html}` in the recipient's language and queue it.

    The subject is the template's first line of the text version ("Subject: ...").
    """
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
    first, _, body = text.partition("\n")
    message = OutboxMessage(
        recipient=recipient,
        subject=first.removeprefix("Subject:").strip(),
        body_text=body.lstrip("\n"),
        body_html=html,
    )
    if attachment:
        message.attachment_name, message.attachment_type, message.attachment = attachment
    db.session.add(message)
    return message


def _as_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    if message.attachment:
        maintype, _, subtype = (message.attachment_type or "text/plain").partition("/")
        email.add_attachment(
            message.attachment.encode(),
            maintype=maintype,
            subtype=subtype,
            filename=message.attachment_name,
        )
    return email


def _print(message: OutboxMessage) -> None:
    """Development: show the mail readably (links intact) on the console."""
    rule = "-" * 72
    print(
        f"{rule}\nTo: {message.recipient}\nSubject: {message.subject}\n\n"
        f"{message.body_text}\n{rule}",
        file=sys.stdout,
        flush=True,
    )


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=2 ** min(attempts, 8))


def _due(now: datetime) -> tuple:
    return (
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now),
    )


def claimable(query: Select, id_column, limit: int) -> Select:
    """The ids a worker may claim: the first `limit` of `query` that no other worker is
    claiming right now. PostgreSQL locks them (FOR UPDATE SKIP LOCKED) in a MATERIALIZED
    common table expression, so the subquery runs exactly once (an IN subquery may be run
    again per row, and then takes more than its LIMIT); SQLite renders neither, and needs
    neither (see the module's docstring)."""
    picked = (
        query.order_by(id_column)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("claimable")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    return select(picked.c[0])


def claim(now: datetime, limit: int) -> list[int]:
    """Claim up to `limit` due messages for this worker until the lease runs out; returns
    their ids. Committed at once, so other workers see the claim."""
    db.session.commit()  # the claim starts its own transaction (see the module's docstring)
    lease = now + timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    candidates = claimable(select(OutboxMessage.id).where(*_due(now)), OutboxMessage.id, limit)
    ids = db.session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates), *_due(now))  # checked again on the row
        .values(claimed_until=lease)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(ids)


def _failed(message: OutboxMessage, error: Exception, now: datetime) -> None:
    message.attempts += 1
    message.last_error = str(error)[:1000]
    message.claimed_until = None
    if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        message.failed_at, message.next_attempt_at = now, None
    else:
        message.next_attempt_at = now + _retry_delay(message.attempts)


def _connect():
    config = current_app.config
    if not config["SMTP_HOST"]:
        return None
    smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30)
    try:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
    except BaseException:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.close()
        raise
    return smtp


def deliver_pending(now: datetime | None = None, limit: int = 50) -> tuple[int, int]:
    """Claim due messages and send them; returns (sent, failed). Without SMTP_HOST,
    messages are printed (development)."""
    now = now or utcnow()
    ids = claim(now, limit)
    if not ids:
        return 0, 0
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
    ).all()
    sent = failed = 0
    try:
        smtp = _connect()
    except (smtplib.SMTPException, OSError) as error:
        # Connecting or signing in failed before any message was tried: all wait.
        for message in messages:
            _failed(message, error, now)
        db.session.commit()
        return 0, len(messages)
    try:
        for message in messages:
            try:
                if smtp is None:
                    _print(message)
                else:
                    smtp.send_message(_as_email(message))
            except (smtplib.SMTPException, OSError) as error:
                _failed(message, error, now)
                failed += 1
            else:
                message.attempts += 1
                message.sent_at, message.claimed_until, message.last_error = now, None, None
                sent += 1
            db.session.commit()  # recorded at once: a later crash never sends it again
    finally:
        if smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
    return sent, failed


def undeliverable():
    """The messages given up after their last try, newest first (a select)."""
    return (
        select(OutboxMessage)
        .where(OutboxMessage.failed_at.is_not(None), OutboxMessage.sent_at.is_(None))
        .order_by(OutboxMessage.failed_at.desc(), OutboxMessage.id.desc())
    )


def retry(message: OutboxMessage) -> None:
    """Send an undeliverable message again, with a fresh round of tries (the caller commits)."""
    message.failed_at = message.next_attempt_at = message.claimed_until = None
    message.attempts = 0


def work(echo, once: bool = False, interval: float = 5.0, stop=None) -> None:
    """The worker: turn link requests into mail and deliver the outbox, again and again
    (waiting `interval` seconds when there was nothing to do) until `stop` is set; once an
    hour it also sweeps what is kept only for a while (`app.retention`)."""
    from app import retention
    from app.people.signin import process_link_requests

    swept_at = None
    while stop is None or not stop.is_set():
        # Once an hour (and at start), what is kept only for a while is deleted.
        if swept_at is None or utcnow() - swept_at >= retention.SWEEP_EVERY:
            retention.sweep()
            swept_at = utcnow()
        links = process_link_requests()
        sent, failed = deliver_pending()
        if links or sent or failed or once:
            echo(f"links {links}, sent {sent}, failed {failed}")
        db.session.remove()
        if once:
            return
        if not (links or sent or failed):
            if stop is None:
                import time

                time.sleep(interval)
            else:
                stop.wait(interval)
