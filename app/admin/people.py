"""Staff of a school and invitations: staff are invited one by one, guardians from an
import per group or all at once. An invitation is a one-time sign-in link.
Each change is audited and committed here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import audit
from app.admin import Outcome, refused
from app.db_types import utcnow
from app.extensions import db
from app.people import sessions
from app.people.models import STAFF_ROLES, Guardianship, Staff, Student, User
from app.people.signin import mail_link
from app.school.calendar import school_current_year, today
from app.school.models import GroupMembership, GroupMentor, MentorGroup, School, SchoolYear

# A second click (or a second admin) within this time does not send the same invitation again.
RESEND_AFTER = timedelta(hours=24)


def send_invitation(user: User, school: School, inviter: User, as_guardian: bool) -> None:
    days = current_app.config["INVITATION_DAYS"]
    mail_link(
        user,
        "signin",
        days * 24 * 60,
        "invitation",
        school=school,
        days=days,
        as_guardian=as_guardian,
    )
    user.invited_at = utcnow()
    audit.record("invitation.sent", user, {"email": user.email}, actor=inviter, school_id=school.id)


# --- staff ------------------------------------------------------------------------------------


@dataclass
class StaffMember:
    user: User
    roles: list[str]
    groups: list[str]


def staff_of(school: School) -> list[StaffMember]:
    rows = db.session.scalars(
        select(Staff).where(Staff.school_id == school.id).options(selectinload(Staff.user))
    ).all()
    year = school_current_year(school)
    mentoring: dict[int, list[str]] = {}
    if year:
        for user_id, name in db.session.execute(
            select(GroupMentor.user_id, MentorGroup.name)
            .join(MentorGroup)
            .where(MentorGroup.school_year_id == year.id)
            .order_by(MentorGroup.name)
        ):
            mentoring.setdefault(user_id, []).append(name)
    people: dict[int, StaffMember] = {}
    for row in rows:
        member = people.setdefault(
            row.user_id, StaffMember(row.user, [], mentoring.get(row.user_id, []))
        )
        member.roles.append(row.role)
    for member in people.values():
        member.roles.sort(key=STAFF_ROLES.index)
    return sorted(people.values(), key=lambda m: m.user.name)


def staff_member_or_none(school: School, user_id: int) -> StaffMember | None:
    return next((m for m in staff_of(school) if m.user.id == user_id), None)


def _set_roles(
    school: School, user: User, roles: list[str], keep: bool = False
) -> tuple[list[str], list[str]]:
    """Give the user exactly these roles at the school (keep=True: these in addition)."""
    rows = db.session.scalars(
        select(Staff).where(Staff.school_id == school.id, Staff.user_id == user.id)
    ).all()
    old = sorted(r.role for r in rows)
    if keep:
        roles = sorted(set(old) | set(roles))
    for row in rows:
        if row.role not in roles:
            db.session.delete(row)
    for role in roles:
        if role not in old:
            db.session.add(Staff(user_id=user.id, school_id=school.id, role=role))
    return old, sorted(roles)


def invite_staff(school: School, name: str, email: str, roles: list[str], inviter: User) -> User:
    """A new or existing person gets the roles at the school and an invitation (queued)."""
    email = email.strip().lower()
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name)
        db.session.add(user)
        db.session.flush()
    elif not user.active:
        user.active = True
    old, new = _set_roles(school, user, roles, keep=True)
    audit.record(
        "staff.invited",
        user,
        {"email": email, "old": old, "new": new},
        actor=inviter,
        school_id=school.id,
    )
    send_invitation(user, school, inviter, as_guardian=False)
    db.session.commit()
    return user


def change_roles(school: School, user: User, roles: list[str], actor: User) -> Outcome[User]:
    """Give the person exactly these roles at the school. Refused: no role at all (that is
    deactivating), or an admin taking their own admin role away."""
    if not roles:
        return refused("roles", _l("Choose at least one role, or deactivate the person."))
    if user.id == actor.id and "admin" not in roles and not actor.is_site_admin:
        return refused("roles", _l("You cannot take away your own admin role."))
    old, new = _set_roles(school, user, roles)
    audit.record(
        "staff.roles_changed", user, {"old": old, "new": new}, actor=actor, school_id=school.id
    )
    db.session.commit()
    return Outcome(user)


def deactivate_member(school: School, user: User, actor: User) -> Outcome[bool]:
    """End the person's roles at the school (`deactivate`); `done` says whether their
    account was closed. Refused: deactivating oneself, or a person who still mentors a
    group in a school year that has not ended."""
    if user.id == actor.id:
        return refused("user", _l("You cannot deactivate yourself."))
    groups = db.session.scalars(
        select(MentorGroup.name)
        .join(GroupMentor)
        .join(SchoolYear)
        .where(
            GroupMentor.user_id == user.id,
            SchoolYear.school_id == school.id,
            SchoolYear.end_date >= today(school.time_zone),
        )
        .order_by(MentorGroup.name)
    ).all()
    if groups:
        return refused(
            "user", _l("Give %(groups)s another mentor first.", groups=", ".join(groups))
        )
    return Outcome(deactivate(school, user, actor))


def deactivate(school: School, user: User, actor: User) -> bool:
    """End the person's roles at the school, and commit; their account is closed when
    nothing else (another school, a child, a student login) still needs it. Returns
    whether it was. The checks are `deactivate_member`'s: pages call that."""
    old, _new = _set_roles(school, user, [])
    db.session.flush()
    still_needed = db.session.scalar(
        select(
            select(Staff.id).where(Staff.user_id == user.id).exists()
            | select(Guardianship.id).where(Guardianship.guardian_id == user.id).exists()
            | select(Student.id).where(Student.user_id == user.id).exists()
        )
    )
    closed = not still_needed and not user.is_site_admin
    if closed:
        user.active = False
    # Every signed-in device of the person starts over, with only the roles that remain.
    sessions.end_all(user)
    audit.record(
        "staff.deactivated",
        user,
        {"old": old, "account_closed": closed},
        actor=actor,
        school_id=school.id,
    )
    db.session.commit()
    return closed


