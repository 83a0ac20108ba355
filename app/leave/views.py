"""Leave pages: guardians apply and follow their requests; mentors and principals decide."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app import access, submissions
from app.leave import overview, policy
from app.leave import requests as logic
from app.leave.forms import DecisionForm, LeaveForm, reason_label, status_label
from app.leave.models import STATUSES
from app.school.calendar import today
from app.web import arg_date, arg_id, redirect_after_post, render, safe_next

bp = Blueprint("leave", __name__)
bp.add_app_template_global(reason_label)
bp.add_app_template_global(status_label)

FIELD_ERRORS = {
    "end_before_start": _l("The last day must be the same as or after the first day."),
    "past": _l("The leave cannot start in the past."),
    "outside_year": _l("The days must be within the school year."),
    "overlap": _l("There is already a request for some of these days."),
    "no_school_days": _l("These are no school days, so no leave is needed."),
}
ACTION_ERRORS = {
    "already_decided": _l(
        "The request has already been decided or withdrawn. Here is how it looks now."
    ),
    "not_allowed": _l("You cannot decide this request."),
    "consent_missing": _l("All guardians must agree before the request can be decided."),
    "over_limit": _l(
        "Approving it would pass the days the mentor may grant this year, "
        "so it has been passed on to the principal."
    ),
}
DONE = {
    "approved": _l("Approved. The guardians are told."),
    "rejected": _l("Rejected. The guardians are told."),
    "withdrawn": _l("The request is withdrawn."),
    "consented": _l("Thank you: you have agreed to the request."),
    "passed_on": _l("The request is passed on to the principal."),
}


def _message(outcome: logic.Outcome) -> tuple[str, str]:
    """The flash of an outcome: what was done, or why not."""
    if outcome.result == "refused" or outcome.reason == "over_limit":
        return str(ACTION_ERRORS[outcome.reason]), "error"
    return str(DONE[outcome.result]), "success"


def _item_response(item, message: str, category: str = "success"):
    """The decided request's row for an inline (htmx) decision."""
    return render(
        "leave/_item_page.html",
        block="item",
        item=item,
        message=message,
        category=category,
        decision_form=DecisionForm(),
    )


def _field_errors(form, errors: dict[str, str], name: str | None) -> None:
    for field_name, code in errors.items():
        message = str(FIELD_ERRORS[code])
        if name and code == "overlap":
            message = f"{name}: {message}"
        field_errors = getattr(form, field_name).errors
        if message not in field_errors:
            field_errors.append(message)


def _sent_message(outcome: logic.Outcome) -> tuple[str, str]:
    if outcome.result == "repeated":
        return str(submissions.ALREADY_SENT), "info"
    if len(outcome.requests) == 1:
        return _("The request is sent. All guardians get an e-mail; the decision shows here."), (
            "success"
        )
    return _("%(num)d requests are sent, one for each child.", num=len(outcome.requests)), (
        "success"
    )


@bp.route("/leave/new", methods=["GET", "POST"])
@access.role_required("guardian")
def new():
    children = overview.children_with_years(current_user, today())
    form = LeaveForm()
    form.students.choices = [SelectChoice(s.id, s.first_name) for s, _ in children]
    if request.method == "GET":
        chosen = arg_id("student")
        form.students.data = (
            [chosen] if chosen else ([children[0][0].id] if len(children) == 1 else [])
        )
    previews = []
    if form.validate_on_submit():
        picked = [(s, y) for s, y in children if s.id in (form.students.data or [])]
        if not picked:
            form.students.errors.append(_("Choose at least one child."))
        for student, year in picked:
            result = policy.assess(
                student.id, student.school, year, form.start_date.data, form.end_date.data, today()
            )
            _field_errors(form, result.errors, student.first_name if len(picked) > 1 else None)
            previews.append((student, result))
        first = form.errors and submissions.first_result(current_user, form.submit_key.data)
        if first:  # sent before, so what that send made is in the way: show it instead
            flash(str(submissions.ALREADY_SENT), "info")
            return redirect_after_post(first)
        if not form.errors and request.form.get("action") == "send":
            outcome = logic.apply(
                current_user,
                picked,
                form.start_date.data,
                form.end_date.data,
                form.reason.data,
                form.note.data or "",
                today(),
                send_key=form.submit_key.data,
                result_url=url_for("leave.mine"),
            )
            if outcome.ok:
                flash(*_sent_message(outcome))
                return redirect_after_post(outcome.url)
            _field_errors(form, outcome.errors, None)  # changed meanwhile (another send)
    status = 422 if form.errors else 200
    return render(
        "leave/new.html",
        status=status,
        form=form,
        previews=previews if not form.errors else [],
        children=children,
    )


