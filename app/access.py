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
What else a new mentor sees of the time before them is settled by `may_read_handover`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps

from flask import abort, g
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import Select, and_, bindparam, exists, or_, select, union
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from app import hot_path
from app.extensions import db
from app.people.models import Guardianship, Staff, Student, User
from app.school.models import GroupMembership, GroupMentor, MentorGroup, School, SchoolYear
from app.sql import Prepared, Row, entities

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
        # A mentor: of a group, or (handover, issue 19) with a handover still to write.
        or_(exists(mentored_group_ids_of(uid)), exists(handovers_due_of(uid))).label("is_mentor"),
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
    return assigned_group_ids(GroupMentor.group_id, GroupMentor.user_id, uid)


def assigned_group_ids(group_column, user_column, uid) -> Select:
    """Groups an assignment table links the user to (a mentor's, a teacher's), at schools
    where the user is still staff (a Staff row at the group's school)."""
    return (
        select(group_column)
        .join(MentorGroup, MentorGroup.id == group_column)
        .join(SchoolYear, SchoolYear.id == MentorGroup.school_year_id)
        .where(
            user_column == uid,
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


# Yes-or-no facts a request may need more than once, kept for the rest of the request:
# asked of the database once, or known from a statement that already proved them.
_GUARDIAN_OF = "guardian_of"  # (user id, student id)
_IN_GROUP = "in_group"  # (student id, group id)


def _known(fact: str) -> dict:
    return g.setdefault(fact, {})


def _asked_once(fact: str, key: tuple, condition) -> bool:
    known = _known(fact)
    if key not in known:
        known[key] = bool(db.session.scalar(select(condition)))
    return known[key]


def is_guardian_of(user: User, student_id: int) -> bool:
    """The one guardian check: leave, talks, goals and feeds all ask here. The answer is
    kept for the rest of the request (a page may ask twice)."""
    return _asked_once(
        _GUARDIAN_OF, (user.id, student_id), _guardianship_exists(user.id, student_id)
    )


def is_in_group(student_id: int, group_id: int) -> bool:
    """Whether the student is in the group; kept for the rest of the request."""
    return _asked_once(
        _IN_GROUP,
        (student_id, group_id),
        exists().where(
            GroupMembership.student_id == student_id, GroupMembership.group_id == group_id
        ),
    )


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
    """The mentors of the student's current group write goals (not last year's mentor once
    the student has moved on: the same rule as the contact log); the student too where
    the school allows it."""
    if student.user_id == user.id and student.school.students_write_goals:
        return True
    mentored = current_member_ids(mentored_group_ids(user))
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


@lru_cache(maxsize=1)  # per process, safely: built from code alone
def _slot_rows():
    from app.talks.models import TalkSlot

    return Row.of(TalkSlot), Row.of(User)


def _period_slot_statement():
    """A time with its mentor (the confirm page and the booking's mail name them)."""
    from app.talks.models import TalkSlot

    slot, mentor = _slot_rows()
    return (
        select(*slot.columns, *mentor.columns)
        .join(User, User.id == TalkSlot.mentor_id)
        .where(TalkSlot.id == bindparam("slot"))
    )


_PERIOD_SLOT = Prepared(_period_slot_statement)


def period_slot_or_404(period, slot_id: int):
    """A time of the period the user was let into (removed ones too: booking one says
    it is gone), with its mentor."""
    found = _PERIOD_SLOT.first(slot=slot_id)
    if found is None:
        abort(404)
    slot, mentor = entities(_slot_rows(), found)
    if slot.period_id != period.id:
        abort(404)
    set_committed_value(slot, "mentor", mentor)
    return slot


def period_student_or_404(period, student_id: int, user: User | None = None) -> Student:
    """A student of the period's group whom the user sees."""
    student = student_or_404(student_id, user)
    if student_id not in {m.student_id for m in period.group.memberships}:
        abort(404)
    return student


@lru_cache(maxsize=1)  # per process, safely: built from code alone
def _bookable_rows():
    """The rows a guardian's booking pages load at once: the period and the child, and
    the period's group, school year and school (for the time zone) and term."""
    from app.school.models import Term
    from app.talks.models import TalkPeriod

    return tuple(Row.of(m) for m in (TalkPeriod, Student, MentorGroup, SchoolYear, School, Term))


def _bookable_period_statement():
    """Built once (the booking pages run it on every view); ids are parameters."""
    from app.school.models import Term
    from app.talks.models import TalkPeriod

    return (
        select(*(column for row in _bookable_rows() for column in row.columns))
        .select_from(TalkPeriod)
        .join(GroupMembership, GroupMembership.group_id == TalkPeriod.group_id)
        .join(Guardianship, Guardianship.student_id == GroupMembership.student_id)
        .join(Student, Student.id == GroupMembership.student_id)
        .join(MentorGroup, MentorGroup.id == TalkPeriod.group_id)
        .join(SchoolYear, SchoolYear.id == MentorGroup.school_year_id)
        .join(School, School.id == SchoolYear.school_id)
        .join(Term, Term.id == TalkPeriod.term_id)
        .where(
            TalkPeriod.id == bindparam("period"),
            GroupMembership.student_id == bindparam("student"),
            Guardianship.guardian_id == bindparam("uid"),
        )
    )


# Run on the cursor (app/sql.py): every step of booking a talk asks it, and the ORM's
# loading of six joined entities cost several times the statement itself.
_BOOKABLE_PERIOD = Prepared(_bookable_period_statement)


def bookable_period_or_404(period_id: int, student_id: int, user: User | None = None):
    """For a guardian: the period of the child's group, and the child. What it proved is
    kept for the rest of the request: the user is the child's guardian, and the child is
    in the period's group."""
    user = user or current_user
    found = _BOOKABLE_PERIOD.first(period=period_id, student=student_id, uid=user.id)
    if found is None:
        abort(404)
    period, student, group, year, school, term = entities(_bookable_rows(), found)
    # Loaded, as joined eager loading would leave them (the session holds entities only
    # weakly: what nothing refers to would be gone before the page asks for it).
    set_committed_value(period, "group", group)
    set_committed_value(group, "school_year", year)
    set_committed_value(year, "school", school)
    set_committed_value(period, "term", term)
    _known(_GUARDIAN_OF)[(user.id, student_id)] = True
    _known(_IN_GROUP)[(student_id, period.group_id)] = True
    return period, student


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
    _known(_GUARDIAN_OF)[(user.id, booking.student_id)] = bool(guardian)
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


@lru_cache(maxsize=1)  # per process, safely: built from code alone
def _goals_access_statement():
    """The student with their school and how the user relates, in one statement; built
    once (building it cost more than the rest of the goals page), the user and the
    student are parameters."""
    uid = bindparam("uid")
    mentored_groups = mentored_group_ids_of(uid)
    ever = select(GroupMembership.student_id).where(GroupMembership.group_id.in_(mentored_groups))
    return (
        select(
            Student,
            School,
            Student.id.in_(current_member_ids(mentored_groups)).label("mentor"),
            Student.id.in_(ever).label("former_mentor"),
            exists()
            .where(Guardianship.guardian_id == uid, Guardianship.student_id == Student.id)
            .label("guardian"),
        )
        .join(School, School.id == Student.school_id)
        .where(Student.id == bindparam("sid"))
    )


def goals_access_or_404(student_id: int, user: User | None = None) -> tuple[Student, str]:
    """Goals are for the student, their guardians (read only) and their mentors; no one
    else. Returns the student and how the user relates: "mentor" (of the student's
    current group: writes), "former_mentor" (of an earlier group of the student, while
    still staff: reads only; the goals are the new mentor's now), "student", "guardian"."""
    user = user or current_user
    found = db.session.execute(
        _goals_access_statement(), {"uid": user.id, "sid": student_id}
    ).first()
    if found is None:
        abort(404)
    student, school, mentor, former_mentor, guardian = found
    set_committed_value(student, "school", school)
    if mentor:
        return student, "mentor"
    if student.user_id == user.id:
        return student, "student"
    if guardian:
        return student, "guardian"
    if former_mentor:
        return student, "former_mentor"
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


# --- survey after the talk (app/surveys) ----------------------------------------------


def survey_audience(user: User, period) -> str | None:
    """How the user answers a talk period's survey: "student" (a student of the period's
    group, with this login), "guardian" (a guardian of one of its students), or None."""
    members = select(GroupMembership.student_id).where(GroupMembership.group_id == period.group_id)
    student, guardian = db.session.execute(
        select(
            exists().where(Student.user_id == user.id, Student.id.in_(members)),
            exists().where(
                Guardianship.guardian_id == user.id, Guardianship.student_id.in_(members)
            ),
        )
    ).one()
    return "student" if student else "guardian" if guardian else None


def may_answer_survey(user: User, period) -> bool:
    """The period's students with a login and their guardians answer its survey; no one
    else (staff never answer for anyone)."""
    return survey_audience(user, period) is not None


def survey_period_or_404(period_id: int, user: User | None = None):
    """A talk period whose survey the user answers, and how ("student" or "guardian")."""
    from app.talks.models import TalkPeriod

    user = user or current_user
    period = db.session.get(TalkPeriod, period_id)
    audience = survey_audience(user, period) if period is not None else None
    if audience is None:
        abort(404)
    return period, audience


def may_read_survey_results(user: User, group_id: int) -> bool:
    """A group's survey totals are for its mentors and co-mentors only: not another
    group's mentor, not students or guardians, not the principal (who sees the school's
    totals) or admins."""
    return is_group_mentor(user, group_id)


def survey_group_or_404(group_id: int, user: User | None = None) -> MentorGroup:
    """A group whose survey totals the user reads (may_read_survey_results), in one
    statement."""
    user = user or current_user
    group = db.session.scalar(
        select(MentorGroup).where(
            MentorGroup.id == group_id, MentorGroup.id.in_(mentored_group_ids(user))
        )
    )
    if group is None:
        abort(404)
    return group


def may_read_school_survey(user: User, school_id: int) -> bool:
    """The school's survey totals per term: its principals."""
    return is_principal_at(user, school_id)


def survey_school_or_404(school_id: int, user: User | None = None) -> School:
    user = user or current_user
    school = db.session.get(School, school_id)
    if school is None or not may_read_school_survey(user, school.id):
        abort(404)
    return school


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


# --- handover (app/teaching/handover.py, issue 19) ----------------------------------------
#
# When a student leaves a mentor (moved to another group, a new school year's group with
# another mentor, or the group got a new mentor), the outgoing mentor writes a handover.


def handovers_due_of(uid) -> Select:
    """Handovers not yet written by user `uid` (a user id or a column), of students of a
    school where the user is still staff. For the role check of the session lookup (built
    once per process, so without the clock): a due handover past its time is deleted by the
    retention sweep (app/retention.py)."""
    from app.teaching.models_handover import Handover

    return select(Handover.id).where(
        Handover.from_user_id == uid,
        Handover.written_at.is_(None),
        Handover.student_id.in_(
            select(Student.id).where(
                Student.school_id.in_(
                    select(Staff.school_id).where(Staff.user_id == uid).correlate_except(Staff)
                )
            )
        ),
    )


def writable_handovers(user: User, now):
    """The condition on Handover for `may_write_handover`, for lists and object lookups."""
    from app.teaching.models_handover import Handover

    staff_schools = select(Staff.school_id).where(Staff.user_id == user.id)
    return and_(
        Handover.from_user_id == user.id,
        Handover.write_until > now,
        Handover.student_id.in_(select(Student.id).where(Student.school_id.in_(staff_schools))),
    )


def may_write_handover(user: User, handover, now=None) -> bool:
    """The outgoing mentor, and only they, writes (and may correct) a student's handover,
    for HANDOVER_DAYS (30) after the change, although they no longer mentor the student:
    the mentor of the group the student left, or the mentor whose assignment of the group
    ended. Only while they are still staff at the student's school: a former staff member
    (their staff row removed at deactivation) cannot, however recent the change.

    While they may write it, they also see, read only on its form, the student's open goals
    of the year they mentored and the open follow-ups of the contact log made before the
    change: the one thing of the student's records an outgoing mentor still sees."""
    from app.db_types import utcnow
    from app.teaching.models_handover import Handover

    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Handover.id == handover.id, writable_handovers(user, now or utcnow())
                )
            )
        )
    )


