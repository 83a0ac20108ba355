"""Applying for leave, withdrawing, consenting, passing on and deciding.

Every change is a conditional UPDATE on the request's current state, so a stale page,
a second tab or a second decider is refused by the database rather than overwriting.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import exists, select, update

from app import audit
from app.db_types import utcnow
from app.extensions import db
from app.leave import policy
from app.leave.models import LeaveConsent, LeaveRequest
from app.outbox import queue_mail
from app.people.family import guardians_of
from app.people.models import Staff, Student, User
from app.school.models import GroupMembership, GroupMentor, SchoolYear


class LeaveError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


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
) -> list[LeaveRequest]:
    """One request per child, sent together. The caller has assessed them (no errors).
    notify=False (demo data) queues no e-mail."""
    batch = secrets.token_hex(8)
    created = []
    for student, year in students:
        school = year.school
        result = policy.assess(student.id, school, year, start, end, today)
        if result.errors:
            raise LeaveError(next(iter(result.errors.values())))
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
    return created


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


def withdraw(request: LeaveRequest, guardian: User) -> None:
    if not _transition(request, {"status": "withdrawn", "decided_at": utcnow()}):
        raise LeaveError("already_decided")
    audit.record("leave.withdrawn", request, {}, actor=guardian)
    _notify(request, "leave_decided", guardian)


def missing_consents(request: LeaveRequest) -> list[User]:
    if not request.needs_consent:
        return []
    given = {c.guardian_id for c in request.consents}
    return [g for g in guardians_of(request.student_id) if g.id not in given]


def consent(request: LeaveRequest, guardian: User) -> None:
    if request.status != "pending":
        raise LeaveError("already_decided")
    if any(c.guardian_id == guardian.id for c in request.consents):
        return
    db.session.add(LeaveConsent(request_id=request.id, guardian_id=guardian.id))
    audit.record("leave.consented", request, {}, actor=guardian)


def is_principal(user: User, request: LeaveRequest) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Staff.user_id == user.id,
                    Staff.role == "principal",
                    Staff.school_id == request.school_year.school_id,
                )
            )
        )
    )


def is_mentor(user: User, request: LeaveRequest) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists()
                .where(GroupMentor.user_id == user.id)
                .where(
                    GroupMentor.group_id.in_(
                        select(GroupMembership.group_id).where(
                            GroupMembership.student_id == request.student_id,
                            GroupMembership.school_year_id == request.school_year_id,
                        )
                    )
                )
            )
        )
    )


def may_decide(user: User, request: LeaveRequest) -> bool:
    """The principal decides any request of the school; the mentor those within the limit."""
    if request.status != "pending":
        return False
    if is_principal(user, request):
        return True
    return request.decider == "mentor" and is_mentor(user, request)


def decide(
    request: LeaveRequest, user: User, approve: bool, comment: str, now: datetime | None = None
) -> None:
    """Approve or reject, once. A mentor's approval is checked against the limit again:
    other approvals since the request was sent may have used it up."""
    if not may_decide(user, request):
        raise LeaveError("already_decided" if request.status != "pending" else "not_allowed")
    if missing_consents(request):
        raise LeaveError("consent_missing")
    principal = is_principal(user, request)
    if approve and not principal:
        used = policy.approved_days(request.student_id, request.school_year_id)
        school = request.school_year.school
        if policy.decider_for(school, request.school_days, used) != "mentor":
            pass_on(request, user, automatic=True)
            raise LeaveError("over_limit")
    values = {
        "status": "approved" if approve else "rejected",
        "decided_by_id": user.id,
        "decided_at": now or utcnow(),
        "decision_comment": comment.strip(),
    }
    condition = () if principal else (LeaveRequest.decider == "mentor",)
    if not _transition(request, values, *condition):
        raise LeaveError("already_decided")
    audit.record(
        "leave.approved" if approve else "leave.rejected",
        request,
        {"comment": comment.strip(), "as": "principal" if principal else "mentor"},
        actor=user,
    )
    _notify(request, "leave_decided", user)


def pass_on(request: LeaveRequest, user: User, automatic: bool = False) -> None:
    """The mentor hands the request to the principal."""
    if not _transition(request, {"decider": "principal"}, LeaveRequest.decider == "mentor"):
        raise LeaveError("already_decided")
    audit.record("leave.passed_on", request, {"automatic": automatic}, actor=user)