@bp.get("/leave")
@access.role_required("guardian")
def mine():
    return render("leave/mine.html", requests=overview.guardian_requests(current_user))


def _detail(leave, decision_form, status: int = 200):
    return render(
        "leave/detail.html",
        status=status,
        item=overview.items_for([leave])[0],
        leave=leave,
        is_guardian=access.is_guardian_of(current_user, leave.student_id),
        may_pass_on=access.may_pass_on_leave(current_user, leave),
        missing=logic.missing_consents(leave),
        decision_form=decision_form,
    )


@bp.get("/leave/<id:request_id>")
@login_required
def detail(request_id: int):
    return _detail(access.leave_request_or_404(request_id), DecisionForm())


def _guardian_step(request_id: int, step):
    """A guardian's one-button step on their child's request: withdraw or agree."""
    leave = access.leave_request_or_404(request_id, guardian_only=True)
    flash(*_message(step(leave, current_user)))
    return redirect_after_post(url_for("leave.detail", request_id=request_id))


@bp.post("/leave/<id:request_id>/withdraw")
@login_required
def withdraw(request_id: int):
    return _guardian_step(request_id, logic.withdraw)


@bp.post("/leave/<id:request_id>/consent")
@login_required
def consent(request_id: int):
    return _guardian_step(request_id, logic.consent)


@bp.post("/leave/<id:request_id>/decide")
@login_required
def decide(request_id: int):
    leave = access.leave_request_or_404(request_id)
    form = DecisionForm()
    decision = request.form.get("decision")
    if not form.validate_on_submit() or decision not in ("approve", "reject"):
        abort(400)
    if decision == "reject" and not (form.comment.data or "").strip():
        form.comment.errors.append(_("Say why, so the guardians understand the decision."))
        if request.htmx:
            return render(
                "leave/_item_page.html",
                block="item",
                status=422,
                item=overview.items_for([leave])[0],
                decision_form=form,
                message=None,
            )
        return _detail(leave, form, status=422)
    outcome = logic.decide(leave, current_user, decision == "approve", form.comment.data or "")
    message, category = _message(outcome)
    if request.htmx:
        leave = access.leave_request_or_404(request_id)
        return _item_response(overview.items_for([leave])[0], message, category)
    flash(message, category)
    return redirect_after_post(
        safe_next(request.form.get("back")) or url_for("leave.detail", request_id=request_id)
    )


@bp.post("/leave/<id:request_id>/pass-on")
@login_required
def pass_on(request_id: int):
    leave = access.leave_request_or_404(request_id)
    if not access.mentors_student(current_user, leave.student_id, leave.school_year_id):
        abort(404)
    flash(*_message(logic.pass_on(leave, current_user)))
    return redirect_after_post(url_for("leave.inbox"))


@bp.get("/leave/inbox")
@access.role_required("mentor")
def inbox():
    mine, principal = overview.mentor_inbox(current_user)
    return render("leave/inbox.html", mine=mine, principal=principal, decision_form=DecisionForm())


@bp.get("/leave/schools/<id:school_id>")
@login_required
def school(school_id: int):
    school = access.school_or_404(school_id, "principal", "admin")
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    group_id = arg_id("group")
    start, end = arg_date("from"), arg_date("to")
    data = overview.school_requests(school.id, status, group_id, start, end)
    return render(
        "leave/school.html",
        school=school,
        data=data,
        filters={"status": status, "group": group_id, "from": start, "to": end},
        statuses=STATUSES,
        decision_form=DecisionForm(),
    )