def readable_handovers(user: User):
    """The condition on Handover for `may_read_handover`, for lists and object lookups."""
    from app.teaching.models_handover import Handover

    principal_schools = school_ids_with_role(user, "principal")
    return and_(
        Handover.written_at.is_not(None),
        or_(
            Handover.student_id.in_(current_member_ids(mentored_group_ids(user))),
            Handover.student_id.in_(
                select(Student.id).where(Student.school_id.in_(principal_schools))
            ),
        ),
    )


def may_read_handover(user: User, handover) -> bool:
    """A written handover is read by the mentors and co-mentors of the student's current
    group (the new mentor) and by the principals of the student's school; never by
    guardians, the student, teachers, admins, another group's mentor, nor a former staff
    member. Handovers follow the student like the contact log: a mentor reads every
    handover of a student now in their group, also those written to an earlier mentor.

    This settles what a new mentor sees of the time before them:
    - the handovers, as above;
    - the contact log, all of it, the earlier mentors' notes included: it follows the
      student (contact_log_student_or_404), so that a contact with home goes on;
    - the goals of the current school year, the year's goals written by the earlier
      mentor of a group move included (goals_access_or_404; goals page);
    - not the earlier groups' talk notes (they stay with the group's talk period:
      talk_period_or_404), nor an earlier group's pages.
    The outgoing mentor loses the student's contact log and absence at the change (a
    group move also ends their goals and talks of the student; after a new school year
    they keep their own earlier group's pages); the handover's form (may_write_handover)
    remains, for a time."""
    from app.teaching.models_handover import Handover

    return bool(
        db.session.scalar(
            select(exists().where(Handover.id == handover.id, readable_handovers(user)))
        )
    )


