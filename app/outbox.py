"""Outgoing e-mail: written to the outbox in the same transaction as the change,
delivered later by `flask send-mail` so a slow mail server never slows a page."""

from __future__ import annotations

import contextlib
import smtplib
import sys
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import String, Text, or_, select
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


def deliver_pending(now: datetime | None = None, limit: int = 200) -> tuple[int, int]:
    """Send due messages; returns (sent, failed). Failures are retried with back-off
    until MAIL_MAX_ATTEMPTS. Without SMTP_HOST, messages are printed (development)."""
    now = now or utcnow()
    config = current_app.config
    due = db.session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.attempts < config["MAIL_MAX_ATTEMPTS"],
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    if not due:
        return 0, 0
    sent = failed = 0
    smtp = None
    try:
        if config["SMTP_HOST"]:
            smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30)
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        for message in due:
            message.attempts += 1
            try:
                if smtp is None:
                    _print(message)
                else:
                    smtp.send_message(_as_email(message))
            except (smtplib.SMTPException, OSError) as error:
                message.last_error = str(error)[:1000]
                message.next_attempt_at = now + _retry_delay(message.attempts)
                failed += 1
            else:
                message.sent_at = now
                message.last_error = None
                sent += 1
    except (smtplib.SMTPException, OSError) as error:
        # Connecting or signing in failed before any message was tried: all wait.
        for message in due:
            message.attempts += 1
            message.last_error = str(error)[:1000]
            message.next_attempt_at = now + _retry_delay(message.attempts)
        failed = len(due)
    finally:
        if smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
        db.session.commit()
    return sent, failed
