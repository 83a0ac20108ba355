"""The one place that answers "may this user see or do this?".

Views never check relations themselves: they ask here, either for a scope (a
query of the ids a user may see) or for an object (`*_or_404`). Objects a user
may not see answer 404, not 403, so that ids cannot be probed.

Staff relations hold only for active staff: a mentor assignment (GroupMentor) counts only
while the user has a Staff row at the group's school. Deactivation at a school removes
those rows, so a former mentor who is still a guardian (or works at another school)
loses every mentor view of that school's groups, of earlier years too, through the one
scope `mentored_group_ids` that the other rules build on.

The contact log follows the student: a student's notes are read and written by the
mentors of the student's current group (the group of the student's latest school year)
and by the principals of the student's school. At a handover the new mentor gets the
notes; a mentor of an earlier year's group who no longer mentors the student does not.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import Select, exists, or_, select, union
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from app import hot_path
from app.extensions import db
from app.people.models import Guardianship, Staff, Student, User
from app.school.models import GroupMembership, GroupMentor, MentorGroup, School, SchoolYear

# The order in which a person with several roles sees them; the first is their start page.
ROLES = ("guardian", "student", "mentor", "teacher", "principal", "admin")
ROLE_LABELS = {
    "guardian": _l("Guardian"),
    "student": _l("Student"),
    "mentor": _l("Mentor"),
    "teacher": _l("Teacher"),
    "principal": _l("Principal"),
    "admin": _l("Administration"),
}


def role_label(role: str) -> str:
    return hot_path.text(ROLE_LABELS[role])


def role_columns(uid) -> list:
    """One boolean column per role in ROLES order, for a select of the user's row: the
    sign-in session's lookup asks them in the same statement (app/people/sessions.py)."""
    return [
        exists().where(Guardianship.guardian_id == uid).label("is_guardian"),
        exists().where(Student.user_id == uid).label("is_student"),
        exists(mentored_group_ids_of(uid)).label("is_mentor"),
        exists(taught_group_ids_of(uid)).label("is_teacher"),
        exists().where(Staff.user_id == uid, Staff.role == "principal").label("is_principal"),
        exists().where(Staff.user_id == uid, Staff.role == "admin").label("is_admin"),
    ]


def roles_from_columns(user: User, held) -> list[str]:
    held = dict(zip(ROLES, (bool(h) for h in held), strict=True))
    if user.is_site_admin:
        held["admin"] = True
    return [role for role in ROLES if held[role]]


def roles_of(user: User) -> list[str]:
    """The roles a user holds, in ROLES order, from one query over the relations."""
    held = db.session.execute(select(*role_columns(user.id))).one()
    return roles_from_columns(user, held)


def current_roles() -> list[str]:
    """The signed-in user's roles, looked up once per request (normally together with the
    sign-in session, see app/people/sessions.py)."""
    if not getattr(current_user, "is_authenticated", False):
        return []
    if "roles" not in g or g.get("roles_user_id") != current_user.id:
        g.roles = roles_of(current_user)
        g.roles_user_id = current_user.id
    return g.roles


# --- scopes: selects of ids -------------------------------------------------------------


def school_ids_with_role(user: User, *roles: str) -> Select:
    """Schools where the user has one of the staff roles."""
    return select(Staff.school_id).where(Staff.user_id == user.id, Staff.role.in_(roles))


def mentored_group_ids(user: User) -> Select:
    """Groups the user mentors or co-mentors, at schools where the user is still staff
    (a Staff row at the group's school); earlier years' groups included."""
    return mentored_group_ids_of(user.id)


def mentored_group_ids_of(uid) -> Select:
    """`mentored_group_ids` for a user id, a column or a bind parameter (for statements
    built once per process and run with the user's id)."""
    return (
        select(GroupMentor.group_id)
        .join(MentorGroup, MentorGroup.id == GroupMentor.group_id)
        .join(SchoolYear, SchoolYear.id == MentorGroup.school_year_id)
        .where(
            GroupMentor.user_id == uid,
            # Correlated to the user of an enclosing select when `uid` is its column (the
            # session lookup's role columns): without it, "user" would be a FROM of its
            # own here, and any staff row at the school would do.
            SchoolYear.school_id.in_(
                select(Staff.school_id).where(Staff.user_id == uid).correlate_except(Staff)
            ),
        )
    )