def _handover_or_404(handover_id: int, condition):
    from sqlalchemy.orm import joinedload

    from app.teaching.models_handover import Handover

    handover = db.session.scalar(
        select(Handover)
        .options(
            joinedload(Handover.student),
            joinedload(Handover.from_user),
            joinedload(Handover.from_group),
            joinedload(Handover.to_group),
        )
        .where(Handover.id == handover_id, condition)
    )
    if handover is None:
        abort(404)
    return handover


def handover_to_write_or_404(handover_id: int, user: User | None = None, now=None):
    """A handover the user may write now (may_write_handover), with its student, writer
    and groups (one statement)."""
    from app.db_types import utcnow

    return _handover_or_404(handover_id, writable_handovers(user or current_user, now or utcnow()))


def handover_to_read_or_404(handover_id: int, user: User | None = None):
    """A written handover the user may read (may_read_handover), with its student, writer
    and groups (one statement)."""
    return _handover_or_404(handover_id, readable_handovers(user or current_user))


def handovers_to_write_or_404(user: User | None = None) -> None:
    """The list of one's handovers to write: mentors (the role holds while one is due),
    and whoever may still correct one they wrote after their last group ended."""
    from app.db_types import utcnow

    user = user or current_user
    if "mentor" in current_roles():
        return
    if not db.session.scalar(select(exists().where(writable_handovers(user, utcnow())))):
        abort(404)


