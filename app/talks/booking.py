"""Booking, moving and cancelling talks. The server decides at the moment of action:
every rule is checked again here, and the database's unique keys settle races."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import and_, bindparam, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError

from app import access, audit
from app.concurrency import lock_row
from app.db_types import utcnow
from app.extensions import db
from app.people.models import Student, User
from app.sql import Prepared
from app.talks import notify
from app.talks.models import TalkBooking, TalkPeriod, TalkSlot


class BookingError(Exception):
    """Why a booking step inside this module could not be made; `code` selects the
    message shown. It never leaves the module's confirm_*/withdraw_* functions, which the
    views call: they turn it into a refused Outcome."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Outcome:
    """What became of a booking step, for the page to show. Ordinary results are values,
    not exceptions: "booked", "repeated" (a second send of a booking already made: the
    student's booking is on that time), "moved", "cancelled", "movable" (a move that may
    be confirmed, to `slot`), "removed" (a time the mentor took away; `booking` is the
    talk it cancelled, if any), or "refused" with a reason (a BookingError code, or
    "gone" for a time already removed). `booking` is the booking to show: the new one,
    or on "already_booked" the student's booking that is there. A refusal wrote nothing."""

    result: str
    reason: str | None = None
    booking: TalkBooking | None = None
    slot: TalkSlot | None = None

    @property
    def ok(self) -> bool:
        return self.result != "refused"

    @property
    def booking_id(self) -> int | None:
        """The booking's id, read from its identity: after the commit the booking's
        values are expired, and reading `booking.id` would load the row again."""
        return None if self.booking is None else inspect(self.booking).identity[0]


