"""Talk pages: mentors set up periods and slots and see the overview; guardians book,
move and cancel. Each view parses the request, asks app.access, calls the logic."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app import access, languages, submissions
from app.contacts.details import contact_language
from app.fields import focus_first_error
from app.school.calendar import today
from app.talks import booking as logic
from app.talks import notify, overview, periods, preparation, records
from app.talks import slots as slot_logic
from app.talks.forms import (
    BookingForm,
    CancelForm,
    MoveForm,
    PeriodForm,
    RemoveSlotForm,
    SlotGeneratorForm,
    TalkRecordForm,
    book_label,
    mode_label,
)
from app.talks.ics import booking_calendar
from app.talks.models import TalkPeriod, TalkSlot
from app.web import redirect_after_post, render

bp = Blueprint("talks", __name__, url_prefix="/talks")
bp.add_app_template_global(mode_label)
bp.add_app_template_global(book_label)

BOOKING_ERRORS = {
    "taken": lambda: _("Someone else just booked that time. Choose another one below."),
    "already_booked": lambda: _("The student already has a booked talk in this period."),
    "closed": lambda: _("Booking is not open for this period."),
    "past": lambda: _("That time has already passed. Choose another one."),
    "gone": lambda: _("That time has been removed by the mentor. Choose another one."),
    "deadline": lambda: _("The last time to change this booking has passed. Contact the mentor."),
    "changed": lambda: _("The booking was changed in the meantime. Here is how it looks now."),
    "not_allowed": lambda: _("You cannot book a talk for this student."),
}


def _tz(period: TalkPeriod) -> ZoneInfo:
    return ZoneInfo(period.group.school_year.school.time_zone)


def _by_day(slots: list[TalkSlot], tz: ZoneInfo) -> list[tuple[date, list[TalkSlot]]]:
    return [
        (day, list(items))
        for day, items in groupby(slots, key=lambda s: s.starts_at.astimezone(tz).date())
    ]


# --- mentor -------------------------------------------------------------------------


@bp.route("/groups/<id:group_id>/periods/new", methods=["GET", "POST"])
@login_required
def new_period(group_id: int):
    group = access.group_or_404(group_id)
    if not access.is_group_mentor(current_user, group.id):
        abort(404)
    tz = ZoneInfo(group.school_year.school.time_zone)
    form = PeriodForm()
    terms, taken = periods.terms_of(group)
    form.term_id.choices = [SelectChoice(t.id, periods.term_label(t)) for t in terms]
    if request.method == "GET":
        term = periods.suggested_term(terms, taken, today())
        if term:
            form.term_id.data = term.id
            form.title.data = periods.default_title(term)
        start = datetime.combine(today(), datetime.min.time()).replace(hour=18)
        form.booking_opens_at.data = start
        form.booking_closes_at.data = start + timedelta(days=21)
        form.cancel_hours.data = group.school_year.school.talk_cancel_hours
    if form.validate_on_submit():
        term = next(t for t in terms if t.id == form.term_id.data)
        period = periods.open_period(
            group,
            term,
            current_user,
            title=periods.title_for(term, form.title.data, terms),
            opens=form.booking_opens_at.data,
            closes=form.booking_closes_at.data,
            cancel_hours=form.cancel_hours.data,
            talk_minutes=form.talk_minutes.data,
            tz=tz.key,
        )
        if period is None:
            form.term_id.errors.append(_("The group already has a talk period this term."))
        else:
            flash(_("The talk period is created. Now add the times guardians can book."), "success")
            return redirect_after_post(url_for("talks.new_slots", period_id=period.id))
    status = 422 if form.errors else 200
    focus_first_error(form)
    return render("talks/period_form.html", block="form", status=status, form=form, group=group)


@bp.get("/periods/<id:period_id>")
@login_required
def period_overview(period_id: int):
    period = access.talk_period_or_404(period_id)
    data = overview.period_overview(period)
    return render(
        "talks/period.html",
        period=period,
        data=data,
        tz=_tz(period),
        can_manage=access.is_group_mentor(current_user, period.group_id),
        is_open=logic.is_open(period),
        remove_form=RemoveSlotForm(),
    )


@bp.route("/periods/<id:period_id>/slots/new", methods=["GET", "POST"])
@login_required
def new_slots(period_id: int):
    period = access.talk_period_or_404(period_id, manage=True)
    tz = _tz(period)
    form = SlotGeneratorForm()
    form.days.choices = overview.school_day_choices(period)
    if request.method == "GET":
        form.minutes.data = period.talk_minutes
        form.pause.data = 5
    preview = conflicts = None
    if form.validate_on_submit():
        days = form.chosen_days()
        if not days:
            form.days.errors.append(_("Choose at least one day."))
        else:
            times = slot_logic.generate(
                days,
                form.start.data,
                form.end.data,
                form.minutes.data,
                form.pause.data or 0,
                form.break_times,
                tz.key,
            )
            if not times:
                form.end.errors.append(_("No talk fits between these times."))
            elif request.form.get("action") == "publish":
                published = slot_logic.publish_times(
                    period, current_user, times, form.mode.data, form.location.data
                )
                if published.ok:
                    flash(_("%(num)d times are published.", num=len(published.slots)), "success")
                    return redirect_after_post(
                        url_for("talks.period_overview", period_id=period.id)
                    )
                preview, conflicts = times, published.conflicts
            else:
                preview = times
                conflicts = slot_logic.conflicts_with_existing(current_user, times)
    status = 422 if form.errors or conflicts else 200
    focus_first_error(form)
    return render(
        "talks/slots_form.html",
        block="generator",
        status=status,
        form=form,
        period=period,
        tz=tz,
        preview=_by_day(preview, tz) if preview else None,
        preview_count=len(preview or []),
        coverage=slot_logic.coverage(period, preview) if preview else None,
        conflict_starts={c[0].starts_at for c in conflicts or []},
        conflicts=conflicts,
    )


@bp.post("/slots/<id:slot_id>/remove")
@login_required
def remove_slot(slot_id: int):
    slot, period = access.managed_talk_slot_or_404(slot_id)
    form = RemoveSlotForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = logic.withdraw_slot(slot, current_user, form.reason.data or "")
    if not outcome.ok:  # already removed: the page was stale
        abort(400)
    flash(
        _("The time is removed and the guardians are told.")
        if outcome.booking
        else _("The time is removed."),
        "success",
    )
    return redirect_after_post(url_for("talks.period_overview", period_id=period.id))


@bp.post("/periods/<id:period_id>/remind")
@login_required
def remind(period_id: int):
    period = access.talk_period_or_404(period_id, manage=True)
    count = notify.send_reminders(period)
    flash(_("A reminder is sent to %(num)d guardians.", num=count), "success")
    return redirect_after_post(url_for("talks.period_overview", period_id=period.id))


@bp.get("/periods/<id:period_id>/schedule")
@login_required
def schedule(period_id: int):
    period = access.talk_period_or_404(period_id)
    tz = _tz(period)
    data = overview.period_overview(period)
    return render("talks/schedule.html", period=period, days=_by_day(data.slots, tz), tz=tz)


@bp.route("/periods/<id:period_id>/students/<id:student_id>/record", methods=["GET", "POST"])
@login_required
def record(period_id: int, student_id: int):
    # The group's mentors (the same rule as talk_period_or_404 with manage=True and
    # period_student_or_404), in one statement: issue 19 adds the preparation to this page.
    period, student, _relation = access.talk_preparation_or_404(
        period_id, student_id, access.may_write_talk_notes
    )
    form = TalkRecordForm(obj=None)
    if request.method == "GET" and (record := records.record_of(period, student)):
        form.held.data = "" if record.held is None else ("yes" if record.held else "no")
        form.notes.data, form.actions.data = record.notes, record.actions
        form.summary.data, form.summary_published.data = record.summary, record.summary_published
    if form.validate_on_submit():
        records.save_record(
            period,
            student,
            current_user,
            held={"": None, "yes": True, "no": False}[form.held.data],
            notes=form.notes.data,
            actions=form.actions.data,
            summary=form.summary.data,
            summary_published=form.summary_published.data,
        )
        flash(_("The notes for %(name)s are saved.", name=student.first_name), "success")
        return redirect_after_post(url_for("talks.period_overview", period_id=period.id))
    status = 422 if form.errors else 200
    return render(
        "talks/record.html",
        status=status,
        form=form,
        period=period,
        student=student,
        booking=preparation.booked_time(period, student),  # the time, in one statement
        tz=_tz(period),
        # Issue 19: what the student and the guardians prepared (the mentor reads it all).
        prep=preparation.for_mentor(period, student),
    )


# --- guardian -----------------------------------------------------------------------


def _slot_urls(period, student, booking=None) -> tuple[str, str | None]:
    """Where the list's times lead, up to the time's id, which ends both routes: the
    confirm page of a booking, and with a booking the confirm page of a move. Built once
    for the page's thirty-odd times instead of once for each."""
    book = url_for("talks.confirm_booking", period_id=period.id, student_id=student.id, slot_id=1)
    move = url_for("talks.move", booking_id=booking.id, slot_id=1) if booking else None
    return book.removesuffix("1"), move.removesuffix("1") if move else None