def handovers_received_or_404() -> None:
    """The list of handovers received (may_read_handover's scope): mentors and principals."""
    if not {"mentor", "principal"} & set(current_roles()):
        abort(404)


# --- talk preparation (issue 19, app/talks/preparation.py) ------------------------------
# Before a booked talk the student answers a short self-assessment and each guardian may
# add questions. Who relates how to one student's talk is asked once (one statement);
# what each relation may do is one function each below.


def talk_preparation_relation(period_id: int, student_id: int, user: User | None = None):
    """The period, the student of its group, and how the user relates to the student's
    talk: "mentor" (a mentor or co-mentor of the period's group while staff at the
    school: a former mentor is none), "student" (the student's own login) or "guardian";
    None for everyone else (another student or guardian, a teacher, the principal, an
    admin). One statement; the period comes with its group, school year and school."""
    from app.talks.models import TalkPeriod

    user = user or current_user
    found = db.session.execute(
        select(
            TalkPeriod,
            MentorGroup,
            SchoolYear,
            School,
            Student,
            TalkPeriod.group_id.in_(mentored_group_ids(user)).label("mentor"),
            _guardianship_exists(user.id, Student.id).label("guardian"),
        )
        .join(MentorGroup, MentorGroup.id == TalkPeriod.group_id)
        .join(SchoolYear, SchoolYear.id == MentorGroup.school_year_id)
        .join(School, School.id == SchoolYear.school_id)
        .join(GroupMembership, GroupMembership.group_id == TalkPeriod.group_id)
        .join(Student, Student.id == GroupMembership.student_id)
        .where(TalkPeriod.id == period_id, Student.id == student_id)
    ).first()
    if found is None:
        return None, None, None
    period, group, year, school, student, mentor, guardian = found
    set_committed_value(period, "group", group)
    set_committed_value(group, "school_year", year)
    set_committed_value(year, "school", school)
    if mentor:
        relation = "mentor"
    elif student.user_id is not None and student.user_id == user.id:
        relation = "student"
    elif guardian:
        relation = "guardian"
    else:
        relation = None
    return period, student, relation


