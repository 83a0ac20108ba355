"""Sign-in logic: check credentials, send one-time links, set passwords."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_request_context
from sqlalchemy import delete, exists, select, update

from app import audit
from app.db_types import utcnow
from app.extensions import db
from app.outbox import claimable, queue_mail
from app.people import sessions, tokens
from app.people.models import LinkRequest, SignInToken, User
from app.people.passwords import hash_password, verify_password
from app.web import absolute_url


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None (same effort either way)."""
    user = find_user(email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    return user


# purpose → (endpoint of the link, mail template, config key of its lifetime)
LINKS = {
    "signin": ("people.link_signin", "signin_link", "SIGNIN_LINK_MINUTES"),
    "reset": ("people.reset_password", "password_reset", "PASSWORD_RESET_MINUTES"),
}


def request_link(email: str, purpose: str) -> None:
    """Note a request for a one-time link. The same single insert whether or not the
    address has an account, so neither the answer nor its timing tells; the mail worker
    (`process_link_requests`) sends the link to an active account and drops the rest."""
    db.session.add(LinkRequest(email=email.strip().lower()[:254], purpose=purpose))
    db.session.commit()


def send_link(user: User, purpose: str) -> None:
    """Queue the one-time link mail for an account (the caller commits)."""
    _endpoint, template, lifetime = LINKS[purpose]
    minutes = current_app.config[lifetime]
    if has_request_context():
        mail_link(user, purpose, minutes, template, minutes=minutes)
    else:  # the mail worker: links are built on PUBLIC_URL all the same
        with current_app.test_request_context():
            mail_link(user, purpose, minutes, template, minutes=minutes)
    audit.record(f"{purpose}_link.sent", user, actor=user)


# Many requests for the same address (a double tap, or someone flooding it) get one mail.
RESEND_AFTER = timedelta(minutes=2)


def _link_sent_lately(user: User, purpose: str) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    SignInToken.user_id == user.id,
                    SignInToken.purpose == purpose,
                    SignInToken.created_at > utcnow() - RESEND_AFTER,
                )
            )
        )
    )


def process_link_requests(limit: int = 50) -> int:
    """Turn waiting link requests into e-mails (run by the worker, `flask outbox work`).
    Returns how many links were queued.

    The same claim as the outbox's (app/outbox.py): one conditional UPDATE marks a batch
    as processed, its subquery taking the rows with FOR UPDATE SKIP LOCKED on PostgreSQL,
    so workers take disjoint batches without waiting for each other. The claim, the
    tokens and the queued mails commit in one transaction: a worker that dies mid-batch
    leaves the batch waiting, as if never claimed, and nothing is ever sent twice."""
    queued = 0
    while True:
        db.session.commit()  # the claim starts its own transaction
        now = utcnow()
        waiting = claimable(
            select(LinkRequest.id).where(LinkRequest.processed_at.is_(None)), LinkRequest.id, limit
        )
        claimed = db.session.execute(
            update(LinkRequest)
            .where(LinkRequest.id.in_(waiting), LinkRequest.processed_at.is_(None))
            .values(processed_at=now)
            .returning(LinkRequest.id, LinkRequest.email, LinkRequest.purpose)
            .execution_options(synchronize_session=False)
        ).all()
        for _id, email, purpose in sorted(claimed):
            user = find_user(email)
            if user is not None and user.active and not _link_sent_lately(user, purpose):
                send_link(user, purpose)
                queued += 1
        db.session.commit()
        if len(claimed) < limit:
            break
    # Requests are of no use once handled: keep a day for the record, then drop them.
    db.session.execute(
        delete(LinkRequest).where(LinkRequest.processed_at < utcnow() - timedelta(days=1))
    )
    db.session.commit()
    return queued


def mail_link(user: User, purpose: str, lifetime: int, template: str, **context) -> None:
    """Issue a one-time link token valid for `lifetime` minutes and queue the e-mail that
    carries it (the caller audits and commits)."""
    secret = tokens.issue(user, purpose, lifetime)
    link = absolute_url(LINKS[purpose][0], token=secret)
    queue_mail(user.email, template, locale=user.locale, user=user, link=link, **context)


def change_password(user: User, current: str, new: str) -> str:
    """A signed-in person changes or chooses their password. Returns "changed", or why not:
    "wrong_current" (the current password was not right), "sign_in_again" (an account
    without a password chooses one only right after a sign-in by link, so a copied cookie
    cannot add a password to someone else's account). The caller commits and rotates."""
    if user.password_hash:
        if not verify_password(user.password_hash, current or ""):
            return "wrong_current"
    elif not sessions.signed_in_recently():
        return "sign_in_again"
    set_password(user, new)
    return "changed"


def set_password(user: User, password: str) -> None:
    """Set a new password: every session of the user ends and every one-time link sent
    before stops working (the device that changed it gets a new session: see rotate)."""
    user.password_hash = hash_password(password)
    sessions.end_all(user)
    tokens.revoke_all(user)
    audit.record("password.changed", user, actor=user)
