"""Import pages: upload, dry-run preview, confirm (the batches' steps: app/admin/batches.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import access
from app.admin import batches, importer
from app.admin.csvfile import COLUMNS, GUARDIAN_FIELDS
from app.admin.forms import ImportForm
from app.admin.models import ImportBatch
from app.extensions import db
from app.school.calendar import school_current_year
from app.web import redirect_after_post, render

bp = Blueprint("imports", __name__, url_prefix="/admin")


def _year_choices(form: ImportForm, school) -> None:
    form.school_year.choices = [(y.id, y.name) for y in reversed(school.school_years)]
    if request.method == "GET":
        year = school_current_year(school)
        form.school_year.data = year.id if year else None


@bp.route("/schools/<id:school_id>/import", methods=["GET", "POST"])
@login_required
def upload(school_id: int):
    school = access.administered_school_or_404(school_id, manage=True)
    form = ImportForm()
    _year_choices(form, school)
    if form.validate_on_submit():
        # The files are checked and decoded by the form.
        batch = batches.upload(school, form.school_year.data, form.texts, current_user)
        return redirect_after_post(url_for("imports.preview", batch_id=batch.id))
    history = db.session.scalars(
        select(ImportBatch)
        .where(ImportBatch.school_id == school.id, ImportBatch.applied_at.is_not(None))
        .order_by(ImportBatch.applied_at.desc())
        .limit(20)
    ).all()
    return render(
        "admin/import.html",
        status=422 if form.errors else 200,
        school=school,
        form=form,
        history=history,
        columns=list(COLUMNS),
        guardian_fields=list(GUARDIAN_FIELDS),
    )


def _batch_or_404(batch_id: int) -> ImportBatch:
    return access.administered_or_404(ImportBatch, batch_id, manage=True)


def _preview(batch: ImportBatch, plan: importer.Plan, status: int = 200, changed=False):
    return render(
        "admin/import_preview.html",
        status=status,
        batch=batch,
        school=batch.school,
        plan=plan,
        changed=changed,
    )


@bp.get("/imports/<id:batch_id>")
@login_required
def preview(batch_id: int):
    batch = _batch_or_404(batch_id)
    if batch.applied_at is not None:
        return render("admin/import_done.html", batch=batch, school=batch.school)
    return _preview(batch, importer.plan(batch.school, batch.school_year, batch.files))


@bp.post("/imports/<id:batch_id>/apply")
@login_required
def apply(batch_id: int):
    batch = _batch_or_404(batch_id)
    outcome = batches.confirm(batch, request.form.get("digest"), current_user)
    if outcome.result == "not_valid":
        return _preview(batch, outcome.plan, status=422)
    if outcome.result == "changed":
        return _preview(batch, outcome.plan, status=409, changed=True)
    if outcome.result == "done":
        flash(_("The import is done."), "success")
    # "already_done": a double submit, the first one did it.
    return redirect_after_post(url_for("imports.preview", batch_id=batch.id))


@bp.post("/imports/<id:batch_id>/discard")
@login_required
def discard(batch_id: int):
    batch = _batch_or_404(batch_id)
    school_id = batch.school_id
    if not batches.discard(batch):
        abort(404)
    flash(_("The import is discarded; nothing was changed."), "success")
    return redirect_after_post(url_for("imports.upload", school_id=school_id))