def talk_preparation_or_404(period_id: int, student_id: int, rule: Callable, user=None):
    """`talk_preparation_relation` for a page that `rule` (one of the functions below)
    allows: everyone else gets 404."""
    period, student, relation = talk_preparation_relation(period_id, student_id, user)
    if not rule(relation):
        abort(404)
    return period, student, relation


def may_write_talk_notes(relation: str | None) -> bool:
    """The talk's notes page (talks.record), where the mentor also reads the preparation:
    the mentors and co-mentors of the period's group only."""
    return relation == "mentor"


def may_write_preparation(relation: str | None) -> bool:
    """The self-assessment is the student's own: only they write it (a student without a
    login has none; the mentor talks it through at the talk)."""
    return relation == "student"


def may_read_preparation(relation: str | None) -> bool:
    """The student's answers are for the mentor: the student and the group's mentors read
    them; guardians do not (the form says so), they see only whether it is done."""
    return relation in ("student", "mentor")


def may_see_prepared(relation: str | None) -> bool:
    """Whether the student has prepared (yes/no): the student, the guardians, the mentors."""
    return relation in ("student", "guardian", "mentor")


def may_write_guardian_questions(relation: str | None) -> bool:
    """Each guardian writes their own questions for the talk (never another's)."""
    return relation == "guardian"


def guardian_questions_scope(relation: str | None) -> str | None:
    """Whose guardian questions the user reads: "all" (the mentors), "own" (a guardian:
    their own only, not the other guardian's), None (the student and everyone else)."""
    return {"mentor": "all", "guardian": "own"}.get(relation or "")


# --- written assessment (app/teaching/assessment.py) -----------------------------------------
# The IUP's written assessment of a student for a talk period. Its writers are the mentors
# and co-mentors of the student's current group (the contact log's rule, so a handover
# hands it over and a former mentor loses it). It is read by them, by the principals of the
# student's school, and by the student and their guardians once it is shared (a draft is
# 404 to them). Teachers never read it through teaching: they gave their input, and the
# assessment is the mentor's text to the family (a teacher who is also a mentor, principal or
# guardian reads it by that relation). Admins do not read it. The printout shows what the
# family sees (school, group, term, mentor, subjects), never an address or a teacher's name,
# so a student with protected identity loses nothing more on paper than on screen.


def _assessment_relation_columns(user: User, student_id_column) -> list:
    """Columns telling how the user relates to a student (the column): current mentor,
    principal of the student's school, guardian."""
    led = select(Student.id).where(Student.school_id.in_(school_ids_with_role(user, "principal")))
    return [
        student_id_column.in_(_current_mentees(user)).label("mentor"),
        student_id_column.in_(led).label("principal"),
        _guardianship_exists(user.id, student_id_column).label("guardian"),
    ]


def _assessment_relation(found, student_user_id: int | None, user: User) -> str | None:
    if found.mentor:
        return "mentor"
    if found.principal:
        return "principal"
    if student_user_id is not None and student_user_id == user.id:
        return "student"
    if found.guardian:
        return "guardian"
    return None


def assessment_relation(user: User, student: Student) -> str | None:
    """How the user relates to the student's written assessments, in one statement:
    "mentor" (writes), "principal", "student", "guardian" (read once shared) or None."""
    found = db.session.execute(
        select(*_assessment_relation_columns(user, Student.id)).where(Student.id == student.id)
    ).first()
    return _assessment_relation(found, student.user_id, user) if found else None


def may_write_assessment(user: User, student: Student) -> bool:
    """The mentors and co-mentors of the student's current group draw up, edit and share
    the written assessment; no one else (not the principal, not teachers, not a mentor of
    an earlier year's group)."""
    return assessment_relation(user, student) == "mentor"


