"""Import batches: the uploaded files kept between the preview and the confirmation, so the
admin confirms exactly what they saw. The plan is computed again on confirmation and
applied only if it is still the previewed one, in one transaction. Each step commits here
and returns what became of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from app.admin import importer
from app.admin.models import ImportBatch
from app.db_types import utcnow
from app.extensions import db
from app.people.models import User
from app.school.models import School

# An upload that was never confirmed is dropped after this long (it holds personal data).
KEEP_UNCONFIRMED = timedelta(hours=24)


def upload(school: School, school_year_id: int, files: list[dict], actor: User) -> ImportBatch:
    """Keep checked, decoded files (`{"name", "text"}`) for a preview, and commit. The
    school's unconfirmed uploads older than KEEP_UNCONFIRMED go."""
    db.session.execute(
        delete(ImportBatch).where(
            ImportBatch.school_id == school.id,
            ImportBatch.applied_at.is_(None),
            ImportBatch.created_at < utcnow() - KEEP_UNCONFIRMED,
        )
    )
    batch = ImportBatch(
        school_id=school.id, school_year_id=school_year_id, created_by_id=actor.id, files=files
    )
    db.session.add(batch)
    db.session.commit()
    return batch


@dataclass(frozen=True)
class Confirmation:
    """ "done" (written and committed), "already_done" (a second confirmation: the first
    one did it), or not written: "not_valid" (the files have errors) or "changed" (the
    plan is not the previewed one, or someone added the same people meanwhile); `plan` is
    then what the files would do now."""

    result: str
    plan: importer.Plan | None = None


def confirm(batch: ImportBatch, digest: str | None, actor: User) -> Confirmation:
    if batch.applied_at is not None:
        return Confirmation("already_done")
    plan = importer.plan(batch.school, batch.school_year, batch.files)
    if not plan.ok:
        return Confirmation("not_valid", plan)
    if plan.digest() != digest:
        return Confirmation("changed", plan)
    # Claim the batch in the same transaction: a second request finds it applied.
    claimed = db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.applied_at.is_(None))
        .values(applied_at=utcnow())
    ).rowcount
    if not claimed:
        db.session.rollback()
        return Confirmation("already_done")
    try:
        batch.summary = importer.apply(plan, batch.school, batch.school_year, actor)
        batch.files = []  # the personal data of the file is not kept
        db.session.commit()
    except IntegrityError:
        # Someone else added the same student or guardian meanwhile: nothing is written;
        # the plan is what the file would do now.
        db.session.rollback()
        return Confirmation("changed", importer.plan(batch.school, batch.school_year, batch.files))
    return Confirmation("done")


def discard(batch: ImportBatch) -> bool:
    """Drop an unconfirmed upload, and commit. False when it was confirmed already."""
    if batch.applied_at is not None:
        return False
    db.session.delete(batch)
    db.session.commit()
    return True