def current_member_ids(group_ids: Select) -> Select:
    """Students whose current group is one of these groups."""
    later = aliased(GroupMembership)
    later_year = aliased(SchoolYear)
    newer = (
        select(later.id)
        .join(later_year, later_year.id == later.school_year_id)
        .where(
            later.student_id == GroupMembership.student_id,
            later_year.start_date > SchoolYear.start_date,
        )
        .exists()
    )
    return (
        select(GroupMembership.student_id)
        .join(SchoolYear, SchoolYear.id == GroupMembership.school_year_id)
        .where(GroupMembership.group_id.in_(group_ids), ~newer)
    )


def child_ids(user: User) -> Select:
    """Students the user is a guardian of."""
    return select(Guardianship.student_id).where(Guardianship.guardian_id == user.id)


def _led_school_ids(user: User) -> Select:
    return school_ids_with_role(user, "principal", "admin")


def visible_group_ids(user: User) -> Select:
    """Groups whose student list the user may see: own groups, and every group of a
    school where the user is principal or admin."""
    leading = (
        select(MentorGroup.id)
        .join(SchoolYear, MentorGroup.school_year_id == SchoolYear.id)
        .where(SchoolYear.school_id.in_(_led_school_ids(user)))
    )
    return union(mentored_group_ids(user), leading)


# Flat unions of plain selects: SQLite refuses a UNION nested in parentheses.
def _staff_student_selects(user: User) -> list[Select]:
    return [
        select(GroupMembership.student_id).where(
            GroupMembership.group_id.in_(mentored_group_ids(user))
        ),
        select(Student.id).where(Student.school_id.in_(_led_school_ids(user))),
    ]


def staff_student_ids(user: User) -> Select:
    """Students the user sees as staff: members of groups they mentor, and all students
    of schools where they lead or administer."""
    return union(*_staff_student_selects(user))


def visible_student_ids(user: User) -> Select:
    """Every student the user may see in any role."""
    return union(
        child_ids(user),
        select(Student.id).where(Student.user_id == user.id),
        *_staff_student_selects(user),
    )


# --- objects ---------------------------------------------------------------------------


def student_or_404(student_id: int, user: User | None = None) -> Student:
    user = user or current_user
    student = db.session.scalar(
        select(Student).where(Student.id == student_id, Student.id.in_(visible_student_ids(user)))
    )
    if student is None:
        abort(404)
    return student


def group_or_404(group_id: int, user: User | None = None) -> MentorGroup:
    user = user or current_user
    group = db.session.scalar(
        select(MentorGroup).where(
            MentorGroup.id == group_id, MentorGroup.id.in_(visible_group_ids(user))
        )
    )
    if group is None:
        abort(404)
    return group


def school_or_404(school_id: int, *roles: str, user: User | None = None) -> School:
    """A school where the user holds one of the staff roles (site admins: every school)."""
    user = user or current_user
    query = select(School).where(School.id == school_id)
    if not user.is_site_admin:
        query = query.where(School.id.in_(school_ids_with_role(user, *roles)))
    school = db.session.scalar(query)
    if school is None:
        abort(404)
    return school


def administered_school_or_404(
    school_id: int, manage: bool = False, user: User | None = None
) -> School:
    """The school's administration pages: its admins change them, its principals read
    them (and set its policy); site admins have every school."""
    roles = ("admin",) if manage else ("principal", "admin")
    return school_or_404(school_id, *roles, user=user)


def school_of(obj) -> int:
    """The school an administered object belongs to (a year, a group, a day off, a student,
    an import): its own school_id, else its school year's."""
    school_id = getattr(obj, "school_id", None)
    return school_id if school_id is not None else obj.school_year.school_id


def manages_school(user: User, school: School) -> bool:
    """Whether the user changes the school's administration (its admins, site admins);
    principals only read it."""
    return user.is_site_admin or bool(
        db.session.scalar(
            select(
                exists().where(
                    Staff.user_id == user.id, Staff.school_id == school.id, Staff.role == "admin"
                )
            )
        )
    )


