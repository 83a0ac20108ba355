"""Applying for leave, withdrawing, consenting, passing on and deciding.

Every change is a conditional UPDATE on the request's current state, so a stale page,
a second tab or a second decider is refused by the database rather than overwriting.
Applications and decisions about one student take turns on a database lock
(`app.concurrency.lock_row`), so the limit is checked against what is decided now.
Each step commits here and returns an `Outcome`; the views only show it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import update

from app import access, audit, submissions
from app.concurrency import insert_unless_exists, lock_row
from app.db_types import utcnow
from app.extensions import db
from app.leave import policy
from app.leave.models import LeaveConsent, LeaveRequest
from app.outbox import queue_mail
from app.people.family import guardians_of
from app.people.models import Student, User
from app.school.models import SchoolYear


@dataclass(frozen=True)
class Outcome:
    """What became of a step on a request. Ordinary results are outcomes, not exceptions:
    "sent", "repeated" (a second send of the same form), "withdrawn", "consented",
    "approved", "rejected", "passed_on" (reason "over_limit" when a mentor's approval
    would pass the limit now), or "refused" with a reason ("already_decided",
    "not_allowed", "consent_missing", or the field errors of an application)."""

    result: str
    reason: str | None = None
    requests: tuple[LeaveRequest, ...] = ()
    url: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result != "refused"


def _refused(reason: str, **values) -> Outcome:
    db.session.rollback()
    return Outcome("refused", reason, **values)


def _serialize(student_id: int) -> None:
    """Checks and decisions about one student's leave take turns, in the database."""
    lock_row(Student, student_id)


def _notify(request: LeaveRequest, template: str, actor: User) -> None:
    for guardian in guardians_of(request.student_id):
        queue_mail(
            guardian.email,
            template,
            locale=guardian.locale,
            request=request,
            to_user=guardian,
            actor=actor,
        )


def apply(
    guardian: User,
    students: list[tuple[Student, SchoolYear]],
    start: date,
    end: date,
    reason: str,
    note: str,
    today: date,
    notify: bool = True,
    send_key: str | None = None,
    result_url: str = "",
) -> Outcome:
    """One request per child, sent together, and committed. The rules are checked again
    here, each child's in turn with the student's decisions: two sends at once cannot
    both pass the overlap check. A second send of the same form (`send_key`) creates
    nothing and is "repeated", with the first send's `result_url`.
    notify=False (demo data) queues no e-mail."""
    first = submissions.claim(guardian, send_key)
    if first is not None:
        db.session.rollback()
        return Outcome("repeated", url=first or result_url)
    batch = secrets.token_hex(8)
    created = []
    for student, year in sorted(students, key=lambda pair: pair[0].id):
        _serialize(student.id)
        school = year.school
        result = policy.assess(student.id, school, year, start, end, today)
        if result.errors:
            return _refused(next(iter(result.errors.values())), errors=result.errors)
        request = LeaveRequest(
            student_id=student.id,
            school_year_id=year.id,
            batch=batch,
            start_date=start,
            end_date=end,
            reason=reason,
            note=note.strip(),
            school_days=len(result.days),
            decider=result.decider,
            late=result.late,
            needs_consent=school.leave_requires_all_guardians,
            created_by_id=guardian.id,
        )
        db.session.add(request)
        db.session.flush()
        if request.needs_consent:
            db.session.add(LeaveConsent(request_id=request.id, guardian_id=guardian.id))
        audit.record(
            "leave.requested",
            request,
            {"student_id": student.id, "days": request.school_days, "decider": request.decider},
            actor=guardian,
        )
        if notify:
            _notify(request, "leave_sent", guardian)
        created.append(request)
    submissions.finish(guardian, send_key, result_url)
    db.session.commit()
    return Outcome("sent", requests=tuple(created), url=result_url)


def _transition(request: LeaveRequest, values: dict, *conditions) -> bool:
    result = db.session.execute(
        update(LeaveRequest)
        .where(LeaveRequest.id == request.id, LeaveRequest.status == "pending", *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    db.session.expire(request)
    return True


def withdraw(request: LeaveRequest, guardian: User) -> Outcome:
    if not _transition(request, {"status": "withdrawn", "decided_at": utcnow()}):
        return _refused("already_decided")
    audit.record("leave.withdrawn", request, {}, actor=guardian)
    _notify(request, "leave_decided", guardian)
    db.session.commit()
    return Outcome("withdrawn")


def missing_consents(request: LeaveRequest) -> list[User]:
    if not request.needs_consent:
        return []
    given = {c.guardian_id for c in request.consents}
    return [g for g in guardians_of(request.student_id) if g.id not in given]


def consent(request: LeaveRequest, guardian: User) -> Outcome:
    """A guardian agrees, once: a second tap (or ten at once) finds the consent made."""
    if request.status != "pending":
        return _refused("already_decided")
    if insert_unless_exists(
        LeaveConsent, request_id=request.id, guardian_id=guardian.id, created_at=utcnow()
    ):
        audit.record("leave.consented", request, {}, actor=guardian)
    db.session.commit()
    db.session.expire(request)
    return Outcome("consented")


def decide(
    request: LeaveRequest, user: User, approve: bool, comment: str, now: datetime | None = None
) -> Outcome:
    """Approve or reject, once, and commit. A mentor's approval is checked against the
    limit again, in turn with every other decision about the student: approvals made
    meanwhile may have used it up, and then the request goes to the principal."""
    _serialize(request.student_id)
    db.session.refresh(request)  # as it is now, after anyone who came first
    if request.status != "pending":
        return _refused("already_decided")
    if not access.may_decide_leave(user, request):
        return _refused("not_allowed")
    if missing_consents(request):
        return _refused("consent_missing")
    principal = access.is_principal_at(user, request.school_year.school_id)
    if approve and not principal:
        used = policy.approved_days(request.student_id, request.school_year_id)
        if policy.decider_for(request.school_year.school, request.school_days, used) != "mentor":
            return pass_on(request, user, automatic=True)
    comment = comment.strip()
    values = {
        "status": "approved" if approve else "rejected",
        "decided_by_id": user.id,
        "decided_at": now or utcnow(),
        "decision_comment": comment,
    }
    condition = () if principal else (LeaveRequest.decider == "mentor",)
    if not _transition(request, values, *condition):
        return _refused("already_decided")
    audit.record(
        "leave.approved" if approve else "leave.rejected",
        request,
        {"comment": comment, "as": "principal" if principal else "mentor"},
        actor=user,
    )
    _notify(request, "leave_decided", user)
    db.session.commit()
    return Outcome("approved" if approve else "rejected")


def pass_on(request: LeaveRequest, user: User, automatic: bool = False) -> Outcome:
    """The mentor hands the request to the principal (automatic: approving it would pass
    the mentor's limit now)."""
    if not access.may_pass_on_leave(user, request):
        return _refused("already_decided" if request.status != "pending" else "not_allowed")
    if not _transition(request, {"decider": "principal"}, LeaveRequest.decider == "mentor"):
        return _refused("already_decided")
    audit.record("leave.passed_on", request, {"automatic": automatic}, actor=user)
    db.session.commit()
    return Outcome("passed_on", "over_limit" if automatic else None)