def may_read_assessment(user: User, assessment, relation: str | None = None) -> bool:
    """The writers and the principals of the student's school read a written assessment
    in any state; the student and their guardians only once it is shared; teachers, admins,
    other guardians and former staff never. `relation` may be given when already known
    (assessment_relation)."""
    if relation is None:
        relation = assessment_relation(user, assessment.student)
    if relation in ("mentor", "principal"):
        return True
    return relation in ("student", "guardian") and assessment.state == "shared"


def written_assessment_or_404(assessment_id: int, user: User | None = None):
    """A written assessment the user may read (may_read_assessment), with its student,
    period, group, school year and school, in one statement. Returns (assessment, relation)."""
    from sqlalchemy.orm import joinedload

    from app.talks.models import TalkPeriod
    from app.teaching.models_assessment import WrittenAssessment

    user = user or current_user
    found = db.session.execute(
        select(WrittenAssessment, *_assessment_relation_columns(user, WrittenAssessment.student_id))
        .options(
            joinedload(WrittenAssessment.student),
            joinedload(WrittenAssessment.period)
            .joinedload(TalkPeriod.group)
            .joinedload(MentorGroup.school_year)
            .joinedload(SchoolYear.school),
            joinedload(WrittenAssessment.period).joinedload(TalkPeriod.term),
        )
        .where(WrittenAssessment.id == assessment_id)
    ).first()
    if found is None:
        abort(404)
    assessment = found[0]
    relation = _assessment_relation(found, assessment.student.user_id, user)
    if not may_read_assessment(user, assessment, relation):
        abort(404)
    return assessment, relation


def assessment_student_or_404(period_id: int, student_id: int, user: User | None = None):
    """The mentor's page of a student's written assessment for a period: a student of the
    period's group whom the user may write for (may_write_assessment). One statement, the
    period (with group, year, school, term) and the student."""
    from app.talks.models import TalkPeriod

    user = user or current_user
    found = db.session.execute(
        _period_with_school()
        .add_columns(Student, *_assessment_relation_columns(user, Student.id))
        .join(GroupMembership, GroupMembership.group_id == TalkPeriod.group_id)
        .join(Student, Student.id == GroupMembership.student_id)
        .where(TalkPeriod.id == period_id, Student.id == student_id)
    ).first()
    if found is None or _assessment_relation(found, found[1].user_id, user) != "mentor":
        abort(404)
    return found[0], found[1]


def assessment_period_or_404(period_id: int, user: User | None = None):
    """The written assessments of a period's group, listed and printed together: the
    group's mentors and co-mentors (while staff) and the principals of its school. One
    statement. Returns (period, "mentor" | "principal")."""
    from app.talks.models import TalkPeriod

    user = user or current_user
    found = db.session.execute(
        _period_with_school()
        .add_columns(
            TalkPeriod.group_id.in_(mentored_group_ids(user)).label("mentor"),
            exists()
            .where(
                Staff.user_id == user.id,
                Staff.role == "principal",
                Staff.school_id == SchoolYear.school_id,
                SchoolYear.id == MentorGroup.school_year_id,
                MentorGroup.id == TalkPeriod.group_id,
            )
            .label("principal"),
        )
        .where(TalkPeriod.id == period_id)
    ).first()
    if found is None or not (found.mentor or found.principal):
        abort(404)
    return found[0], "mentor" if found.mentor else "principal"


# --- concerns (app/teaching/concerns.py, issue 19) -------------------------------------
# A teacher raises a concern about a student of a group they teach in the subject they
# teach there; the mentors of the student's current group follow it up; the teacher who
# raised it, those mentors and the school's principals read it. Guardians and students
# never see concerns. Teachers count only while staff at the group's school.


def _concern_taught_group_ids(uid, subject=None) -> Select:
    """Groups user `uid` teaches (in `subject`, if given), at schools where still staff."""
    from app.teaching.models import TeachingAssignment

    query = (
        select(TeachingAssignment.group_id)
        .join(MentorGroup, MentorGroup.id == TeachingAssignment.group_id)
        .join(SchoolYear, SchoolYear.id == MentorGroup.school_year_id)
        .where(
            TeachingAssignment.teacher_id == uid,
            SchoolYear.school_id.in_(select(Staff.school_id).where(Staff.user_id == uid)),
        )
    )
    if subject is not None:
        query = query.where(TeachingAssignment.subject == subject)
    return query


