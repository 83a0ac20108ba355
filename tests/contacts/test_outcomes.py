"""Contact steps, called directly as the views call them: each writes and commits in the
domain module and returns what became of it; a refusal (a new sign-in address without a
fresh sign-in, a wrong link) is an ordinary answer that writes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.contacts import details, group_list
from app.contacts import log as contact_log
from app.contacts.models import ContactDetails, ContactNote, EmailChange
from app.extensions import db
from app.outbox import OutboxMessage
from app.people import account, sessions
from app.people.models import User, UserSession
from app.school.models import MentorGroup
from tests.conftest import ACCOUNTS
from tests.talks.helpers import student, user

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
VALUES = {
    "mobile": "+46701740699",
    "other_phone": "",
    "street": "Ny väg 2",
    "postal_code": "123 45",
    "town": "Lindbacka",
    "language": "so",
    "needs_interpreter": True,
}


@pytest.fixture
def ctx(app):
    """A request context, as in a view: sessions note this request's session row, and
    mails link to the app's pages."""
    with app.test_request_context():
        yield app


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _written() -> tuple[int, int, int]:
    return _count(AuditEvent), _count(OutboxMessage), _count(EmailChange)


def _live_sessions(person: User) -> list[int]:
    return db.session.scalars(
        select(UserSession.id).where(
            UserSession.user_id == person.id, UserSession.ended_at.is_(None)
        )
    ).all()


def test_saving_the_details_commits_them_with_their_history(ctx):
    anna = user(ACCOUNTS["guardian"])
    saved = details.save_details(anna, VALUES, f"  {anna.email.upper()} ")  # the same address
    assert saved.ok and saved.new_email is None
    db.session.rollback()  # nothing left to lose: it was committed
    stored = details.details_to_show(anna)
    assert stored.street == "Ny väg 2" and stored.needs_interpreter and stored.confirmed_at
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == (
        "contact.changed"
    )


def test_a_new_sign_in_address_after_a_fresh_sign_in_is_asked_for_by_a_link(ctx):
    anna = user(ACCOUNTS["guardian"])
    account.sign_in(anna, False, BROWSER)
    mails = _count(OutboxMessage)
    saved = details.save_details(anna, VALUES, "Anna.Ny@example.net")
    assert saved.ok and saved.new_email == "anna.ny@example.net"
    db.session.rollback()
    assert anna.email == ACCOUNTS["guardian"]  # it changes only when the link is used
    assert details.pending_email_change(anna).new_email == "anna.ny@example.net"
    assert _count(OutboxMessage) == mails + 2  # the link to the new address, a notice to the old


def test_a_new_sign_in_address_without_a_fresh_sign_in_refuses_the_whole_save(ctx):
    anna = user(ACCOUNTS["guardian"])
    before, street = _written(), details.details_to_show(anna).street
    saved = details.save_details(anna, VALUES, "anna.ny@example.net")
    assert not saved.ok and saved.reason == details.EMAIL_NEEDS_RECENT_SIGNIN
    assert not db.session.new and not db.session.dirty
    db.session.rollback()
    assert _written() == before and details.details_to_show(anna).street == street
    assert details.email_change_refusal(anna, "anna.ny@example.net") is not None
    assert details.email_change_refusal(anna, anna.email) is None


def test_details_to_show_of_a_guardian_without_any_add_nothing(ctx):
    johan = user(ACCOUNTS["other_guardian"])
    db.session.delete(details.details_for(johan))
    db.session.commit()
    shown = details.details_to_show(johan)
    assert shown.id is None and not db.session.new
    db.session.commit()
    assert (
        db.session.scalar(select(ContactDetails).where(ContactDetails.user_id == johan.id)) is None
    )


def test_confirming_the_details_is_audited_and_committed(ctx):
    anna = user(ACCOUNTS["guardian"])
    details.details_for(anna).confirmed_at = None
    db.session.commit()
    details.confirm(anna)
    db.session.rollback()
    assert details.details_to_show(anna).confirmed_at is not None
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == (
        "contact.confirmed"
    )


def _link_to(anna: User, new_email: str) -> str:
    secrets: list[str] = []
    details.request_email_change(anna, new_email, lambda s: secrets.append(s) or f"/x/{s}")
    db.session.commit()
    return secrets[0]


def test_the_email_link_changes_the_address_and_renews_this_devices_session(ctx):
    anna = user(ACCOUNTS["guardian"])
    sessions.start(anna, False, BROWSER)  # another device
    account.sign_in(anna, True, BROWSER)  # this device, remembered
    this_device = sessions.current().id
    secret = _link_to(anna, "anna.ny@example.net")
    changed = details.use_email_link(secret, anna, BROWSER)
    assert changed.ok and changed.result == "changed" and changed.remember
    db.session.rollback()
    assert anna.email == "anna.ny@example.net"
    live = _live_sessions(anna)
    assert len(live) == 1 and live[0] != this_device  # every other one ended, this one too
    assert sessions.load(anna.get_id()).id == anna.id  # the new one is this device's
    assert details.use_email_link(secret, anna, BROWSER).result == "invalid"  # once only


@pytest.mark.parametrize("whose", ["other_account", "unknown"])
def test_a_wrong_email_link_changes_nothing_and_ends_no_session(ctx, whose):
    anna, mentor = user(ACCOUNTS["guardian"]), user(ACCOUNTS["mentor"])
    account.sign_in(anna, False, BROWSER)
    secret = _link_to(anna, "anna.ny@example.net") if whose == "other_account" else "nope"
    before, live = _written(), _live_sessions(anna)
    changed = details.use_email_link(secret, mentor if whose == "other_account" else anna, BROWSER)
    assert not changed.ok and changed.result == "invalid" and not changed.remember
    db.session.rollback()
    assert _written() == before and _live_sessions(anna) == live
    assert anna.email == ACCOUNTS["guardian"] and mentor.email == ACCOUNTS["mentor"]


def test_an_email_link_to_a_taken_address_changes_nothing(ctx):
    anna = user(ACCOUNTS["guardian"])
    account.sign_in(anna, False, BROWSER)
    secret = _link_to(anna, ACCOUNTS["mentor"])
    before, live = _written(), _live_sessions(anna)
    assert details.use_email_link(secret, anna, BROWSER).result == "taken"
    db.session.rollback()
    assert _written() == before and _live_sessions(anna) == live
    assert anna.email == ACCOUNTS["guardian"]


def test_an_export_is_audited_and_committed(ctx):
    group = db.session.scalar(select(MentorGroup).where(MentorGroup.name == "7A"))
    exported = group_list.export(group, "csv")
    assert exported.filename == "kontakter-7A.csv" and exported.mimetype.startswith("text/csv")
    assert ACCOUNTS["guardian"] in exported.body.decode("utf-8-sig")
    db.session.rollback()
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert event.action == "contacts.exported" and event.detail["format"] == "csv"
    assert group_list.export(group, "vcf").body.startswith(b"BEGIN:VCARD")


def test_marking_a_follow_up_done_is_audited_and_committed(ctx):
    oskar, mentor = student("Oskar"), user(ACCOUNTS["mentor"])
    note = contact_log.add_note(
        oskar,
        mentor,
        occurred_on=date(2026, 9, 1),
        channel="phone",
        with_whom="Anna",
        summary="Samtal om läxor",
        follow_up_on=date(2026, 9, 15),
    )
    db.session.commit()
    contact_log.mark_followed_up(note)
    db.session.rollback()
    assert db.session.get(ContactNote, note.id).follow_up_done
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == (
        "contact_note.followed_up"
    )
