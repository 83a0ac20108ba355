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
from app.absence import chart, followup, overview, reports
from app.absence.forms import (
    FIELD_ERRORS,
    CloseForm,
    ContactForm,
    CorrectForm,
    ReferralForm,
    ReportForm,
    kind_label,
    reason_label,
    trend_label,
)
from app.leave.overview import children_with_years
from app.school.calendar import today
from app.web import after_create, arg_id, redirect_after_post, render

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
    "closed": _l("The referral is closed."),
}
REFERRAL_REFUSED = {
    "already_open": _l("The student already has an open referral."),
    "already_closed": _l("The referral has already been closed."),
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


# --- follow-up: the student's absence, the watch list, referrals ------------------------------


def _kinds(relation: str) -> tuple[str, ...]:
    """What the chart shows: sickness counts as valid absence for everyone but the
    student's mentors, the student and the guardians."""
    if relation == "principal":
        return ("leave", "valid", "invalid")
    return ("leave", "sick", "valid", "invalid")


def _student_page(student, relation, contact_form=None, referral_form=None, status=200):
    mentor = relation == "mentor"
    data = followup.student_absence(student, today(), with_follow_up=mentor)
    return render(
        "absence/student.html",
        status=status,
        student=student,
        relation=relation,
        data=data,
        chart=chart.build(data.summary, _kinds(relation)),
        colours=chart.COLOURS,
        chart_id=student.id,
        contact_form=contact_form or (ContactForm() if mentor else None),
        referral_form=referral_form or (ReferralForm() if mentor else None),
    )


@bp.get("/absence/students/<id:student_id>")
@login_required
def student(student_id: int):
    return _student_page(*access.absence_student_or_404(student_id))


@bp.post("/absence/students/<id:student_id>/contact")
@login_required
def contact(student_id: int):
    student = access.absence_follow_up_student_or_404(student_id)
    form = ContactForm()
    if not form.validate_on_submit():
        return _student_page(student, "mentor", contact_form=form, status=422)
    here = url_for("absence.student", student_id=student.id)
    values = {
        "channel": form.channel.data,
        "with_whom": form.with_whom.data,
        "summary": form.summary.data,
        "follow_up_on": form.follow_up_on.data,
    }
    first = followup.note_contact(
        student, current_user, today(), values, form.submit_key.data, here
    )
    return after_create(here, first, _("Noted in the contact log."))


@bp.post("/absence/students/<id:student_id>/refer")
@login_required
def refer(student_id: int):
    student = access.absence_follow_up_student_or_404(student_id)
    form = ReferralForm()
    if not form.validate_on_submit():
        return _student_page(student, "mentor", referral_form=form, status=422)
    outcome = followup.refer(student, current_user, form.reason.data, form.submit_key.data)
    here = url_for("absence.student", student_id=student.id)
    if outcome.result == "refused":
        flash(str(REFERRAL_REFUSED[outcome.reason]), "error")
        return redirect_after_post(here)
    return after_create(here, outcome.result == "referred", _("Referred to the principal."))


@bp.get("/absence/groups/<id:group_id>")
@login_required
def watchlist(group_id: int):
    group, relation = access.watchlist_group_or_404(group_id)
    on = today()
    term, rules = followup.year_context(group.school_year, group.school_year.school_id, on)
    data = followup.watchlist(group, group.school_year, term, rules, on)
    return render("absence/watchlist.html", group=group, data=data, rules=rules, relation=relation)


@bp.get("/absence/schools/<id:school_id>/referrals")
@login_required
def referrals(school_id: int):
    school = access.referrals_school_or_404(school_id)
    return render(
        "absence/referrals.html", school=school, referrals=followup.open_referrals(school.id)
    )


@bp.route("/absence/referrals/<id:referral_id>", methods=["GET", "POST"])
@login_required
def referral(referral_id: int):
    item = access.referral_or_404(referral_id)
    principal = access.is_principal_at(current_user, item.school_id)
    form = CloseForm()
    if request.method == "POST":
        item = access.referral_or_404(referral_id, close=True)
        if form.validate_on_submit():
            outcome = followup.close(item, current_user, form.outcome.data)
            if outcome.ok:
                flash(str(DONE["closed"]), "success")
            else:
                flash(str(REFERRAL_REFUSED[outcome.reason]), "error")
            return redirect_after_post(url_for("absence.referrals", school_id=item.school_id))
    return render(
        "absence/referral.html",
        status=422 if form.errors else 200,
        item=item,
        principal=principal,
        form=form,
    )
