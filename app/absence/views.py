"""Absence pages: guardians report sickness and see their children's absence; mentors see
who is away today and follow up; principals handle referrals; admins import the register."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app import access, submissions
from app.absence import overview, reports
from app.absence.forms import (
    FIELD_ERRORS,
    CorrectForm,
    ReportForm,
    kind_label,
    reason_label,
    trend_label,
)
from app.leave.overview import children_with_years
from app.school.calendar import today
from app.web import arg_id, redirect_after_post, render

bp = Blueprint("absence", __name__)
bp.add_app_template_global(kind_label)
bp.add_app_template_global(trend_label)
bp.add_app_template_global(reason_label, "absence_reason_label")

REFUSED = {
    "already_ended": _l("The report has already ended. Here is how it looks now."),
    "not_open": _l("This has already been handled. Here is how it looks now."),
}
DONE = {
    "corrected": _l("The report is corrected."),
    "ended": _l("The report is ended. Welcome back!"),
    "accepted": _l("Accepted: the absence is valid."),
}


def _flash(outcome: reports.Outcome) -> None:
    if outcome.ok:
        flash(str(DONE[outcome.result]), "success")
    else:
        flash(str(REFUSED[outcome.reason]), "error")


def _field_errors(form, errors: dict[str, str]) -> None:
    for name, code in errors.items():
        getattr(form, name).errors.append(str(FIELD_ERRORS[code]))


def _period_choices(first_day, on) -> list[SelectChoice]:
    day = format_date(first_day, "EEE d MMM")
    return [
        SelectChoice("today", _("Today, %(day)s", day=day) if first_day == on else day),
        SelectChoice("two_days", _("Today and tomorrow") if first_day == on else _("Two days")),
        SelectChoice("until", _("Several days (choose the last day)")),
        SelectChoice("from_time", _("From a time today (went home)")),
    ]


@bp.route("/absence/report", methods=["GET", "POST"])
@access.role_required("guardian")
def report():
    on = today()
    children = children_with_years(current_user, on)
    year = children[0][1] if children else None
    form = ReportForm()
    form.students.choices = [SelectChoice(s.id, s.first_name) for s, _y in children]
    first_day = reports.policy.next_school_day(on, year, include=True)
    form.period.choices = _period_choices(first_day, on)
    if request.method == "GET":
        chosen = arg_id("student")
        everyone = request.args.get("all") == "1" or len(children) == 1
        form.students.data = [s.id for s, _y in children if everyone or s.id == chosen]
    if form.validate_on_submit():
        picked = [(s, y) for s, y in children if s.id in (form.students.data or [])]
        if not picked:
            form.students.errors.append(_("Choose at least one child."))
        period = form.period.data if form.period.data in reports.PERIODS else "today"
        dates, errors = reports.dates_for(period, on, year, form.until.data, form.from_time.data)
        _field_errors(form, errors)
        first = form.errors and submissions.first_result(current_user, form.submit_key.data)
        if first:
            flash(str(submissions.ALREADY_SENT), "info")
            return redirect_after_post(first)
        if not form.errors:
            outcome = reports.report(
                current_user,
                picked,
                dates,
                form.note.data or "",
                send_key=form.submit_key.data,
                result_url=url_for("absence.mine"),
            )
            if outcome.result == "repeated":
                flash(str(submissions.ALREADY_SENT), "info")
            else:
                flash(_sent_message(outcome), "success")
            return redirect_after_post(outcome.url)
    return render(
        "absence/report.html", status=422 if form.errors else 200, form=form, children=children
    )


def _sent_message(outcome: reports.Outcome) -> str:
    names = ", ".join(r.student.first_name for r in outcome.reports)
    late = any(r.late for r in outcome.reports)
    message = _("Sickness reported for %(names)s. The mentor sees it now.", names=names)
    if late:
        message += " " + _("It came after the school's morning time and is marked late.")
    return message


@bp.get("/absence")
@access.role_required("guardian")
def mine():
    on = today()
    return render(
        "absence/mine.html",
        reports=overview.guardian_reports(current_user, on),
        unexplained=overview.guardian_unexplained(current_user, on - timedelta(days=30)),
        children=children_with_years(current_user, on),
        today=on,
    )


def _report_page(item, form=None, status: int = 200):
    guardian = access.is_guardian_of(current_user, item.student_id)
    if form is None:
        form = CorrectForm(formdata=None, end_date=item.end_date, note=item.note)
    return render(
        "absence/report_detail.html",
        status=status,
        item=item,
        guardian=guardian,
        show_note=guardian or access.may_read_sickness_note(current_user, item.student_id),
        mentor=access.may_read_sickness_note(current_user, item.student_id),
        form=form,
        today=today(),
    )


@bp.route("/absence/reports/<id:report_id>", methods=["GET", "POST"])
@login_required
def report_detail(report_id: int):
    item = access.sickness_report_or_404(report_id)
    if request.method == "GET":
        return _report_page(item)
    item = access.sickness_report_or_404(report_id, guardian_only=True)
    form = CorrectForm()
    if form.validate_on_submit():
        outcome = reports.correct(item, current_user, form.end_date.data, form.note.data or "")
        if outcome.ok or outcome.reason:
            _flash(outcome)
            return redirect_after_post(url_for("absence.report_detail", report_id=report_id))
        _field_errors(form, outcome.errors)
    return _report_page(item, form, status=422)


@bp.post("/absence/reports/<id:report_id>/end")
@login_required
def end(report_id: int):
    item = access.sickness_report_or_404(report_id, guardian_only=True)
    _flash(reports.end(item, current_user, today()))
    return redirect_after_post(url_for("absence.report_detail", report_id=report_id))


@bp.post("/absence/reports/<id:report_id>/accept")
@login_required
def accept(report_id: int):
    item = access.sickness_report_or_404(report_id)
    access.absence_follow_up_student_or_404(item.student_id)
    _flash(reports.accept(item, current_user))
    return redirect_after_post(url_for("absence.report_detail", report_id=report_id))
