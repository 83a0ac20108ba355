"""Feed tokens: the secret in a calendar link. Only its SHA-256 is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.people.models import Student, User


class FeedToken(db.Model):
    __tablename__ = "feed_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # A guardian's feed for one child; None: everything that concerns the user.
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The feed's content fingerprint when last served, and since when it has been that:
    # Last-Modified is true even for changes that carry no timestamp (a new day off).
    content_fingerprint: Mapped[str | None] = mapped_column(String(64))
    content_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The link's rate limit (FEED_RATE_LIMIT), counted on its own row by the refresh that
    # answers it: requests in the current fixed window, which ends at `hits_until`
    # (seconds since the epoch).
    hits: Mapped[int] = mapped_column(default=0, server_default="0")
    hits_until: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")

    user: Mapped[User] = relationship()
    student: Mapped[Student | None] = relationship()
