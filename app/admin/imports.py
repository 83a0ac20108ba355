"""Import pages: upload, dry-run preview, confirm.

The files are kept in an ImportBatch between the preview and the confirmation, so the
admin confirms exactly what they saw: the plan is computed again on confirm and applied
only if it is still the previewed one, in one transaction.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app import access
from app.admin import importer
from app.admin.csvfile import COLUMNS, GUARDIAN_FIELDS
from app.admin.forms import ImportForm
from app.admin.models import ImportBatch
from app.db_types import utcnow
from app.extensions import db
from app.school.calendar import school_current_year
from app.web import redirect_after_post, render

bp = Blueprint("imports", __name__, url_prefix="/admin")

# An upload that was never confirmed is dropped after this long (it holds personal data).
KEEP_UNCONFIRMED = timedelta(hours=24)


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
        db.session.execute(
            delete(ImportBatch).where(
                ImportBatch.school_id == school.id,
                ImportBatch.applied_at.is_(None),
                ImportBatch.created_at < utcnow() - KEEP_UNCONFIRMED,
            )
        )
        files = form.texts  # checked and decoded by the form
        batch = ImportBatch(
            school_id=school.id,
            school_year_id=form.school_year.data,
            created_by_id=current_user.id,
            files=files,
        )
        db.session.add(batch)
        db.session.commit()
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
    if batch.applied_at is not None:  # a double submit: the first one did it
        return redirect_after_post(url_for("imports.preview", batch_id=batch.id))
    plan = importer.plan(batch.school, batch.school_year, batch.files)
    if not plan.ok:
        return _preview(batch, plan, status=422)
    if plan.digest() != request.form.get("digest"):
        return _preview(batch, plan, status=409, changed=True)
    # Claim the batch in the same transaction: a second request finds it applied.
    claimed = db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.applied_at.is_(None))
        .values(applied_at=utcnow())
    ).rowcount
    if not claimed:
        db.session.rollback()
        return redirect_after_post(url_for("imports.preview", batch_id=batch.id))
    try:
        batch.summary = importer.apply(plan, batch.school, batch.school_year, current_user)
        batch.files = []  # the personal data of the file is not kept
        db.session.commit()
    except IntegrityError:
        # Someone else added the same student or guardian meanwhile: nothing is written;
        # show what the file would do now.
        db.session.rollback()
        batch = _batch_or_404(batch_id)
        plan = importer.plan(batch.school, batch.school_year, batch.files)
        return _preview(batch, plan, status=409, changed=True)
    flash(_("The import is done."), "success")
    return redirect_after_post(url_for("imports.preview", batch_id=batch.id))


@bp.post("/imports/<id:batch_id>/discard")
@login_required
def discard(batch_id: int):
    batch = _batch_or_404(batch_id)
    if batch.applied_at is not None:
        abort(404)
    school_id = batch.school_id
    db.session.delete(batch)
    db.session.commit()
    flash(_("The import is discarded; nothing was changed."), "success")
    return redirect_after_post(url_for("imports.upload", school_id=school_id))