# --- guardians ----------------------------------------------------------------------------


@dataclass
class GroupInvitations:
    group: MentorGroup | None
    guardians: int
    signed_in: int
    invited: int
    to_invite: int


def _guardians_query(year: SchoolYear, group_id: int | None = None):
    query = (
        select(User)
        .join(Guardianship, Guardianship.guardian_id == User.id)
        .join(GroupMembership, GroupMembership.student_id == Guardianship.student_id)
        .where(GroupMembership.school_year_id == year.id, User.active)
    )
    if group_id is not None:
        query = query.where(GroupMembership.group_id == group_id)
    return query


def _waiting(now):
    """Never signed in, and not invited within RESEND_AFTER."""
    return (User.last_signed_in_at.is_(None)) & (
        User.invited_at.is_(None) | (User.invited_at < now - RESEND_AFTER)
    )


def invitation_overview(year: SchoolYear) -> list[GroupInvitations]:
    now = utcnow()
    rows = db.session.execute(
        select(
            GroupMembership.group_id,
            func.count(func.distinct(User.id)),
            func.count(func.distinct(User.id)).filter(User.last_signed_in_at.is_not(None)),
            func.count(func.distinct(User.id)).filter(User.invited_at.is_not(None)),
            func.count(func.distinct(User.id)).filter(_waiting(now)),
        )
        .select_from(User)
        .join(Guardianship, Guardianship.guardian_id == User.id)
        .join(GroupMembership, GroupMembership.student_id == Guardianship.student_id)
        .where(GroupMembership.school_year_id == year.id, User.active)
        .group_by(GroupMembership.group_id)
    ).all()
    counts = {row[0]: row[1:] for row in rows}
    return [GroupInvitations(group, *counts.get(group.id, (0, 0, 0, 0))) for group in year.groups]


def invite_guardians(
    school: School, year: SchoolYear, inviter: User, group_id: int | None = None
) -> int:
    """Invite the guardians of the group (None: of every group) who have not signed in
    and were not invited within a day, and commit. Returns how many were invited."""
    now = utcnow()
    guardians = db.session.scalars(
        _guardians_query(year, group_id).where(_waiting(now)).distinct().order_by(User.id)
    ).all()
    for user in guardians:
        send_invitation(user, school, inviter, as_guardian=True)
    audit.record(
        "invitations.sent",
        school,
        {"year": year.name, "group_id": group_id, "count": len(guardians)},
        actor=inviter,
    )
    db.session.commit()
    return len(guardians)
