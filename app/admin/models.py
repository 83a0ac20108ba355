"""An uploaded import, kept between its dry run and the admin's confirmation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.people.models import User
from app.school.models import School, SchoolYear


class ImportBatch(db.Model):
    """The files of one import. Their text (personal data) is dropped once applied or
    abandoned; the summary of what was done stays as the import's history."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # [{"name": "elever.csv", "text": "..."}], decoded at upload.
    files: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    school: Mapped[School] = relationship()
    school_year: Mapped[SchoolYear] = relationship()
    created_by: Mapped[User | None] = relationship()
