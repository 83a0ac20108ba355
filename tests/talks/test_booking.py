"""Booking rules, checked by the server at the moment of action."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.db_types import utcnow
from app.extensions import db
from app.talks import booking as logic
from app.talks.models import TalkBooking
from tests.talks.helpers import make_period, student, user


@pytest.fixture
def period(ctx):
    return make_period("7A")


def test_guardian_books_a_free_slot(period):
    oskar, anna = student("Oskar"), user("guardian@example.org")
    booking = logic.book(
        anna, oskar, period, period.slots[0].id, attendees="Anna", interpreter_language="arabiska"
    )
    db.session.commit()
    assert booking.active and booking.slot == period.slots[0]
    assert booking.interpreter_language == "arabiska"
    assert (
        db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "talk.booked"
    )


def test_only_a_guardian_of_a_student_in_the_group_may_book(period):
    with pytest.raises(logic.BookingError, match="not_allowed"):
        logic.book(user("guardian2@example.org"), student("Elsa"), period, period.slots[0].id)
    with pytest.raises(logic.BookingError, match="not_allowed"):  # Elsa is in 9C, not 7A
        logic.book(user("guardian@example.org"), student("Elsa"), period, period.slots[0].id)


def test_a_taken_slot_cannot_be_booked_again(period):
    logic.book(user("guardian@example.org"), student("Oskar"), period, period.slots[0].id)
    db.session.commit()
    other = next(s for s in period.group.memberships if s.student.first_name != "Oskar").student
    parent = other.guardianships[0].guardian
    with pytest.raises(logic.BookingError, match="taken"):
        logic.book(parent, other, period, period.slots[0].id)
    taken = select(func.count()).where(TalkBooking.active_slot_id == period.slots[0].id)
    assert db.session.scalar(taken) == 1


def test_one_active_booking_per_student_and_period(period):
    anna = user("guardian@example.org")
    logic.book(anna, student("Oskar"), period, period.slots[0].id)
    db.session.commit()
    with pytest.raises(logic.BookingError, match="already_booked"):
        logic.book(user("guardian2@example.org"), student("Oskar"), period, period.slots[1].id)


def test_the_database_refuses_a_second_active_booking_of_a_slot(period):
    """Even code that skipped every check could not double-book: the key holds."""
    from sqlalchemy.exc import IntegrityError

    oskar = student("Oskar")
    other = next(m.student for m in period.group.memberships if m.student.id != oskar.id)
    slot = period.slots[0]
    for s in (oskar, other):
        db.session.add(
            TalkBooking(
                period_id=period.id,
                slot_id=slot.id,
                student_id=s.id,
                active_slot_id=slot.id,
                active_period_id=period.id,
            )
        )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_closed_period_and_past_slots_are_refused(period):
    anna, oskar = user("guardian@example.org"), student("Oskar")
    with pytest.raises(logic.BookingError, match="past"):
        logic.book(anna, oskar, period, period.slots[0].id, now=period.slots[0].starts_at)
    period.booking_closes_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(logic.BookingError, match="closed"):
        logic.book(anna, oskar, period, period.slots[0].id)


def test_removed_slot_is_refused(period):
    period.slots[0].removed_at = utcnow()
    with pytest.raises(logic.BookingError, match="gone"):
        logic.book(user("guardian@example.org"), student("Oskar"), period, period.slots[0].id)


def test_move_is_atomic(period):
    anna, oskar = user("guardian@example.org"), student("Oskar")
    booking = logic.book(anna, oskar, period, period.slots[0].id)
    other = next(m.student for m in period.group.memberships if m.student.id != oskar.id)
    logic.book(other.guardianships[0].guardian, other, period, period.slots[1].id)
    db.session.commit()
    with pytest.raises(logic.BookingError, match="taken"):
        logic.move(booking, anna, period.slots[1].id)
    booking = db.session.get(TalkBooking, booking.id)
    assert booking.slot_id == period.slots[0].id and booking.active  # old slot kept
    moved = logic.move(booking, anna, period.slots[2].id)
    db.session.commit()
    assert moved.slot_id == period.slots[2].id and moved.sequence == 1
    assert period.slots[0].id in {
        s.id for s in __import__("app.talks.slots", fromlist=["x"]).future_open_slots(period)
    }


def test_cancel_and_move_respect_the_deadline(period):
    anna = user("guardian@example.org")
    booking = logic.book(anna, student("Oskar"), period, period.slots[0].id)
    db.session.commit()
    late = booking.slot.starts_at - timedelta(hours=23)
    assert logic.change_deadline(booking) == booking.slot.starts_at - timedelta(hours=24)
    with pytest.raises(logic.BookingError, match="deadline"):
        logic.cancel(booking, anna, now=late)
    with pytest.raises(logic.BookingError, match="deadline"):
        logic.move(booking, anna, period.slots[3].id, now=late)
    logic.cancel(booking, anna, "sjuk")
    db.session.commit()
    assert not booking.active and booking.cancel_reason == "sjuk"
    # The slot and the student are free again.
    again = logic.book(anna, student("Oskar"), period, period.slots[0].id)
    assert again.active


def test_mentor_removing_a_booked_slot_cancels_the_booking(period):
    anna = user("guardian@example.org")
    booking = logic.book(anna, student("Oskar"), period, period.slots[0].id)
    db.session.commit()
    cancelled = logic.remove_slot(period.slots[0], user("mentor@example.org"), "Mentorn är sjuk")
    db.session.commit()
    assert cancelled is booking and not booking.active
    assert booking.cancel_reason == "Mentorn är sjuk" and period.slots[0].removed_at


def test_confirmed_moves_and_cancellations_are_outcomes(ctx, period):
    """What the views call: refusals are values with a reason, and nothing is written."""
    with ctx.test_request_context():
        _confirmed_steps(period)


def _confirmed_steps(period):
    anna, oskar = user("guardian@example.org"), student("Oskar")
    booking = logic.book(anna, oskar, period, period.slots[0].id)
    db.session.commit()
    first, second = period.slots[0].id, period.slots[1].id
    target = logic.move_target(booking, second)
    assert (target.result, target.slot.id) == ("movable", second)
    assert logic.move_target(booking, first).reason == "done"
    moved = logic.confirm_move(booking, anna, second, from_slot_id=first)
    assert moved.result == "moved" and moved.booking.slot_id == second
    again = logic.confirm_move(booking, anna, second, from_slot_id=first)
    assert (again.result, again.reason) == ("refused", "done")
    stale = logic.confirm_cancel(booking, anna, "", slot_id=first)
    assert (stale.result, stale.reason) == ("refused", "changed")
    assert db.session.get(TalkBooking, booking.id).active
    cancelled = logic.confirm_cancel(booking, anna, "sjuk", slot_id=second)
    assert cancelled.result == "cancelled"
    twice = logic.confirm_cancel(booking, anna, "sjuk", slot_id=second)
    assert (twice.result, twice.reason) == ("refused", "done")
