"""Talk steps, called directly as the views call them: each writes, mails and commits in
the domain module and returns what became of it; an ordinary refusal is an outcome that
writes nothing."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.extensions import db
from app.outbox import OutboxMessage
from app.talks import booking, notify, records
from app.talks import slots as slot_logic
from app.talks.models import TalkBooking, TalkRecord, TalkSlot
from tests.talks.helpers import make_period, student, user, weekday_after


@pytest.fixture
def ctx(app):
    """A request context, as in a view: the mails link to the app's pages."""
    with app.test_request_context():
        yield app


@pytest.fixture
def period(ctx):
    return make_period("7A")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _calendar_mails() -> int:
    """Mails about a booking (booked, moved, cancelled): each carries the calendar file."""
    return db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.attachment_name == "utvecklingssamtal.ics")
    )


def _book_oskar(period, slot_index: int = 0) -> booking.Outcome:
    anna = user("guardian@example.org")
    return booking.confirm_booking(anna, student("Oskar"), period, period.slots[slot_index].id)


def _written() -> tuple[int, int, int]:
    return _count(TalkBooking), _count(AuditEvent), _count(OutboxMessage)


def test_a_confirmed_booking_is_booked_mailed_to_every_guardian_and_committed(period):
    oskar, anna = student("Oskar"), user("guardian@example.org")
    outcome = booking.confirm_booking(anna, oskar, period, period.slots[0].id, attendees="Anna")
    assert outcome.ok and outcome.result == "booked"
    db.session.rollback()  # nothing left to lose: it was committed
    assert booking.active_booking(period, oskar).id == outcome.booking.id
    assert _calendar_mails() == len(oskar.guardianships) == 2


def test_a_second_send_of_the_same_booking_is_repeated_and_writes_nothing(period):
    oskar, anna = student("Oskar"), user("guardian@example.org")
    first = booking.confirm_booking(anna, oskar, period, period.slots[0].id)
    before = _written()
    again = booking.confirm_booking(anna, oskar, period, period.slots[0].id)
    assert again.ok and again.result == "repeated" and again.booking.id == first.booking.id
    assert _written() == before


def test_another_time_for_a_booked_student_is_refused_with_the_booking_there(period):
    oskar = student("Oskar")
    first = _book_oskar(period)
    before = _written()
    other = booking.confirm_booking(
        user("guardian2@example.org"), oskar, period, period.slots[1].id
    )
    assert not other.ok and other.reason == "already_booked"
    assert other.booking.id == first.booking.id
    assert _written() == before


@pytest.mark.parametrize(
    ("who", "child", "reason"),
    [
        ("guardian2@example.org", "Elsa", "not_allowed"),  # not her guardian
        ("guardian@example.org", "Elsa", "not_allowed"),  # Elsa is in 9C, not 7A
    ],
)
def test_a_booking_that_is_not_allowed_is_refused_and_writes_nothing(period, who, child, reason):
    before = _written()
    outcome = booking.confirm_booking(user(who), student(child), period, period.slots[0].id)
    assert not outcome.ok and outcome.reason == reason and outcome.booking is None
    assert _written() == before


def test_a_taken_time_is_refused_and_writes_nothing(period):
    _book_oskar(period)
    other = next(m.student for m in period.group.memberships if m.student.first_name != "Oskar")
    before = _written()
    outcome = booking.confirm_booking(
        other.guardianships[0].guardian, other, period, period.slots[0].id
    )
    assert not outcome.ok and outcome.reason == "taken"
    assert _written() == before


def test_withdrawing_a_booked_time_cancels_tells_the_guardians_and_commits(period):
    booked = _book_oskar(period)
    slot = db.session.get(TalkSlot, booked.booking.slot_id)
    outcome = booking.withdraw_slot(slot, user("mentor@example.org"), "Mentorn är sjuk")
    assert outcome.ok and outcome.result == "removed" and outcome.booking.id == booked.booking.id
    db.session.rollback()
    assert slot.removed_at is not None and not booked.booking.active
    assert _calendar_mails() == 2 + 2  # booked, then cancelled


def test_withdrawing_a_free_time_removes_it_and_an_already_removed_one_is_refused(period):
    slot, mentor = period.slots[0], user("mentor@example.org")
    first = booking.withdraw_slot(slot, mentor, "")
    assert first.ok and first.booking is None
    db.session.rollback()
    assert slot.removed_at is not None
    before = _written()
    again = booking.withdraw_slot(slot, mentor, "")
    assert not again.ok and again.reason == "gone"
    assert _written() == before


def test_publishing_times_commits_them_or_refuses_overlaps_writing_nothing(period):
    mentor, slots_before = user("mentor@example.org"), _count(TalkSlot)
    later = slot_logic.generate([weekday_after(21)], time(8, 0), time(9, 0), 20)
    published = slot_logic.publish_times(period, mentor, later, "site", "Rum 12")
    assert published.ok and len(published.slots) == 3
    db.session.rollback()
    assert _count(TalkSlot) == slots_before + 3
    audits = _count(AuditEvent)
    overlapping = slot_logic.generate([weekday_after(21)], time(8, 10), time(8, 30), 20)
    refused = slot_logic.publish_times(period, mentor, overlapping, "site", "Rum 12")
    assert not refused.ok and refused.slots == [] and len(refused.conflicts) == 2
    assert _count(TalkSlot) == slots_before + 3 and _count(AuditEvent) == audits


def test_reminders_mail_the_unbooked_guardians_audited_and_committed(period):
    _book_oskar(period)
    mails = _count(OutboxMessage)
    count = notify.send_reminders(period)
    db.session.rollback()
    assert count == _count(OutboxMessage) - mails > 0
    last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert last.action == "talk_period.reminded" and last.detail == {"mails": count}


def test_a_talk_record_is_created_then_updated_audited_and_committed(period):
    oskar, mentor = student("Oskar"), user("mentor@example.org")
    assert records.record_of(period, oskar) is None
    values = dict(held=True, notes="N", actions="A", summary="S", summary_published=False)
    records.save_record(period, oskar, mentor, **values)
    db.session.rollback()
    saved = records.record_of(period, oskar)
    assert (saved.held, saved.notes, saved.updated_by_id) == (True, "N", mentor.id)
    records.save_record(period, oskar, mentor, **{**values, "summary_published": True})
    db.session.rollback()
    assert _count(TalkRecord) == 1 and records.record_of(period, oskar).summary_published
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "talk_record")
    ).all()
    assert actions == ["talk_record.saved", "talk_record.saved"]