def site_admin_or_404(user: User | None = None) -> None:
    """Pages of the whole deployment (all schools) are for site admins only."""
    if not (user or current_user).is_site_admin:
        abort(404)


def administered_or_404(model, object_id: int, manage: bool = False, user: User | None = None):
    """An object on the administration pages, for the admins (manage) or also the
    principals (read) of its school."""
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    administered_school_or_404(school_of(obj), manage, user)
    return obj


def school_mail_recipients(school_id: int) -> Select:
    """The addresses of a school's people: its staff, its students with an account and
    their guardians. A school's admins see undeliverable mail to these addresses only."""
    return union(
        select(User.email)
        .join(Staff, Staff.user_id == User.id)
        .where(Staff.school_id == school_id),
        select(User.email)
        .join(Student, Student.user_id == User.id)
        .where(Student.school_id == school_id),
        select(User.email)
        .join(Guardianship, Guardianship.guardian_id == User.id)
        .join(Student, Student.id == Guardianship.student_id)
        .where(Student.school_id == school_id),
    )


def undeliverable_mail(school_id: int | None = None) -> Select:
    """Undeliverable mail: all of it (site admins) or to the school's people (school_id)."""
    from app.outbox import OutboxMessage, undeliverable

    query = undeliverable()
    if school_id is not None:
        query = query.where(OutboxMessage.recipient.in_(school_mail_recipients(school_id)))
    return query


def undeliverable_mail_or_404(message_id: int, school_id: int | None = None, user=None):
    """An undeliverable message for the retry button: site admins any (school_id None), a
    school's admins one to their school's people. The caller has checked the school."""
    from app.outbox import OutboxMessage

    if school_id is None:
        site_admin_or_404(user)
    message = db.session.scalar(undeliverable_mail(school_id).where(OutboxMessage.id == message_id))
    if message is None:
        abort(404)
    return message


def may_see_protected_details(user: User, student: Student) -> bool:
    """Address and group of a student with protected identity are for their own
    guardians, themselves and staff with a role for them; nobody else."""
    if not student.protected_identity:
        return True
    return db.session.scalar(
        select(
            or_(
                Student.id.in_(child_ids(user)),
                Student.user_id == user.id,
                Student.id.in_(staff_student_ids(user)),
            )
        ).where(Student.id == student.id)
    )


def is_group_mentor(user: User, group_id: int) -> bool:
    """Mentor or co-mentor of the group: the people who change its talks and records."""
    return bool(
        db.session.scalar(
            select(mentored_group_ids(user).where(GroupMentor.group_id == group_id).exists())
        )
    )


def is_guardian_of(user: User, student_id: int) -> bool:
    """The one guardian check: leave, talks, goals and feeds all ask here. The answer is
    kept for the rest of the request (a page may ask twice)."""
    known = g.setdefault("guardian_of", {})
    key = (user.id, student_id)
    if key not in known:
        known[key] = bool(db.session.scalar(select(_guardianship_exists(user.id, student_id))))
    return known[key]


def _guardianship_exists(user_id, student_id):
    return exists().where(
        Guardianship.guardian_id == user_id, Guardianship.student_id == student_id
    )


# --- decision rights: one function each, for views, templates and tests alike -----------


def is_principal_at(user: User, school_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Staff.user_id == user.id,
                    Staff.role == "principal",
                    Staff.school_id == school_id,
                )
            )
        )
    )


def mentors_student(user: User, student_id: int, school_year_id: int) -> bool:
    """Mentor or co-mentor of the student's group in that school year, while still staff
    at the school (the same rule as mentored_group_ids)."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    GroupMembership.student_id == student_id,
                    GroupMembership.school_year_id == school_year_id,
                    GroupMembership.group_id.in_(mentored_group_ids(user)),
                )
            )
        )
    )


def may_decide_leave(user: User, leave_request) -> bool:
    """An open request: the school's principal decides any; the student's mentors those
    within the mentor's limit."""
    if leave_request.status != "pending":
        return False
    if is_principal_at(user, leave_request.school_year.school_id):
        return True
    return leave_request.decider == "mentor" and mentors_student(
        user, leave_request.student_id, leave_request.school_year_id
    )