def _slot_list(period, student, booking=None, message=None, status=200, carry=None):
    tz = _tz(period)
    book_url, move_url = _slot_urls(period, student, booking)
    free = slot_logic.open_slot_times(period)
    siblings = overview.sibling_bookings(current_user, student, period)
    return render(
        "talks/choose_slot.html",
        status=status,
        period=period,
        student=student,
        booking=booking,
        days=_by_day(free, tz),
        tz=tz,
        siblings=siblings,
        clashes=overview.clashes(free, siblings),
        message=message,
        is_open=logic.is_open(period),
        carry=carry,
        book_url=book_url,
        move_url=move_url,
    )


@bp.get("/periods/<id:period_id>/students/<id:student_id>/book")
@login_required
def choose_slot(period_id: int, student_id: int):
    period, student = access.bookable_period_or_404(period_id, student_id)
    existing = logic.active_booking_id(period.id, student.id)
    if existing is not None:
        return redirect(url_for("talks.booking", booking_id=existing))
    return _slot_list(period, student)


@bp.route(
    "/periods/<id:period_id>/students/<id:student_id>/book/<id:slot_id>", methods=["GET", "POST"]
)
@login_required
def confirm_booking(period_id: int, student_id: int, slot_id: int):
    period, student = access.bookable_period_or_404(period_id, student_id)
    slot = access.period_slot_or_404(period, slot_id)
    form = BookingForm()
    form.interpreter_language.choices = [("", "—")] + languages.choices(str(get_locale()))
    if request.method == "GET" and not form.interpreter_language.data:
        form.interpreter_language.data = contact_language(current_user)
    if request.form.get("stage") == "review":
        # Coming back from "just taken" with what was typed: show it, book nothing yet.
        return render(
            "talks/confirm.html",
            form=form,
            period=period,
            student=student,
            slot=slot,
            tz=_tz(period),
        )
    if request.method == "GET" and not form.attendees.data:
        form.attendees.data = _(
            "%(student)s and %(guardian)s",
            student=student.first_name,
            guardian=current_user.first_name,
        )
    if form.validate_on_submit():
        outcome = logic.confirm_booking(
            current_user,
            student,
            period,
            slot.id,
            attendees=form.attendees.data,
            interpreter_language=form.interpreter_language.data
            if form.needs_interpreter.data
            else None,
            message=form.message.data or "",
        )
        if outcome.result == "booked":
            flash(_("The talk is booked. All guardians get an e-mail with the time."), "success")
        elif outcome.result == "repeated":
            flash(str(submissions.ALREADY_SENT), "info")
        elif outcome.reason == "already_booked":
            flash(BOOKING_ERRORS[outcome.reason](), "error")
        else:  # the time went meanwhile: the free times again, with what was typed
            carry = {
                "attendees": form.attendees.data,
                "needs_interpreter": "y" if form.needs_interpreter.data else "",
                "interpreter_language": form.interpreter_language.data or "",
                "message": form.message.data or "",
            }
            return _slot_list(
                period, student, message=BOOKING_ERRORS[outcome.reason](), status=409, carry=carry
            )
        return redirect_after_post(url_for("talks.booking", booking_id=outcome.booking_id))
    status = 422 if form.errors else 200
    return render(
        "talks/confirm.html",
        block="form",
        status=status,
        form=form,
        period=period,
        student=student,
        slot=slot,
        tz=_tz(period),
    )


