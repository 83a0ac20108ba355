"""Pages of the written assessment: the mentor's edit page (save, share), the period's list
and its printout of every shared assessment, one assessment's page for its readers and its
printable page. Each view asks app.access, calls app/teaching/assessment.py, renders."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from app import access, submissions
from app.db_types import utcnow
from app.fields import CONTROL_CHARACTERS_MULTILINE
from app.talks.periods import term_label
from app.teaching import assessment as logic
from app.teaching.models import STATUSES, status_label
from app.teaching.models_assessment import TEXT_MAX, TOTAL_MAX
from app.teaching.subjects import subject_label
from app.web import redirect_after_post, render

bp = Blueprint("assessment", __name__)
bp.add_app_template_global(subject_label, "assessment_subject_label")
bp.add_app_template_global(status_label, "assessment_status_label")
bp.add_app_template_global(term_label, "assessment_term_label")

ERRORS = {
    "status": _l("Choose one of the statuses in the list."),
    "missing": _l("Choose a status before sharing."),
    "long": _l("Write at most %(num)d characters."),
    "control": _l("The text contains invisible control characters. Remove them and try again."),
}


def read_entries(form, entries) -> tuple[dict, dict]:
    """The posted status and text of each subject (fields status_<code>, text_<code>), and
    an error message per field name for what cannot be saved."""
    values, errors = {}, {}
    for entry in entries:
        status = form.get(f"status_{entry.subject}", "")
        text = form.get(f"text_{entry.subject}", "")
        if status and status not in STATUSES:
            errors[f"status_{entry.subject}"] = str(ERRORS["status"])
        if len(text.strip()) > TEXT_MAX:
            errors[f"text_{entry.subject}"] = _(str(ERRORS["long"]), num=TEXT_MAX)
        elif CONTROL_CHARACTERS_MULTILINE.search(text):
            errors[f"text_{entry.subject}"] = str(ERRORS["control"])
        values[entry.subject] = (status or None, text)
    return values, errors


@bp.route(
    "/talks/periods/<id:period_id>/students/<id:student_id>/assessment", methods=["GET", "POST"]
)
@login_required
def edit(period_id: int, student_id: int):
    period, student = access.assessment_student_or_404(period_id, student_id)
    assessment = logic.open_for_mentor(period, student, current_user)
    if request.method == "GET" and assessment.shared:
        return redirect(url_for("assessment.view", assessment_id=assessment.id))
    entries = logic.sorted_entries(assessment)
    values, errors, status, message = {}, {}, 200, None
    if request.method == "POST":
        values, errors = read_entries(request.form, entries)
        status = 422 if errors else 200
        if not errors:
            share = request.form.get("action") == "share"
            saved = logic.save(assessment, current_user, values, share=share)
            if saved.result == "shared":
                flash(
                    ngettext(
                        "The written assessment is shared. %(num)d e-mail is on its way.",
                        "The written assessment is shared. %(num)d e-mails are on their way.",
                        saved.mails,
                    ),
                    "success",
                )
                return redirect_after_post(url_for("assessment.view", assessment_id=assessment.id))
            if saved.result == "already_shared":
                flash(str(submissions.ALREADY_SENT), "info")
                return redirect_after_post(url_for("assessment.view", assessment_id=assessment.id))
            if saved.result == "saved":
                flash(_("The written assessment is saved as a draft."), "success")
                return redirect_after_post(request.path)
            if saved.result == "too_early":
                flash(_("The draft is saved. It can be shared once the talk has started."), "error")
                return redirect_after_post(request.path)
            if saved.result == "too_long":
                message = _(
                    "The draft is saved. To share it, shorten the texts to at most %(max)d "
                    "characters together (now %(num)d), so it fits on one A4 page.",
                    max=TOTAL_MAX,
                    num=logic.total_length(logic.sorted_entries(assessment)),
                )
                status = 422
            elif saved.result == "incomplete":
                errors = {f"status_{s}": str(ERRORS["missing"]) for s in saved.missing}
                message = _("The draft is saved. Choose a status for every subject to share it.")
                status = 422
            else:  # "locked": shared meanwhile with other text; what was typed is shown
                message = _(
                    "This written assessment has been shared and can no longer be changed. "
                    "Your text below was not saved."
                )
                status = 409
    opens_at = logic.share_opens_at(period, student)
    return render(
        "teaching/assessment_edit.html",
        status=status,
        period=period,
        student=student,
        assessment=assessment,
        entries=entries,
        values=values,
        errors=errors,
        message=message,
        opens_at=opens_at,
        may_share=opens_at <= utcnow(),
        text_max=TEXT_MAX,
        total_max=TOTAL_MAX,
        statuses=STATUSES,
    )


@bp.get("/assessments/<id:assessment_id>")
@login_required
def view(assessment_id: int):
    assessment, relation = access.written_assessment_or_404(assessment_id)
    return render(
        "teaching/assessment_view.html",
        page=logic.printed(assessment),
        relation=relation,
    )


@bp.get("/assessments/<id:assessment_id>/print")
@login_required
def print_one(assessment_id: int):
    assessment, relation = access.written_assessment_or_404(assessment_id)
    if not assessment.shared:
        abort(404)
    back = url_for("assessment.view", assessment_id=assessment.id)
    return render(
        "teaching/assessment_print.html",
        pages=[logic.printed(assessment)],
        period=assessment.period,
        back=back,
    )


@bp.get("/talks/periods/<id:period_id>/assessments")
@login_required
def period_list(period_id: int):
    period, relation = access.assessment_period_or_404(period_id)
    rows = logic.period_rows(period, current_user)
    return render(
        "teaching/assessment_list.html",
        period=period,
        rows=rows,
        relation=relation,
        shared=sum(1 for r in rows if r.state == "shared"),
    )


@bp.get("/talks/periods/<id:period_id>/assessments/print")
@login_required
def print_period(period_id: int):
    period, _relation = access.assessment_period_or_404(period_id)
    return render(
        "teaching/assessment_print.html",
        pages=logic.shared_of_period(period),
        period=period,
        back=url_for("assessment.period_list", period_id=period.id),
    )