def may_pass_on_leave(user: User, leave_request) -> bool:
    """The student's mentor hands an open request of theirs to the principal."""
    return (
        leave_request.status == "pending"
        and leave_request.decider == "mentor"
        and mentors_student(user, leave_request.student_id, leave_request.school_year_id)
    )


def may_write_goal(user: User, student: Student) -> bool:
    """The student's mentors write goals; the student too where the school allows it."""
    if student.user_id == user.id and student.school.students_write_goals:
        return True
    mentored = select(GroupMembership.student_id).where(
        GroupMembership.group_id.in_(mentored_group_ids(user))
    )
    return bool(
        db.session.scalar(
            select(exists().where(Student.id == student.id, Student.id.in_(mentored)))
        )
    )


def _period_with_school():
    """Load a period with its group, school year and school (for the time zone) and its
    term (for the days the slot generator offers) at once."""
    from sqlalchemy.orm import joinedload

    from app.talks.models import TalkPeriod

    return select(TalkPeriod).options(
        joinedload(TalkPeriod.group)
        .joinedload(MentorGroup.school_year)
        .joinedload(SchoolYear.school),
        joinedload(TalkPeriod.term),
    )


def talk_period_or_404(period_id: int, user: User | None = None, manage: bool = False):
    """A talk period of a group the user sees as staff (manage=True: mentors only)."""
    from app.talks.models import TalkPeriod

    user = user or current_user
    period = db.session.scalar(
        _period_with_school().where(
            TalkPeriod.id == period_id, TalkPeriod.group_id.in_(visible_group_ids(user))
        )
    )
    if period is None or (manage and not is_group_mentor(user, period.group_id)):
        abort(404)
    return period


def managed_talk_slot_or_404(slot_id: int, user: User | None = None):
    """A time of a talk period the user manages (its group's mentors), with that period."""
    from app.talks.models import TalkSlot

    slot = db.session.get(TalkSlot, slot_id)
    if slot is None:
        abort(404)
    return slot, talk_period_or_404(slot.period_id, user, manage=True)


def period_slot_or_404(period, slot_id: int):
    """A time of the period the user was let into (removed ones too: booking one says
    it is gone)."""
    from app.talks.models import TalkSlot

    slot = db.session.get(TalkSlot, slot_id)
    if slot is None or slot.period_id != period.id:
        abort(404)
    return slot


def period_student_or_404(period, student_id: int, user: User | None = None) -> Student:
    """A student of the period's group whom the user sees."""
    student = student_or_404(student_id, user)
    if student_id not in {m.student_id for m in period.group.memberships}:
        abort(404)
    return student


def bookable_period_or_404(period_id: int, student_id: int, user: User | None = None):
    """For a guardian: the period of the child's group, and the child."""
    from app.talks.models import TalkPeriod

    user = user or current_user
    found = db.session.execute(
        _period_with_school()
        .add_columns(Student)
        .join(GroupMembership, GroupMembership.group_id == TalkPeriod.group_id)
        .join(Guardianship, Guardianship.student_id == GroupMembership.student_id)
        .join(Student, Student.id == GroupMembership.student_id)
        .where(
            TalkPeriod.id == period_id,
            GroupMembership.student_id == student_id,
            Guardianship.guardian_id == user.id,
        )
    ).first()
    if found is None:
        abort(404)
    return found[0], found[1]


def _students_object_or_404(obj, user: User | None, guardian_only: bool):
    """Something that belongs to a student (a booking, a leave request): for the student's
    guardians, and unless guardian_only also for staff who see the student."""
    user = user or current_user
    if obj is None:
        abort(404)
    if is_guardian_of(user, obj.student_id):
        return obj
    if not guardian_only and db.session.scalar(
        select(
            exists().where(Student.id == obj.student_id, Student.id.in_(staff_student_ids(user)))
        )
    ):
        return obj
    abort(404)


