"""Register data: the admin's CSV import (upload, preview, confirm), the absence rules and
the integration's API token, the integration's JSON endpoint, and the guardian's answer
to an invalid absence."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import access
from app.absence import policy, register, reports
from app.absence.forms import AnswerForm, RegisterUploadForm, SettingsForm
from app.absence.models import AbsenceImport
from app.admin.csvfile import MAX_FILE_BYTES, UploadError, decode
from app.extensions import csrf, limiter
from app.web import after_create, redirect_after_post, render

bp = Blueprint("absence_register", __name__)

API_LIMITS = "30 per minute;600 per hour"


@bp.app_template_global()
def absence_sheet_error(code: str) -> str:
    return str(register.SHEET_ERRORS[code])


@bp.route("/absence/schools/<id:school_id>/import", methods=["GET", "POST"])
@login_required
def upload(school_id: int):
    school = access.administered_school_or_404(school_id, manage=True)
    form = RegisterUploadForm()
    if form.validate_on_submit():
        text = _uploaded_text(form.file.data)
        if not text:
            form.file.errors.append(_("Choose a CSV text file."))
        else:
            batch = register.stage(school, current_user, form.file.data.filename or "", text)
            return redirect_after_post(url_for("absence_register.preview", batch_id=batch.id))
    return render(
        "absence/import.html",
        status=422 if form.errors else 200,
        school=school,
        form=form,
        history=register.recent_imports(school),
    )


def _uploaded_text(upload) -> str | None:
    try:
        return decode(upload.read(MAX_FILE_BYTES + 1)) if upload else None
    except UploadError:
        return None


def _batch_or_404(batch_id: int) -> AbsenceImport:
    return access.administered_or_404(AbsenceImport, batch_id, manage=True)


@bp.get("/absence/imports/<id:batch_id>")
@login_required
def preview(batch_id: int):
    batch = _batch_or_404(batch_id)
    plan = None if batch.applied_at else register.plan_of(batch)
    return render("absence/import_preview.html", batch=batch, school=batch.school, plan=plan)


@bp.post("/absence/imports/<id:batch_id>/apply")
@login_required
def apply(batch_id: int):
    batch = _batch_or_404(batch_id)
    outcome = register.confirm(batch, request.form.get("digest"), current_user)
    if outcome.result == "changed":
        flash(_("The data changed since the preview. Check it and confirm again."), "error")
    elif outcome.result == "imported":
        done = outcome.done
        flash(
            _(
                "Imported: %(new)d new, %(changed)d changed, %(same)d unchanged.",
                new=done.new,
                changed=done.changed,
                same=done.unchanged,
            ),
            "success",
        )
    return redirect_after_post(url_for("absence_register.preview", batch_id=batch_id))


@bp.post("/absence/imports/<id:batch_id>/discard")
@login_required
def discard(batch_id: int):
    batch = _batch_or_404(batch_id)
    if batch.applied_at is not None:
        abort(404)
    school_id = batch.school_id
    register.discard(batch)
    flash(_("The import is discarded; nothing was changed."), "success")
    return redirect_after_post(url_for("absence_register.upload", school_id=school_id))


@bp.route("/absence/schools/<id:school_id>/settings", methods=["GET", "POST"])
@login_required
def settings(school_id: int):
    school = access.administered_school_or_404(school_id)
    manage = access.manages_school(current_user, school)
    rules = policy.for_school(school.id)
    form = SettingsForm(obj=rules)
    if request.method == "POST":
        school = access.administered_school_or_404(school_id, manage=True)
        if form.validate_on_submit():
            errors = policy.save(school, form.data, current_user)
            for name, code in errors.items():
                form[name].errors.append(str(policy.SAVE_ERRORS[code]))
            if not errors:
                flash(_("The absence rules are saved."), "success")
                return redirect_after_post(
                    url_for("absence_register.settings", school_id=school.id)
                )
    return render(
        "absence/settings.html",
        status=422 if form.errors else 200,
        school=school,
        form=form,
        rules=rules,
        manage=manage,
        new_token=session.pop("absence_token", None) if manage else None,
    )


@bp.post("/absence/schools/<id:school_id>/token")
@login_required
def token(school_id: int):
    school = access.administered_school_or_404(school_id, manage=True)
    session["absence_token"] = register.new_token(school, current_user)
    return redirect_after_post(url_for("absence_register.settings", school_id=school.id))


def _api_key() -> str:
    return f"absence-api:{request.view_args.get('school_id')}:{request.remote_addr}"


@bp.post("/api/schools/<id:school_id>/absence")
@csrf.exempt  # no cookies: the bearer token is the credential
@limiter.limit(API_LIMITS, key_func=_api_key)
def api(school_id: int):
    header = request.headers.get("Authorization", "")
    secret = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
    school = register.school_for_token(school_id, secret)
    if school is None:
        return jsonify(error="unauthorized"), 401
    got = register.receive(school, request.get_json(silent=True))
    if got.result == "bad":
        return jsonify(error=got.error), 400
    if got.result == "rows":
        errors = [{"row": e.line, "column": e.column, "problem": e.code} for e in got.errors]
        return jsonify(errors=errors), 422
    return jsonify(new=got.done.new, changed=got.done.changed, unchanged=got.done.unchanged)


@bp.route("/absence/register/<id:absence_id>/answer", methods=["GET", "POST"])
@login_required
def answer(absence_id: int):
    absence = access.register_absence_or_404(absence_id)
    form = AnswerForm()
    if form.validate_on_submit():
        outcome = reports.answer(absence, current_user, form.note.data or "", form.submit_key.data)
        url = url_for("absence.mine")
        return after_create(url, outcome.result != "repeated", _("Thank you. The mentor is told."))
    return render("absence/answer.html", absence=absence, form=form)