@bp.get("/bookings/<id:booking_id>")
@login_required
def booking(booking_id: int):
    booking = access.talk_booking_or_404(booking_id)
    tz = _tz(booking.period)
    return render(
        "talks/booking.html",
        booking=booking,
        tz=tz,
        can_change=logic.can_change(booking)
        and access.is_guardian_of(current_user, booking.student_id),
        deadline=logic.change_deadline(booking),
        summary=overview.published_summary(booking.period_id, booking.student_id),
    )


@bp.get("/bookings/<id:booking_id>/calendar.ics")
@login_required
def booking_ics(booking_id: int):
    booking = access.talk_booking_or_404(booking_id)
    body = booking_calendar(booking, str(get_locale()))
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="utvecklingssamtal-{booking.id}.ics"'
        },
    )


def _change_refused(booking_id: int, reason: str, moving: bool = False):
    """The answer when a move or cancellation cannot be done: a second send of the same
    confirmation shows the result of the first; a move whose new time just went shows
    the free times again; anything else goes to the booking with the reason. A refused
    change wrote nothing (confirm_move and confirm_cancel roll back)."""
    target = url_for("talks.booking", booking_id=booking_id)
    if reason == "done":
        flash(str(submissions.ALREADY_SENT), "info")
    elif moving and reason in ("taken", "past", "gone"):
        booking = access.talk_booking_or_404(booking_id, guardian_only=True)
        return _slot_list(
            booking.period,
            booking.student,
            booking=booking,
            message=BOOKING_ERRORS[reason](),
            status=409,
        )
    else:
        flash(BOOKING_ERRORS[reason](), "error")
    if request.method == "POST" or request.htmx:  # htmx: a whole page, not into the region
        return redirect_after_post(target)
    return redirect(target)