def talk_booking_or_404(booking_id: int, user: User | None = None, guardian_only: bool = False):
    """A booking of the user's child, or (staff, unless guardian_only) of a student they see."""
    from sqlalchemy.orm import joinedload

    from app.talks.models import TalkBooking, TalkPeriod, TalkSlot

    user = user or current_user
    # One statement: the booking with what its page shows, and whether the user is a
    # guardian of its student (the staff check runs only for others).
    found = db.session.execute(
        select(TalkBooking, _guardianship_exists(user.id, TalkBooking.student_id))
        .options(
            joinedload(TalkBooking.period)
            .joinedload(TalkPeriod.group)
            .joinedload(MentorGroup.school_year)
            .joinedload(SchoolYear.school),
            joinedload(TalkBooking.slot).joinedload(TalkSlot.mentor),
            joinedload(TalkBooking.student),
        )
        .where(TalkBooking.id == booking_id)
    ).first()
    if found is None:
        abort(404)
    booking, guardian = found
    g.setdefault("guardian_of", {})[(user.id, booking.student_id)] = bool(guardian)
    return _students_object_or_404(booking, user, guardian_only)


def leave_request_or_404(request_id: int, user: User | None = None, guardian_only: bool = False):
    """A leave request of the user's child, or (staff) of a student they see."""
    from app.leave.models import LeaveRequest

    return _students_object_or_404(db.session.get(LeaveRequest, request_id), user, guardian_only)


def contact_log_student_or_404(student_id: int, user: User | None = None) -> Student:
    """The contact log is for the mentors of the student's current group and the school's
    principal, and no one else: not guardians, not students, not admins, not the mentor of
    an earlier year's group (see the module's docstring)."""
    user = user or current_user
    mentors = current_member_ids(mentored_group_ids(user))
    led = select(Student.id).where(Student.school_id.in_(school_ids_with_role(user, "principal")))
    student = db.session.scalar(
        select(Student).where(
            Student.id == student_id, or_(Student.id.in_(mentors), Student.id.in_(led))
        )
    )
    if student is None:
        abort(404)
    return student


def contact_note_or_404(note_id: int, user: User | None = None):
    """A note of the contact log of a student whose log the user keeps."""
    from app.contacts.models import ContactNote

    note = db.session.get(ContactNote, note_id)
    if note is None:
        abort(404)
    contact_log_student_or_404(note.student_id, user)
    return note


def keeps_contact_log(user: User, group: MentorGroup) -> bool:
    """The group's mentors and the school's principal keep and read its contact log; it
    holds the notes of the students whose current group it is (contact_log.notes_for_group)."""
    return is_group_mentor(user, group.id) or group.school_year.school_id in set(
        db.session.scalars(school_ids_with_role(user, "principal"))
    )


def contact_log_group_or_404(group_id: int, user: User | None = None) -> MentorGroup:
    """A group whose contact log the user keeps (mentor) or oversees (principal)."""
    user = user or current_user
    group = db.session.get(MentorGroup, group_id)
    if group is None or not keeps_contact_log(user, group):
        abort(404)
    return group


def mentor_time_or_404(mentor_time_id: int, user: User | None = None):
    """A mentor time the user edits: mentors and co-mentors of its group."""
    from app.mentortime.models import MentorTime

    user = user or current_user
    mentor_time = db.session.get(MentorTime, mentor_time_id)
    if mentor_time is None or not is_group_mentor(user, mentor_time.group_id):
        abort(404)
    return mentor_time


def goals_access_or_404(student_id: int, user: User | None = None) -> tuple[Student, str]:
    """Goals are for the student, their guardians (read only) and their mentors; no one
    else. Returns the student and how the user relates: "mentor", "student", "guardian"."""
    user = user or current_user
    mentored = select(GroupMembership.student_id).where(
        GroupMembership.group_id.in_(mentored_group_ids(user))
    )
    # One statement: the student with their school, and how the user relates.
    found = db.session.execute(
        select(
            Student,
            School,
            Student.id.in_(mentored).label("mentor"),
            exists()
            .where(Guardianship.guardian_id == user.id, Guardianship.student_id == Student.id)
            .label("guardian"),
        )
        .join(School, School.id == Student.school_id)
        .where(Student.id == student_id)
    ).first()
    if found is None:
        abort(404)
    student, school, mentor, guardian = found
    set_committed_value(student, "school", school)
    if mentor:
        return student, "mentor"
    if student.user_id == user.id:
        return student, "student"
    if guardian:
        return student, "guardian"
    abort(404)


