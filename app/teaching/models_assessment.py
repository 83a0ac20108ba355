"""The written assessment (skriftligt omdöme) of the IUP: per student and talk period, one
entry per subject with the status and a short text, drawn up by the mentor from the
teachers' input and shared with the student and guardians after the talk.

- WrittenAssessment: one per (student, period), the unique key; `state` is "draft" until
  the mentor shares it, then "shared" for good. Sharing is one conditional UPDATE
  (state = 'draft' → 'shared'), so two shares at once share once and queue one mail per
  recipient. A shared assessment is never edited (the domain refuses, under the row's
  lock): what the family has read cannot change under them.
- AssessmentEntry: one per (assessment, subject); `from_teacher_id` names whose input
  prefilled it (kept after the mentor edits it; shown to the mentor only).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.people.models import Student, User
from app.talks.models import TalkPeriod
from app.teaching.subjects import CODE_LENGTH

STATES = ("draft", "shared")
# An entry's text: a few sentences. All of them together must fit one A4 page with the
# other subjects (tests/e2e/test_assessment.py prints the longest that may be shared).
TEXT_MAX = 600
TOTAL_MAX = 2400


class WrittenAssessment(db.Model):
    __tablename__ = "written_assessment"
    __table_args__ = (
        UniqueConstraint("student_id", "period_id"),
        CheckConstraint("state IN ('draft', 'shared')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("talk_period.id"), index=True)
    state: Mapped[str] = mapped_column(String(8), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student: Mapped[Student] = relationship()
    period: Mapped[TalkPeriod] = relationship()
    shared_by: Mapped[User | None] = relationship(foreign_keys=[shared_by_id])
    entries: Mapped[list[AssessmentEntry]] = relationship(
        back_populates="assessment", order_by="AssessmentEntry.id"
    )

    @property
    def shared(self) -> bool:
        return self.state == "shared"


class AssessmentEntry(db.Model):
    __tablename__ = "assessment_entry"
    __table_args__ = (
        UniqueConstraint("assessment_id", "subject"),
        CheckConstraint("status IN ('on_track', 'needs_support', 'at_risk')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("written_assessment.id"), index=True)
    subject: Mapped[str] = mapped_column(String(CODE_LENGTH))
    # None until the mentor (or a teacher's input) sets it; sharing needs every status set.
    status: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(TEXT_MAX), default="")
    from_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    assessment: Mapped[WrittenAssessment] = relationship(back_populates="entries")
    from_teacher: Mapped[User | None] = relationship()