def is_open(period: TalkPeriod, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return period.booking_opens_at <= now < period.booking_closes_at


def change_deadline(booking: TalkBooking) -> datetime:
    """Until when a guardian may cancel or move the booking."""
    return booking.slot.starts_at - timedelta(hours=booking.period.cancel_hours)


def can_change(booking: TalkBooking, now: datetime | None = None) -> bool:
    return booking.active and (now or utcnow()) < change_deadline(booking)


def change_refusal(booking: TalkBooking, now: datetime | None = None) -> str | None:
    """Why a guardian may not move or cancel the booking now, or None: "changed" when it
    is no longer active, "deadline" when the last time to change it has passed."""
    if not booking.active:
        return "changed"
    if not can_change(booking, now):
        return "deadline"
    return None


def _lock_fresh(booking: TalkBooking) -> None:
    """Take the booking's row lock and read it again: of two changes at once (a double
    tap, two guardians, two tabs) the second waits here and decides on what the first
    wrote."""
    lock_row(TalkBooking, booking.id)
    db.session.refresh(booking)


def _bookable_slot(slot_id: int, period: TalkPeriod, now: datetime) -> TalkSlot:
    slot = db.session.get(TalkSlot, slot_id)
    if slot is None or slot.period_id != period.id or slot.removed_at is not None:
        raise BookingError("gone")
    if slot.starts_at <= now:
        raise BookingError("past")
    if not is_open(period, now):
        raise BookingError("closed")
    return slot


def _in_period():
    """The student's active booking in the period (one of the two unique keys)."""
    return and_(
        TalkBooking.active_period_id == bindparam("period"),
        TalkBooking.student_id == bindparam("student"),
    )


@lru_cache(maxsize=1)  # per process, safely: built from code alone
def _holders_statement():
    """The students of the active bookings a new booking would collide with: the one on
    the time, and the student's own in the period (the two unique keys)."""
    return select(TalkBooking.student_id).where(
        or_(TalkBooking.active_slot_id == bindparam("slot"), _in_period())
    )


@lru_cache(maxsize=1)  # per process, safely: built from code alone
def _active_booking_statement():
    return select(TalkBooking).where(_in_period())


# Run on the cursor (app/sql.py): the booking page asks it on every view.
_ACTIVE_BOOKING_ID = Prepared(lambda: select(TalkBooking.id).where(_in_period()))


def active_booking_id(period_id: int, student_id: int) -> int | None:
    """The id of the student's active booking in the period, if any."""
    found = _ACTIVE_BOOKING_ID.first(period=period_id, student=student_id)
    return found[0] if found else None


def active_booking(period: TalkPeriod, student: Student) -> TalkBooking | None:
    return db.session.scalar(
        _active_booking_statement(), {"period": period.id, "student": student.id}
    )


def book(
    guardian: User,
    student: Student,
    period: TalkPeriod,
    slot_id: int,
    attendees: str = "",
    interpreter_language: str | None = None,
    message: str = "",
    now: datetime | None = None,
) -> TalkBooking:
    """Book the slot for the student. Raises BookingError ("taken" when someone was faster).
    A refusal writes nothing: a time or a student already booked is refused before the
    insert, and an insert that loses a race at that moment is rolled back here."""
    now = now or utcnow()
    if not access.is_guardian_of(guardian, student.id) or not access.is_in_group(
        student.id, period.group_id
    ):
        raise BookingError("not_allowed")
    slot = _bookable_slot(slot_id, period, now)
    holders = db.session.scalars(
        _holders_statement(), {"slot": slot.id, "period": period.id, "student": student.id}
    ).all()
    if student.id in holders:
        raise BookingError("already_booked")
    if holders:
        raise BookingError("taken")
    booking = TalkBooking(
        period_id=period.id,
        slot_id=slot.id,
        student_id=student.id,
        active_slot_id=slot.id,
        active_period_id=period.id,
        booked_by_id=guardian.id,
        attendees=attendees.strip(),
        interpreter_language=(interpreter_language or "").strip() or None,
        message=message.strip(),
        created_at=now,
        updated_at=now,
    )
    db.session.add(booking)
    period_id, student_id = period.id, student.id  # as they are before a rollback
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        # Who won the race decides the message: the slot, or this student elsewhere.
        won = active_booking_id(period_id, student_id)
        raise BookingError("already_booked" if won is not None else "taken") from None
    audit.record(
        "talk.booked",
        booking,
        {"slot_id": slot.id, "student_id": student.id, "starts_at": slot.starts_at.isoformat()},
        actor=guardian,
    )
    return booking


def move_target(booking: TalkBooking, slot_id: int, now: datetime | None = None) -> Outcome:
    """The slot a move would go to, checked as move() checks it, for the page that asks
    the guardian to confirm: "movable" with the slot, or refused ("done" when the move
    was already made). confirm_move() decides again at the moment."""
    now = now or utcnow()
    refusal = change_refusal(booking, now)
    if refusal:
        return Outcome("refused", refusal)
    if slot_id == booking.slot_id:
        return Outcome("refused", "done")  # back on the page after the move was made
    try:
        slot = _bookable_slot(slot_id, booking.period, now)
    except BookingError as error:
        return Outcome("refused", error.code)
    taken_by = slot.active_booking
    if taken_by is not None and taken_by.id != booking.id:
        return Outcome("refused", "taken")
    return Outcome("movable", booking=booking, slot=slot)


def move(
    booking: TalkBooking,
    actor: User,
    slot_id: int,
    now: datetime | None = None,
    from_slot_id: int | None = None,
) -> TalkBooking:
    """Move the booking to another slot in one UPDATE: the old slot is released only if
    the new one is taken, so a failed move leaves the booking exactly as it was.
    `from_slot_id` is the time the guardian confirmed moving away from: if the booking
    is no longer there, nothing moves ("done" when it is already on `slot_id`, a second
    send of the same confirmation; else "changed")."""
    now = now or utcnow()
    _lock_fresh(booking)
    old_slot_id = booking.slot_id
    if booking.active and from_slot_id is not None and old_slot_id != from_slot_id:
        raise BookingError("done" if old_slot_id == slot_id else "changed")
    refusal = change_refusal(booking, now)
    if refusal:
        raise BookingError(refusal)
    if slot_id == old_slot_id:
        return booking
    slot = _bookable_slot(slot_id, booking.period, now)
    booking_id = booking.id
    try:
        result = db.session.execute(
            update(TalkBooking)
            .where(TalkBooking.id == booking_id, TalkBooking.active_slot_id == old_slot_id)
            .values(
                slot_id=slot.id,
                active_slot_id=slot.id,
                updated_at=now,
                sequence=TalkBooking.sequence + 1,
            )
            .execution_options(synchronize_session=False)
        )
    except IntegrityError:
        db.session.rollback()
        raise BookingError("taken") from None
    if result.rowcount != 1:
        db.session.rollback()
        raise BookingError("changed")  # cancelled or moved in another tab meanwhile
    db.session.expire_all()
    booking = db.session.get(TalkBooking, booking_id)
    audit.record(
        "talk.moved",
        booking,
        {
            "from_slot_id": old_slot_id,
            "to_slot_id": slot.id,
            "starts_at": slot.starts_at.isoformat(),
        },
        actor=actor,
    )
    return booking


def cancel(
    booking: TalkBooking,
    actor: User,
    reason: str = "",
    now: datetime | None = None,
    by_school: bool = False,
    slot_id: int | None = None,
) -> TalkBooking:
    """Cancel the booking. Guardians must be before the deadline; the school may always.
    `slot_id` is the time the guardian confirmed cancelling: if the booking has moved
    since, nothing is cancelled ("changed"); if this person already cancelled it, "done"
    (a second send of the same confirmation)."""
    now = now or utcnow()
    _lock_fresh(booking)
    if not booking.active:
        raise BookingError("done" if booking.cancelled_by_id == actor.id else "changed")
    if slot_id is not None and booking.slot_id != slot_id:
        raise BookingError("changed")
    if not by_school and not can_change(booking, now):
        raise BookingError("deadline")
    booking.active_slot_id = None
    booking.active_period_id = None
    booking.cancelled_at = now
    booking.cancelled_by_id = actor.id
    booking.cancel_reason = reason.strip() or None
    booking.updated_at = now
    booking.sequence += 1
    audit.record("talk.cancelled", booking, {"reason": reason, "by_school": by_school}, actor=actor)
    return booking


def confirm_move(booking: TalkBooking, guardian: User, slot_id: int, from_slot_id: int) -> Outcome:
    """A guardian's confirmed move from `from_slot_id` (the time the confirm page showed):
    "moved", every guardian told, committed; or refused with nothing changed ("done" for a
    second send of the same confirmation, "changed", "deadline", "taken", "past", "gone",
    "closed")."""
    try:
        booking = move(booking, guardian, slot_id, from_slot_id=from_slot_id)
    except BookingError as error:
        db.session.rollback()
        return Outcome("refused", error.code)
    notify.booking_changed(booking, "moved", guardian)
    db.session.commit()
    return Outcome("moved", booking=booking)


def confirm_cancel(booking: TalkBooking, guardian: User, reason: str, slot_id: int) -> Outcome:
    """A guardian's confirmed cancellation of the time `slot_id`: "cancelled", every
    guardian told, committed; or refused with nothing changed ("done", "changed",
    "deadline")."""
    try:
        cancel(booking, guardian, reason, slot_id=slot_id)
    except BookingError as error:
        db.session.rollback()
        return Outcome("refused", error.code)
    notify.booking_changed(booking, "cancelled", guardian)
    db.session.commit()
    return Outcome("cancelled", booking=booking)


def confirm_booking(
    guardian: User,
    student: Student,
    period: TalkPeriod,
    slot_id: int,
    attendees: str = "",
    interpreter_language: str | None = None,
    message: str = "",
) -> Outcome:
    """A guardian's confirmed booking: booked, every guardian told, committed ("booked").
    A double tap of the same confirmation is "repeated"; otherwise a refusal, with
    nothing written: "already_booked" (with the student's booking), "taken", "past",
    "gone", "closed" or "not_allowed"."""
    try:
        booking = book(
            guardian,
            student,
            period,
            slot_id,
            attendees=attendees,
            interpreter_language=interpreter_language,
            message=message,
        )
    except BookingError as error:
        # Nothing to undo: book() refuses before it writes, and rolls back a lost race.
        if error.code != "already_booked":
            return Outcome("refused", error.code)
        existing = active_booking(period, student)
        if existing.slot_id == slot_id:  # a double tap: the first send booked it
            return Outcome("repeated", booking=existing)
        return Outcome("refused", error.code, existing)
    notify.booking_changed(booking, "booked", guardian)
    db.session.commit()
    return Outcome("booked", booking=booking)


def remove_slot(
    slot: TalkSlot, actor: User, reason: str, now: datetime | None = None
) -> TalkBooking | None:
    """The mentor removes a slot; a booking on it is cancelled (the caller notifies)."""
    now = now or utcnow()
    booking = slot.active_booking
    if booking is not None:
        try:
            cancel(booking, actor, reason, now, by_school=True, slot_id=slot.id)
        except BookingError:  # cancelled or moved away meanwhile: nothing to cancel here
            booking = None
    slot.removed_at = now
    slot.removed_reason = reason.strip() or None
    audit.record("talk_slot.removed", slot, {"reason": reason}, actor=actor)
    return booking


def withdraw_slot(slot: TalkSlot, actor: User, reason: str) -> Outcome:
    """The mentor takes a time away: removed, a talk booked on it cancelled and its
    guardians told, committed ("removed", with the cancelled booking or None). A time
    already removed is refused ("gone"), nothing written."""
    if slot.removed_at is not None:
        return Outcome("refused", "gone")
    booking = remove_slot(slot, actor, reason)
    if booking is not None:
        notify.booking_changed(booking, "cancelled", actor)
    db.session.commit()
    return Outcome("removed", booking=booking)