# --- absence (app/absence) ------------------------------------------------------------


def _current_mentees(user: User) -> Select:
    """Students whose current group the user mentors (the contact log's rule)."""
    return current_member_ids(mentored_group_ids(user))


def may_read_sickness_note(user: User, student_id: int) -> bool:
    """A sickness report's note is health data: the mentors of the student's current group
    read it, and no one else (not guardians' others, not principals, not admins)."""
    return bool(
        db.session.scalar(
            select(
                exists()
                .where(Student.id == student_id)
                .where(Student.id.in_(_current_mentees(user)))
            )
        )
    )


def absence_student_or_404(student_id: int, user: User | None = None) -> tuple[Student, str]:
    """A student's absence page: their guardians, the student, the mentors of their
    current group and the principals of their school. Returns the student and how the
    user relates: "mentor", "principal", "student", "guardian"."""
    user = user or current_user
    led = select(Student.id).where(Student.school_id.in_(school_ids_with_role(user, "principal")))
    found = db.session.execute(
        select(
            Student,
            Student.id.in_(_current_mentees(user)).label("mentor"),
            Student.id.in_(led).label("principal"),
            _guardianship_exists(user.id, Student.id).label("guardian"),
        ).where(Student.id == student_id)
    ).first()
    if found is None:
        abort(404)
    student, mentor, principal, guardian = found
    if mentor:
        return student, "mentor"
    if principal:
        return student, "principal"
    if student.user_id == user.id:
        return student, "student"
    if guardian:
        return student, "guardian"
    abort(404)


def absence_follow_up_student_or_404(student_id: int, user: User | None = None) -> Student:
    """Follow-up actions on a student's absence (contact, referral, accepting answers):
    the mentors of the student's current group only."""
    student, relation = absence_student_or_404(student_id, user)
    if relation != "mentor":
        abort(404)
    return student


def sickness_report_or_404(report_id: int, user: User | None = None, guardian_only=False):
    """A sickness report of the user's child, or (staff, unless guardian_only) of a student
    they see."""
    from app.absence.models import SicknessReport

    return _students_object_or_404(db.session.get(SicknessReport, report_id), user, guardian_only)


def register_absence_or_404(absence_id: int, user: User | None = None):
    """A register absence of the user's child (the guardian's answer to it)."""
    from app.absence.models import RegisterAbsence

    return _students_object_or_404(db.session.get(RegisterAbsence, absence_id), user, True)


def watchlist_group_or_404(group_id: int, user: User | None = None) -> tuple[MentorGroup, str]:
    """The absence watch list of a group: its mentors ("mentor") and the school's
    principals ("principal"); never guardians or students. One statement, the group with
    its school year and school."""
    user = user or current_user
    led = school_ids_with_role(user, "principal")
    found = db.session.execute(
        select(
            MentorGroup,
            SchoolYear,
            School,
            MentorGroup.id.in_(mentored_group_ids(user)).label("mentor"),
            School.id.in_(led).label("principal"),
        )
        .join(SchoolYear, SchoolYear.id == MentorGroup.school_year_id)
        .join(School, School.id == SchoolYear.school_id)
        .where(MentorGroup.id == group_id)
    ).first()
    if found is None or not (found.mentor or found.principal):
        abort(404)
    group, year, school = found[0], found[1], found[2]
    set_committed_value(group, "school_year", year)
    set_committed_value(year, "school", school)
    return group, "mentor" if found.mentor else "principal"


def referrals_school_or_404(school_id: int, user: User | None = None) -> School:
    """A school's referrals about absence: its principals only (not site admins)."""
    user = user or current_user
    school = db.session.get(School, school_id)
    if school is None or not is_principal_at(user, school.id):
        abort(404)
    return school