@bp.route("/bookings/<id:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(booking_id: int):
    """GET asks to confirm, showing the time to be cancelled; POST cancels that time."""
    booking = access.talk_booking_or_404(booking_id, guardian_only=True)
    form = CancelForm()
    if form.validate_on_submit() and form.slot.data is not None:
        outcome = logic.confirm_cancel(
            booking, current_user, form.reason.data or "", form.slot.data
        )
        if not outcome.ok:
            return _change_refused(booking_id, outcome.reason)
        flash(_("The talk is cancelled. The other guardians are told by e-mail."), "success")
        return redirect_after_post(url_for("talks.booking", booking_id=booking_id))
    refusal = logic.change_refusal(booking)
    if refusal:
        return _change_refused(booking_id, refusal)
    form.slot.data = booking.slot_id  # the time this page shows is the one cancelled
    form.slot.errors = []
    return render(
        "talks/cancel.html",
        block="confirm",
        status=422 if form.reason.errors else 200,
        booking=booking,
        form=form,
        tz=_tz(booking.period),
    )


@bp.get("/bookings/<id:booking_id>/move")
@login_required
def choose_move(booking_id: int):
    booking = access.talk_booking_or_404(booking_id, guardian_only=True)
    refusal = logic.change_refusal(booking)
    if refusal:
        return _change_refused(booking_id, refusal)
    return _slot_list(booking.period, booking.student, booking=booking)


@bp.route("/bookings/<id:booking_id>/move/<id:slot_id>", methods=["GET", "POST"])
@login_required
def move(booking_id: int, slot_id: int):
    """GET asks to confirm, showing the booked time and the new one; POST moves."""
    booking = access.talk_booking_or_404(booking_id, guardian_only=True)
    form = MoveForm()
    if form.validate_on_submit() and form.from_slot.data is not None:
        outcome = logic.confirm_move(booking, current_user, slot_id, form.from_slot.data)
        if not outcome.ok:
            return _change_refused(booking_id, outcome.reason, moving=True)
        flash(_("The talk is moved. All guardians get an e-mail with the new time."), "success")
        return redirect_after_post(url_for("talks.booking", booking_id=booking_id))
    target = logic.move_target(booking, slot_id)
    if not target.ok:
        return _change_refused(booking_id, target.reason, moving=True)
    form.from_slot.data = booking.slot_id
    return render(
        "talks/move.html", booking=booking, slot=target.slot, form=form, tz=_tz(booking.period)
    )