def concern_taught_student_ids(user: User) -> Select:
    """Students whose current group the user teaches (any subject): whom they may raise
    a concern about."""
    return current_member_ids(_concern_taught_group_ids(user.id))


def may_raise_concern(user: User, student: Student, subject: str) -> bool:
    """A teacher of the student's current group in that subject (a TeachingAssignment),
    while staff at the school."""
    taught = current_member_ids(_concern_taught_group_ids(user.id, subject))
    return bool(
        db.session.scalar(select(exists().where(Student.id == student.id, Student.id.in_(taught))))
    )


def concern_teacher_or_404(user: User | None = None) -> None:
    """The teacher's concern pages (raise, own list): users who teach a group, or who
    raised a concern at a school where they are still staff."""
    from app.teaching.models_concerns import Concern

    user = user or current_user
    own = exists().where(
        Concern.raised_by_id == user.id,
        Concern.school_id.in_(select(Staff.school_id).where(Staff.user_id == user.id)),
    )
    if not db.session.scalar(select(or_(exists(_concern_taught_group_ids(user.id)), own))):
        abort(404)


def concern_student_to_raise_or_404(student_id: int, user: User | None = None) -> Student:
    """A student the user may raise a concern about (for some subject)."""
    user = user or current_user
    student = db.session.scalar(
        select(Student).where(
            Student.id == student_id, Student.id.in_(concern_taught_student_ids(user))
        )
    )
    if student is None:
        abort(404)
    return student


def _concern_relation_columns(user: User, concern_cls):
    """Columns that say how the user relates to a concern's row: mentor of the student's
    current group, principal of its school, the teacher who raised it (still staff)."""
    led = school_ids_with_role(user, "principal")
    return (
        concern_cls.student_id.in_(_current_mentees(user)).label("mentor"),
        concern_cls.school_id.in_(led).label("principal"),
        and_(
            concern_cls.raised_by_id == user.id,
            concern_cls.school_id.in_(select(Staff.school_id).where(Staff.user_id == user.id)),
        ).label("teacher"),
    )


def concern_or_404(concern_id: int, user: User | None = None):
    """A concern and how the user relates to it ("mentor", "principal", "teacher"), in one
    statement with its student and the teacher's name; everyone else 404."""
    from sqlalchemy.orm import joinedload

    from app.teaching.models_concerns import Concern

    user = user or current_user
    found = db.session.execute(
        select(Concern, *_concern_relation_columns(user, Concern))
        .options(joinedload(Concern.student), joinedload(Concern.raised_by))
        .where(Concern.id == concern_id)
    ).first()
    if found is None:
        abort(404)
    concern, mentor, principal, teacher = found
    if mentor:
        return concern, "mentor"
    if principal:
        return concern, "principal"
    if teacher:
        return concern, "teacher"
    abort(404)


def may_follow_up_concern(user: User, concern) -> bool:
    """Follow-up, telling the guardians and closing: the mentors and co-mentors of the
    student's current group (while staff)."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Student.id == concern.student_id, Student.id.in_(_current_mentees(user))
                )
            )
        )
    )


def may_read_concern(user: User, concern) -> bool:
    """The teacher who raised it (while staff at the school), the mentors of the
    student's current group, the principals of the school."""
    from app.teaching.models_concerns import Concern

    columns = _concern_relation_columns(user, Concern)
    return bool(db.session.scalar(select(or_(*columns)).where(Concern.id == concern.id)))


def concern_student_or_404(student_id: int, user: User | None = None) -> tuple[Student, str]:
    """A student's concerns: the mentors of the current group ("mentor") and the school's
    principals ("principal"); one statement."""
    user = user or current_user
    led = select(Student.id).where(Student.school_id.in_(school_ids_with_role(user, "principal")))
    found = db.session.execute(
        select(
            Student,
            Student.id.in_(_current_mentees(user)).label("mentor"),
            Student.id.in_(led).label("principal"),
        ).where(Student.id == student_id)
    ).first()
    if found is None or not (found.mentor or found.principal):
        abort(404)
    return found[0], "mentor" if found.mentor else "principal"


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

    return assigned_group_ids(TeachingAssignment.group_id, TeachingAssignment.teacher_id, uid)


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