def referral_or_404(referral_id: int, user: User | None = None, close: bool = False):
    """A referral: the principals of its school (who close it) and the mentors of the
    student's current group (who read it)."""
    from app.absence.models import Referral

    user = user or current_user
    referral = db.session.get(Referral, referral_id)
    if referral is None:
        abort(404)
    if is_principal_at(user, referral.school_id):
        return referral
    if not close and may_read_sickness_note(user, referral.student_id):
        return referral
    abort(404)


# --- view decorator ----------------------------------------------------------------


def role_required(role: str) -> Callable:
    """Sign-in required, and the role held; otherwise 404 (the page does not exist for you)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if role not in current_roles():
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# --- teaching (app/teaching): subject teachers ----------------------------------------------
# A teacher holds a teaching assignment (group, subject) at a school where they are still
# staff. Teaching opens only the teaching pages: the students of the groups taught (name
# and group), the group's talk dates, and the input of the subjects taught. It adds nothing
# to visible_student_ids or visible_group_ids, so no contact log, talk notes, leave,
# absence, goals, contacts or addresses reach a teacher through teaching.


def taught_group_ids_of(uid) -> Select:
    """Groups the user teaches a subject in, at schools where the user is still staff (the
    mentors' rule); `uid` may be a column of an enclosing select (the role columns)."""
    from app.teaching.models import TeachingAssignment

    return (
        select(TeachingAssignment.group_id)
        .join(MentorGroup, MentorGroup.id == TeachingAssignment.group_id)
        .join(SchoolYear, SchoolYear.id == MentorGroup.school_year_id)
        .where(
            TeachingAssignment.teacher_id == uid,
            SchoolYear.school_id.in_(
                select(Staff.school_id).where(Staff.user_id == uid).correlate_except(Staff)
            ),
        )
    )


def taught_group_ids(user: User) -> Select:
    return taught_group_ids_of(user.id)


def _taught_subject(user: User, subject: str):
    """Whether the user teaches `subject` in the period's group (for a select of TalkPeriod)."""
    from app.talks.models import TalkPeriod
    from app.teaching.models import TeachingAssignment

    return (
        exists()
        .where(
            TeachingAssignment.group_id == TalkPeriod.group_id,
            TeachingAssignment.subject == subject,
            TeachingAssignment.teacher_id == user.id,
        )
        .where(TalkPeriod.group_id.in_(taught_group_ids(user)))
    )


def teaching_period_or_404(period_id: int, subject: str, user: User | None = None):
    """The input page of a talk period for a subject: the teachers of that subject in the
    period's group, while the period takes input (its term has not ended). One statement,
    the period with its group, school year, school and term."""
    from app.school.calendar import today
    from app.school.models import Term
    from app.talks.models import TalkPeriod
    from app.teaching.subjects import is_subject

    user = user or current_user
    if not is_subject(subject):
        abort(404)
    period = db.session.scalar(
        _period_with_school()
        .join(Term, Term.id == TalkPeriod.term_id)
        .where(TalkPeriod.id == period_id, Term.end_date >= today(), _taught_subject(user, subject))
    )
    if period is None:
        abort(404)
    return period


def taught_student_or_404(period, student_id: int) -> Student:
    """A student of the period's group, for a teacher let in by teaching_period_or_404 (the
    input page's save) or a mentor by teachers_input_period_or_404; no one else's student."""
    student = db.session.scalar(
        select(Student)
        .join(GroupMembership, GroupMembership.student_id == Student.id)
        .where(GroupMembership.group_id == period.group_id, Student.id == student_id)
    )
    if student is None:
        abort(404)
    return student


def teachers_input_period_or_404(period_id: int, user: User | None = None):
    """All subjects' input of a period, who has not answered, and the reminder: the
    group's mentors and co-mentors only (not its teachers, not the principal). One
    statement, the period with its group, school year, school and term."""
    from app.talks.models import TalkPeriod

    user = user or current_user
    period = db.session.scalar(
        _period_with_school().where(
            TalkPeriod.id == period_id, TalkPeriod.group_id.in_(mentored_group_ids(user))
        )
    )
    if period is None:
        abort(404)
    return period
