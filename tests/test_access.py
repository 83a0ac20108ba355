"""Access for every route and every role. Anything a role may not see answers 404
(never 403, so ids cannot be probed); anonymous visitors are sent to sign in.

Every GET route of the app must be listed in ROUTES, or test_every_route_is_listed fails:
a new page cannot ship without its access rules written down here."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.school.models import MentorGroup
from tests.conftest import csrf_token

ROLES = [
    "anonymous",
    "guardian",
    "other_guardian",
    "student",
    "mentor",
    "comentor",
    "other_mentor",
    "principal",
    "admin",
    "site_admin",
    "teacher",
]
EVERYONE = set(ROLES) - {"anonymous"}
# School administration: the school's admins (and site admins) change it, principals read it.
ADMIN_READ = {"principal", "admin", "site_admin"}
ADMIN_MANAGE = {"admin", "site_admin"}

# path → roles that get 200 (others get 404, anonymous a redirect to sign-in).
ROUTES: dict[str, set[str]] = {
    "/home/guardian": {"guardian", "other_guardian"},
    "/home/student": {"student"},
    "/home/mentor": {"mentor", "comentor", "other_mentor"},
    "/home/principal": {"principal"},
    "/home/admin": {"admin", "site_admin"},
    # Teaching: Maja Berg ("teacher") teaches 7A mathematics and English; 8B's mentor
    # ("other_mentor") teaches 7A biology. Teachers reach only their subjects' input
    # pages; all subjects' input and the reminder are for the group's mentors.
    "/home/teacher": {"teacher", "other_mentor"},
    "/teaching/periods/{P7A}/input/{MA}": {"teacher"},
    "/teaching/periods/{P7A}/input/{BI}": {"other_mentor"},
    "/teaching/periods/{P7A}/input/{SV}": set(),  # Erik Sjöberg's, not a test role
    "/teaching/periods/{P9C}/input/{MA}": set(),  # Maja does not teach 9C
    "/teaching/periods/{P7A}": {"mentor", "comentor"},
    "/teaching/periods/{P9C}": set(),
    "/teaching/periods/{P7A}/students/{OSKAR}": {"mentor", "comentor"},
    "/teaching/periods/{P7A}/students/{ELSA}": set(),  # not in 7A
    "/teaching/periods/{P7A}/remind": {"mentor", "comentor"},
    "/groups/{7A}": {"mentor", "comentor", "principal", "admin"},
    "/groups/{8B}": {"other_mentor", "principal", "admin"},
    "/account": EVERYONE,
    # Talks: mentors manage; staff who see the group read; guardians book their child's.
    "/talks/groups/{7A}/periods/new": {"mentor", "comentor"},
    "/talks/groups/{8B}/periods/new": {"other_mentor"},
    "/talks/periods/{P7A}": {"mentor", "comentor", "principal", "admin"},
    "/talks/periods/{P7A}/slots/new": {"mentor", "comentor"},
    "/talks/periods/{P7A}/schedule": {"mentor", "comentor", "principal", "admin"},
    "/talks/periods/{P7A}/students/{OSKAR}/record": {"mentor", "comentor"},
    "/talks/periods/{P7A}/students/{OSKAR}/book": {"guardian", "other_guardian"},
    "/talks/periods/{P7A}/students/{OSKAR}/book/{SLOT}": {"guardian", "other_guardian"},
    "/talks/periods/{P7A}/students/{ELSA}/book": set(),  # Elsa is not in 7A
    "/talks/periods/{P9C}/students/{OSKAR}/book": set(),  # nor Oskar in 9C
    # BOOKING is Elsa's talk in 9C: her guardian, and staff who see 9C.
    "/talks/bookings/{BOOKING}": {"guardian", "principal", "admin"},
    "/talks/bookings/{BOOKING}/calendar.ics": {"guardian", "principal", "admin"},
    "/talks/bookings/{BOOKING}/move": {"guardian"},
    # The confirm pages of a move and a cancellation: the guardians of the student only.
    "/talks/bookings/{BOOKING}/move/{SLOT9C}": {"guardian"},
    "/talks/bookings/{BOOKING}/cancel": {"guardian"},
    # Talk preparation (issue 19): the student prepares their own booked talk (Elsa's in
    # 9C); each guardian writes their own questions; the mentors read it all on the notes
    # page. Oskar has no login, so nobody prepares his; his page for questions says the
    # talk is not booked.
    "/talks/periods/{P9C}/students/{ELSA}/prepare": {"student"},
    "/talks/periods/{P9C}/students/{ELSA}/questions": {"guardian"},
    "/talks/periods/{P7A}/students/{OSKAR}/prepare": set(),
    "/talks/periods/{P7A}/students/{OSKAR}/questions": {"guardian", "other_guardian"},
    "/talks/periods/{P9C}/students/{OSKAR}/questions": set(),  # Oskar is not in 9C
    # Leave: LEAVE is a pending request of a 7A student (not a child of the demo guardians).
    "/leave": {"guardian", "other_guardian"},
    "/leave/new": {"guardian", "other_guardian"},
    "/leave/inbox": {"mentor", "comentor", "other_mentor"},
    "/leave/{LEAVE}": {"mentor", "comentor", "principal", "admin"},
    "/leave/schools/{SCHOOL}": ADMIN_READ,
    # Contacts: own details for guardians; group lists for staff who see the group; the
    # contact log for the student's mentors and the principal only (not admins).
    "/contact": {"guardian", "other_guardian"},
    "/contact/check": {"guardian", "other_guardian"},
    "/groups/{7A}/contacts": {"mentor", "comentor", "principal", "admin"},
    "/groups/{7A}/contacts.csv": {"mentor", "comentor", "principal", "admin"},
    "/groups/{7A}/contacts.vcf": {"mentor", "comentor", "principal", "admin"},
    "/groups/{8B}/contacts": {"other_mentor", "principal", "admin"},
    "/groups/{7A}/contact-log": {"mentor", "comentor", "principal"},
    "/groups/{7A}/contact-log/student": {"mentor", "comentor", "principal"},
    "/groups/{8B}/contact-log/student": {"other_mentor", "principal"},
    "/students/{OSKAR}/contact-log": {"mentor", "comentor", "principal"},
    "/students/{ELSA}/contact-log": {"principal"},  # 9C's mentor is not a test role
    # Mentor time is edited by the group's mentors; goals are for the student, their
    # guardians and their mentors only (not the principal, not admins).
    "/groups/{7A}/mentor-time": {"mentor", "comentor"},
    "/mentor-times/{MT}/{MTDATE}": {"mentor", "comentor"},
    "/students/{OSKAR}/goals": {"guardian", "other_guardian", "mentor", "comentor"},
    "/students/{ELSA}/goals": {"guardian", "student"},
    "/calendar": EVERYONE,
    # Absence: guardians report; REPORT is Oskar's sickness report (its note shows to his
    # mentors only, tests/absence).
    "/absence": {"guardian", "other_guardian"},
    "/absence/report": {"guardian", "other_guardian"},
    "/absence/reports/{REPORT}": {
        "guardian",
        "other_guardian",
        "mentor",
        "comentor",
        "principal",
        "admin",
    },
    # REGABS is Oskar's invalid register absence: his guardians answer it.
    "/absence/register/{REGABS}/answer": {"guardian", "other_guardian"},
    # A student's absence: guardians, the student, the current group's mentors, the
    # principal. The watch list and referrals never to guardians or students.
    "/absence/students/{OSKAR}": {"guardian", "other_guardian", "mentor", "comentor", "principal"},
    "/absence/students/{ELSA}": {"guardian", "student", "principal"},
    "/absence/groups/{7A}": {"mentor", "comentor", "principal"},
    "/absence/groups/{8B}": {"other_mentor", "principal"},
    "/absence/schools/{SCHOOL}/referrals": {"principal"},
    "/absence/referrals/{REFERRAL}": {"mentor", "comentor", "principal"},
    "/absence/schools/{SCHOOL}/settings": ADMIN_READ,
    "/absence/schools/{OTHER_SCHOOL}/settings": {"site_admin"},
    "/absence/schools/{SCHOOL}/import": ADMIN_MANAGE,
    "/absence/imports/{ABSIMPORT}": ADMIN_MANAGE,
    # Concerns (issue 19): CONCERN is a teacher's concern about Oskar (7A). The teacher's
    # pages are for teachers only (the demo's teacher, and 8B's mentor who teaches 7A
    # biology; more in test_concern_access_by_teachers); a concern is read by the student's
    # mentors and the principal, never by guardians, students, admins or another group's
    # mentor.
    "/teaching/concerns": {"teacher", "other_mentor"},
    "/teaching/concerns/new": {"teacher", "other_mentor"},
    "/teaching/concerns/{CONCERN}": {"mentor", "comentor", "principal"},
    "/teaching/students/{OSKAR}/concerns": {"mentor", "comentor", "principal"},
    "/teaching/students/{ELSA}/concerns": {"principal"},
    # Survey after the talk (app/surveys): the period's students with a login and their
    # guardians answer (P9C: Elsa and her guardian; P7A: Oskar's guardians); a group's
    # totals are for its mentors only, the school's for its principals.
    "/surveys/periods/{P7A}": {"guardian", "other_guardian"},
    "/surveys/periods/{P9C}": {"guardian", "student"},
    "/surveys/groups/{7A}": {"mentor", "comentor"},
    "/surveys/groups/{8B}": {"other_mentor"},
    "/surveys/schools/{SCHOOL}": {"principal"},
    "/surveys/schools/{OTHER_SCHOOL}": set(),
    # Administration. OTHER_SCHOOL has no staff among the test roles: only site admins.
    "/admin/schools": {"site_admin"},
    "/admin/schools/new": {"site_admin"},
    "/admin/schools/{SCHOOL}/edit": {"site_admin"},
    "/admin/schools/{SCHOOL}": ADMIN_READ,
    "/admin/schools/{OTHER_SCHOOL}": {"site_admin"},
    "/admin/schools/{SCHOOL}/policy": ADMIN_READ,
    "/admin/schools/{OTHER_SCHOOL}/policy": {"site_admin"},
    "/admin/schools/{SCHOOL}/years": ADMIN_READ,
    "/admin/schools/{SCHOOL}/years/new": ADMIN_MANAGE,
    "/admin/years/{YEAR}": ADMIN_READ,
    "/admin/years/{OTHER_YEAR}": {"site_admin"},
    "/admin/years/{YEAR}/groups/new": ADMIN_MANAGE,
    "/admin/groups/{7A}": ADMIN_READ,
    "/admin/groups/{7A}/edit": ADMIN_MANAGE,
    "/admin/schools/{SCHOOL}/students": ADMIN_READ,
    "/admin/students/{OSKAR}": ADMIN_READ,
    "/admin/schools/{SCHOOL}/staff": ADMIN_READ,
    "/admin/schools/{SCHOOL}/staff/{MENTOR_USER}": ADMIN_READ,
    "/admin/schools/{OTHER_SCHOOL}/staff": {"site_admin"},
    "/admin/schools/{SCHOOL}/invitations": ADMIN_MANAGE,
    "/admin/schools/{SCHOOL}/audit": ADMIN_READ,
    "/admin/schools/{OTHER_SCHOOL}/audit": {"site_admin"},
    "/admin/schools/{SCHOOL}/import": ADMIN_MANAGE,
    "/admin/imports/{IMPORT}": ADMIN_MANAGE,
    # Issue 19, written assessment. ASSESS is Oskar's (7A), shared: his guardians, 7A's
    # mentors, the principal. ADRAFT is Elsa's (9C), a draft: the principal only (9C's
    # mentor is not a test role), never her guardian or Elsa. PUPIL7A is a 7A student.
    "/assessments/{ASSESS}": {"guardian", "other_guardian", "mentor", "comentor", "principal"},
    "/assessments/{ASSESS}/print": {
        "guardian",
        "other_guardian",
        "mentor",
        "comentor",
        "principal",
    },
    "/assessments/{ADRAFT}": {"principal"},
    "/assessments/{ADRAFT}/print": set(),  # a draft is never printed
    "/talks/periods/{P7A}/assessments": {"mentor", "comentor", "principal"},
    "/talks/periods/{P7A}/assessments/print": {"mentor", "comentor", "principal"},
    "/talks/periods/{P7A}/students/{PUPIL7A}/assessment": {"mentor", "comentor"},
    "/talks/periods/{P9C}/students/{ELSA}/assessment": set(),
    # Undeliverable e-mail: the school's admins for its people, site admins for all.
    "/admin/mail": {"site_admin"},
    "/admin/schools/{SCHOOL}/mail": ADMIN_MANAGE,
    "/admin/schools/{OTHER_SCHOOL}/mail": {"site_admin"},
    # --- handover (issue 19): HANDOVER is Karin's (mentor) written handover of a 7A student
    # moved to 8B. She writes it; 8B's mentor and the principal read it; no one else.
    "/handovers/to-write": {"mentor", "comentor", "other_mentor"},
    "/handovers/received": {"mentor", "comentor", "other_mentor", "principal"},
    "/handovers/{HANDOVER}/write": {"mentor"},
    "/handovers/{HANDOVER}": {"other_mentor", "principal"},
    # --- end handover ---
}
# Open to everyone, signed in or not.
PUBLIC = [
    "/login",
    "/login/link",
    "/password/forgot",
    "/healthz",
    "/offline",
    "/manifest.webmanifest",
    "/sw.js",
]
# Routes whose access is covered by their own tests (path parameters that are secrets,
# redirects that depend on the user's roles).
COVERED_ELSEWHERE = {
    "/login/link/<token>": "people/test_signin.py",
    "/contact/email/<token>": "contacts/test_views.py",
    "/feeds/<token>.ics": "feeds/test_feeds.py",
    "/password/reset/<token>": "people/test_signin.py",
    "/": "home/test_home.py",
    "/no-role": "home/test_home.py",
    "/role/<role>": "home/test_home.py",
    "/static/<path:filename>": "test_web.py",
}


def _ids(app) -> dict[str, int]:
    """The demo's objects by placeholder; books Elsa's talk so booking pages exist."""
    from app.talks import booking as talk_logic
    from app.talks.models import TalkPeriod
    from app.talks.slots import future_open_slots
    from tests.talks.helpers import student, user

    with app.app_context():
        ids = {g.name: g.id for g in db.session.scalars(select(MentorGroup))}
        periods = {p.group.name: p for p in db.session.scalars(select(TalkPeriod))}
        oskar, elsa = student("Oskar"), student("Elsa")
        free = future_open_slots(periods["7A"])
        booking = talk_logic.book(
            user("guardian@example.org"),
            elsa,
            periods["9C"],
            future_open_slots(periods["9C"])[0].id,
        )
        db.session.commit()
        from app.leave.models import LeaveRequest
        from app.school.models import School

        ids["LEAVE"] = db.session.scalar(
            select(LeaveRequest.id)
            .where(LeaveRequest.status == "pending")
            .order_by(LeaveRequest.id)
        )
        ids["SCHOOL"] = db.session.scalar(select(School.id))
        ids.update(_admin_ids(ids["SCHOOL"]))
        from app.contacts.log import add_note

        note = add_note(
            oskar,
            user("mentor@example.org"),
            occurred_on=date.today(),
            channel="phone",
            with_whom="Anna",
            summary="Samtal om läxor",
            follow_up_on=date.today(),
        )
        db.session.flush()
        ids["NOTE"] = note.id
        from app.goals.models import Goal
        from app.mentortime.models import MentorTime
        from app.mentortime.schedule import occurrences

        mentor_time = db.session.scalar(select(MentorTime).where(MentorTime.group_id == ids["7A"]))
        ids["MT"] = mentor_time.id
        ids["MTDATE"] = occurrences(mentor_time, date.today(), date.today() + timedelta(days=21))[
            0
        ].regular_date.isoformat()
        ids["GOAL"] = db.session.scalar(select(Goal.id).where(Goal.student_id == oskar.id))
        ids.update(_absence_ids(oskar))
        ids.update(_handover_ids())  # handover (issue 19)
        ids.update(_assessment_ids(oskar, elsa, periods))
        ids.update(_concern_ids(oskar))
        from app.teaching.models import TeachingAssignment

        ids["ASSIGN"] = db.session.scalar(
            select(TeachingAssignment.id).order_by(TeachingAssignment.id)
        )
        ids.update(
            MA="MA",
            BI="BI",
            SV="SV",
            P7A=periods["7A"].id,
            P9C=periods["9C"].id,
            OSKAR=oskar.id,
            ELSA=elsa.id,
            SLOT=free[1].id,
            BOOKING=booking.id,
            SLOT9C=future_open_slots(periods["9C"])[0].id,  # a free time to move Elsa's to
        )
        return ids


def _absence_ids(oskar) -> dict[str, int]:
    from app.absence import reports
    from tests.talks.helpers import user

    on = date.today()
    made = reports.report(user("guardian@example.org"), [(oskar, None)], reports.Dates(on, on), "")
    from app.absence.models import AbsenceImport, RegisterAbsence

    absence = RegisterAbsence(
        school_id=oskar.school_id, student_id=oskar.id, day=on, minutes=60, valid=False
    )
    batch = AbsenceImport(school_id=oskar.school_id, name="franvaro.csv", text="date\n")
    db.session.add_all([absence, batch])
    db.session.commit()
    from app.absence.followup import refer

    referral = refer(oskar, user("mentor@example.org"), "Ogiltig frånvaro", None).referral
    return {
        "REPORT": made.reports[0].id,
        "REGABS": absence.id,
        "ABSIMPORT": batch.id,
        "REFERRAL": referral.id,
    }


# --- handover (issue 19) -----------------------------------------------------------------


def _handover_ids() -> dict[str, int]:
    """A 7A student (not Oskar, not protected) moved to 8B; Karin wrote the handover."""
    from app.admin import groups
    from app.people.models import Student
    from app.school.models import GroupMembership
    from app.teaching import handover
    from app.teaching.models_handover import Handover
    from tests.talks.helpers import user

    by_name = {g.name: g for g in db.session.scalars(select(MentorGroup))}
    moved = db.session.scalar(
        select(Student)
        .join(GroupMembership, GroupMembership.student_id == Student.id)
        .where(
            GroupMembership.group_id == by_name["7A"].id,
            Student.first_name != "Oskar",
            Student.protected_identity.is_(False),
        )
        .order_by(Student.id)
    )
    groups.place(moved, by_name["8B"].school_year, by_name["8B"], user("admin@example.org"))
    made = db.session.scalar(select(Handover).where(Handover.student_id == moved.id))
    assert handover.write(made, user("mentor@example.org"), {"what_works": "Lugn"}).ok
    return {"HANDOVER": made.id}


@pytest.mark.parametrize("who", ["teacher", "former_writer", "former_reader"])
def test_handover_pages_are_404_for_a_teacher_and_former_staff(app, login_as, who):
    """A teacher of the school without a group, the writer once no longer staff, and the
    new mentor once no longer staff: 404 on the handover's pages (GET and POST)."""
    from sqlalchemy import delete

    from app.demo import DEMO_PASSWORD
    from app.people.models import Staff, User
    from app.people.passwords import hash_password
    from app.school.models import School
    from tests.conftest import sign_in

    ids = _ids(app)
    with app.app_context():
        if who == "teacher":
            teacher = User(
                email="larare.utan.grupp@example.org",
                name="Lärare",
                password_hash=hash_password(DEMO_PASSWORD),
            )
            db.session.add_all(
                [
                    teacher,
                    Staff(user=teacher, school=db.session.scalar(select(School)), role="teacher"),
                ]
            )
        db.session.commit()
    if who == "teacher":
        client = app.test_client()
        assert sign_in(client, "larare.utan.grupp@example.org").status_code == 303
    else:
        client = login_as("mentor" if who == "former_writer" else "other_mentor")
        email = "mentor@example.org" if who == "former_writer" else "mentor8b@example.org"
        with app.app_context():
            uid = db.session.scalar(select(User.id).where(User.email == email))
            db.session.execute(delete(Staff).where(Staff.user_id == uid))
            db.session.commit()
    token = csrf_token(client, "/account")
    for path in ("/handovers/{HANDOVER}/write", "/handovers/{HANDOVER}", "/handovers/received"):
        assert client.get(_resolve(path, ids)).status_code == 404, (who, path)
    sent = client.post(
        _resolve("/handovers/{HANDOVER}/write", ids),
        data={"csrf_token": token, "what_works": "x"},
    )
    assert sent.status_code == 404


# --- end handover ---
def _assessment_ids(oskar, elsa, periods) -> dict[str, int]:
    """Issue 19: Oskar's written assessment shared, Elsa's a draft, and another 7A pupil."""
    from flask import current_app

    from app.school.models import GroupMembership
    from app.teaching import assessment
    from tests.talks.helpers import user
    from tests.teaching.assessment_data import oskar_ready

    oskar_ready(
        booked_in_past=False, keep_demo=True
    )  # his talk stays unbooked for the booking pages
    mentor = user("mentor@example.org")
    with current_app.test_request_context():
        shared = assessment.open_for_mentor(periods["7A"], oskar, mentor)
        values = {e.subject: (e.status or "on_track", e.text) for e in shared.entries}
        # Shared as if after the period's talks.
        after = assessment.share_opens_at(periods["7A"], oskar)
        saved = assessment.save(shared, mentor, values, share=True, now=after)
        assert saved.result == "shared"
    mentor_9c = next(m.user for m in periods["9C"].group.mentors if not m.is_co_mentor)
    draft = assessment.open_for_mentor(periods["9C"], elsa, mentor_9c)
    pupil = db.session.scalar(
        select(GroupMembership.student_id)
        .where(
            GroupMembership.group_id == periods["7A"].group_id,
            GroupMembership.student_id != oskar.id,
        )
        .order_by(GroupMembership.student_id)
    )
    return {"ASSESS": shared.id, "ADRAFT": draft.id, "PUPIL7A": pupil}


def _concern_ids(oskar) -> dict[str, int]:
    """A concern about Oskar raised by his maths teacher (issue 19)."""
    from flask import current_app

    from tests.teaching.concern_helpers import make_teacher, raise_one

    with current_app.test_request_context():  # the mentors' mail links
        return {"CONCERN": raise_one(make_teacher("teacher"), oskar).id}


def _admin_ids(school_id: int) -> dict[str, int]:
    """A second school (staffed by none of the test roles), a day off, an unconfirmed import."""
    from app.admin.models import ImportBatch
    from app.people.models import User
    from app.school.models import DayOff, School, SchoolYear

    other = School(name="Norrskolan", unit_code="99999999")
    other_year = SchoolYear(
        school=other, name="2026/27", start_date=date(2026, 8, 17), end_date=date(2027, 6, 11)
    )
    year = db.session.scalar(select(SchoolYear).where(SchoolYear.school_id == school_id))
    batch = ImportBatch(
        school_id=school_id,
        school_year_id=year.id,
        files=[{"name": "elever.csv", "text": "personnummer;first_name\n"}],
    )
    from app.db_types import utcnow
    from app.outbox import OutboxMessage

    # Mail to a guardian of the school that could not be delivered.
    mail = OutboxMessage(
        recipient="guardian@example.org",
        subject="Bokad tid",
        body_text="-",
        attempts=5,
        last_error="550 no such user",
        failed_at=utcnow(),
    )
    db.session.add_all([other, other_year, batch, mail])
    db.session.commit()
    return {
        "OTHER_SCHOOL": other.id,
        "OTHER_YEAR": other_year.id,
        "YEAR": year.id,
        "DAYOFF": db.session.scalar(select(DayOff.id).where(DayOff.school_year_id == year.id)),
        "MENTOR_USER": db.session.scalar(select(User.id).where(User.email == "mentor@example.org")),
        "IMPORT": batch.id,
        "MAIL": mail.id,
    }


def _resolve(path: str, ids: dict[str, int]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    return path


@pytest.mark.parametrize("role", ROLES)
def test_role_access_to_every_route(app, login_as, role):
    client = app.test_client() if role == "anonymous" else login_as(role)
    ids = _ids(app)
    for template, allowed in ROUTES.items():
        path = _resolve(template, ids)
        response = client.get(path)
        if role == "anonymous":
            assert response.status_code == 302, path
            assert response.headers["Location"].startswith("/login?next="), path
        elif role in allowed:
            assert response.status_code == 200, f"{role} should see {path}"
        else:
            assert response.status_code == 404, f"{role} must not see {path}"


@pytest.mark.parametrize("path", PUBLIC)
def test_public_routes(client, path):
    assert client.get(path).status_code == 200


def test_group_is_404_for_unknown_ids(login_as):
    client = login_as("mentor")
    missing = client.get("/groups/999999")
    assert missing.status_code == 404
    assert "Sidan finns inte" in missing.get_data(as_text=True)


PARAMS = {
    "{7A}": "<id:group_id>",
    "{8B}": "<id:group_id>",
    "{P7A}": "<id:period_id>",
    "{P9C}": "<id:period_id>",
    "{OSKAR}": "<id:student_id>",
    "{ELSA}": "<id:student_id>",
    "{SLOT}": "<id:slot_id>",
    "{BOOKING}": "<id:booking_id>",
    "{SLOT9C}": "<id:slot_id>",
    "{LEAVE}": "<id:request_id>",
    "{SCHOOL}": "<id:school_id>",
    "{NOTE}": "<id:note_id>",
    "{MT}": "<id:mentor_time_id>",
    "{MTDATE}": "<on_date>",
    "{GOAL}": "<id:goal_id>",
    "{YEAR}": "<id:year_id>",
    "{OTHER_YEAR}": "<id:year_id>",
    "{OTHER_SCHOOL}": "<id:school_id>",
    "{DAYOFF}": "<id:day_off_id>",
    "{MENTOR_USER}": "<id:user_id>",
    "{IMPORT}": "<id:batch_id>",
    "{MAIL}": "<id:message_id>",
    "{REPORT}": "<id:report_id>",
    "{REGABS}": "<id:absence_id>",
    "{ABSIMPORT}": "<id:batch_id>",
    "{REFERRAL}": "<id:referral_id>",
    "{HANDOVER}": "<id:handover_id>",  # handover (issue 19)
    "{ASSESS}": "<id:assessment_id>",
    "{ADRAFT}": "<id:assessment_id>",
    "{PUPIL7A}": "<id:student_id>",
    "{CONCERN}": "<id:concern_id>",
    "{MA}": "<subject>",
    "{BI}": "<subject>",
    "{SV}": "<subject>",
    "{ASSIGN}": "<id:assignment_id>",
}


def test_every_route_is_listed(app):
    listed = set()
    for template in ROUTES:
        for placeholder, param in PARAMS.items():
            template = template.replace(placeholder, param)
        listed.add(template)
    listed |= set(PUBLIC) | set(COVERED_ELSEWHERE)
    unlisted = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        if rule.rule not in listed:
            unlisted.append(rule.rule)
    assert unlisted == [], "add these routes to tests/test_access.py"


def test_unsafe_routes_need_csrf(app, login_as):
    """Every POST route refuses a request without the CSRF token."""
    client = login_as("guardian")
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or "<" in rule.rule:
            continue
        response = client.post(rule.rule, data={})
        assert response.status_code == 400, rule.rule
        assert "Formuläret har gått ut" in response.get_data(as_text=True)


# path → roles allowed to POST there (checked: everyone else gets 404, with a valid token).
POST_ROUTES: dict[str, set[str]] = {
    "/talks/groups/{7A}/periods/new": {"mentor", "comentor"},
    "/talks/periods/{P7A}/slots/new": {"mentor", "comentor"},
    "/talks/periods/{P7A}/remind": {"mentor", "comentor"},
    "/talks/slots/{SLOT}/remove": {"mentor", "comentor"},
    "/talks/periods/{P7A}/students/{OSKAR}/record": {"mentor", "comentor"},
    "/talks/periods/{P7A}/students/{OSKAR}/book/{SLOT}": {"guardian", "other_guardian"},
    "/talks/bookings/{BOOKING}/cancel": {"guardian"},
    "/talks/bookings/{BOOKING}/move/{SLOT9C}": {"guardian"},
    # Talk preparation (issue 19): only the student writes theirs, only guardians theirs.
    "/talks/periods/{P9C}/students/{ELSA}/prepare": {"student"},
    "/talks/periods/{P9C}/students/{ELSA}/questions": {"guardian"},
    "/talks/periods/{P7A}/students/{OSKAR}/prepare": set(),
    "/talks/periods/{P7A}/students/{OSKAR}/questions": {"guardian", "other_guardian"},
    "/leave/new": {"guardian", "other_guardian"},
    "/absence/report": {"guardian", "other_guardian"},
    "/absence/reports/{REPORT}": {"guardian", "other_guardian"},
    "/absence/reports/{REPORT}/end": {"guardian", "other_guardian"},
    "/absence/reports/{REPORT}/accept": {"mentor", "comentor"},
    "/absence/register/{REGABS}/answer": {"guardian", "other_guardian"},
    "/absence/students/{OSKAR}/contact": {"mentor", "comentor"},
    "/absence/students/{OSKAR}/refer": {"mentor", "comentor"},
    "/absence/referrals/{REFERRAL}": {"principal"},
    "/absence/schools/{SCHOOL}/settings": ADMIN_MANAGE,
    "/absence/schools/{SCHOOL}/token": ADMIN_MANAGE,
    "/absence/schools/{SCHOOL}/import": ADMIN_MANAGE,
    "/absence/imports/{ABSIMPORT}/apply": ADMIN_MANAGE,
    "/absence/imports/{ABSIMPORT}/discard": ADMIN_MANAGE,
    # Concerns (issue 19): the student's current mentors follow up; teachers raise
    # (test_concern_access_by_teachers).
    "/teaching/concerns/new": set(),
    "/teaching/concerns/{CONCERN}/follow-up": {"mentor", "comentor"},
    "/teaching/concerns/{CONCERN}/tell-guardians": {"mentor", "comentor"},
    "/teaching/concerns/{CONCERN}/close": {"mentor", "comentor"},
    "/surveys/periods/{P7A}": {"guardian", "other_guardian"},
    "/surveys/periods/{P9C}": {"guardian", "student"},
    "/leave/{LEAVE}/withdraw": set(),  # only the student's own guardians
    "/leave/{LEAVE}/consent": set(),
    # The admin sees the request (404 would be wrong) but may not decide: test_leave_views.
    "/leave/{LEAVE}/decide": {"mentor", "comentor", "principal", "admin"},
    "/leave/{LEAVE}/pass-on": {"mentor", "comentor"},
    "/contact": {"guardian", "other_guardian"},
    "/contact/confirm": {"guardian", "other_guardian"},
    "/students/{OSKAR}/contact-log": {"mentor", "comentor", "principal"},
    "/contact-notes/{NOTE}/done": {"mentor", "comentor", "principal"},
    "/groups/{7A}/mentor-time": {"mentor", "comentor"},
    "/mentor-times/{MT}/delete": {"mentor", "comentor"},
    "/mentor-times/{MT}/{MTDATE}": {"mentor", "comentor"},
    "/students/{OSKAR}/goals": {"mentor", "comentor"},
    "/goals/{GOAL}/follow-up": {"mentor", "comentor"},
    "/talks/periods/{P7A}/students/{OSKAR}/actions-to-goal": {"mentor", "comentor"},
    "/admin/schools/new": {"site_admin"},
    "/admin/schools/{SCHOOL}/edit": {"site_admin"},
    "/admin/schools/{SCHOOL}/policy": ADMIN_READ,
    "/admin/schools/{OTHER_SCHOOL}/policy": {"site_admin"},
    "/admin/schools/{SCHOOL}/years/new": ADMIN_MANAGE,
    "/admin/years/{YEAR}": ADMIN_MANAGE,
    "/admin/years/{YEAR}/days-off": ADMIN_MANAGE,
    "/admin/days-off/{DAYOFF}/delete": ADMIN_MANAGE,
    "/admin/years/{YEAR}/groups/new": ADMIN_MANAGE,
    "/admin/groups/{7A}/edit": ADMIN_MANAGE,
    "/admin/students/{OSKAR}": ADMIN_MANAGE,
    "/admin/schools/{SCHOOL}/staff": ADMIN_MANAGE,
    "/admin/schools/{OTHER_SCHOOL}/staff": {"site_admin"},
    "/admin/schools/{SCHOOL}/staff/{MENTOR_USER}": ADMIN_MANAGE,
    "/admin/schools/{SCHOOL}/staff/{MENTOR_USER}/deactivate": ADMIN_MANAGE,
    "/admin/schools/{SCHOOL}/invitations": ADMIN_MANAGE,
    "/admin/schools/{SCHOOL}/import": ADMIN_MANAGE,
    "/admin/imports/{IMPORT}/apply": ADMIN_MANAGE,
    "/admin/imports/{IMPORT}/discard": ADMIN_MANAGE,
    # Issue 19: the written assessment is written and shared by the student's mentors only.
    "/talks/periods/{P7A}/students/{PUPIL7A}/assessment": {"mentor", "comentor"},
    "/talks/periods/{P9C}/students/{ELSA}/assessment": set(),
    "/admin/mail/{MAIL}/retry": {"site_admin"},
    "/admin/schools/{SCHOOL}/mail/{MAIL}/retry": ADMIN_MANAGE,
    "/admin/schools/{OTHER_SCHOOL}/mail/{MAIL}/retry": set(),  # not a person of that school
    "/handovers/{HANDOVER}/write": {"mentor"},  # handover (issue 19)
    # Teaching: a subject's teachers write its input; the group's mentors remind; the
    # school's admins set who teaches what.
    "/teaching/periods/{P7A}/input/{MA}/students/{OSKAR}": {"teacher"},
    "/teaching/periods/{P7A}/input/{BI}/students/{OSKAR}": {"other_mentor"},
    "/teaching/periods/{P7A}/input/{MA}/students/{ELSA}": set(),  # not in 7A
    "/teaching/periods/{P9C}/input/{MA}/students/{ELSA}": set(),
    "/teaching/periods/{P7A}/remind": {"mentor", "comentor"},
    "/admin/groups/{7A}/teaching": ADMIN_MANAGE,
    "/admin/teaching/{ASSIGN}/remove": ADMIN_MANAGE,
}
# Feeds need no sign-in; the secret in the link is the key (tests/feeds).


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_unsafe_routes_refuse_other_roles(app, login_as, role):
    client = login_as(role)
    ids = _ids(app)
    from app.talks.models import TalkPeriod
    from app.talks.slots import future_open_slots

    with app.app_context():
        ids["SLOT9C"] = future_open_slots(db.session.get(TalkPeriod, ids["P9C"]))[0].id
    token = csrf_token(client, "/account")
    for template, allowed in POST_ROUTES.items():
        if role in allowed:
            continue
        path = _resolve(template, ids)
        response = client.post(path, data={"csrf_token": token, "reason": "x", "notes": "x"})
        assert response.status_code == 404, f"{role} must not POST {path}"


def test_every_post_route_is_listed(app):
    listed = set()
    for template in POST_ROUTES:
        for placeholder, param in {**PARAMS, "{SLOT9C}": "<id:slot_id>"}.items():
            template = template.replace(placeholder, param)
        listed.add(template)
    # Routes without object ids: any signed-in user may use them (tested in their own files).
    open_to_all = {
        "/login",
        "/contact/email/<token>",
        "/calendar/links",
        "/login/link",
        "/login/link/<token>",
        "/password/forgot",
        "/password/reset/<token>",
        "/logout",
        "/account/password",
        # The user's own sessions only: people/test_sessions.py
        "/account/sessions/<id:session_id>/end",
        "/account/sessions/end-all",
        "/language",
        # Token auth, no session or CSRF: absence/test_register.py
        "/api/schools/<id:school_id>/absence",
    }
    unlisted = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.rule not in listed | open_to_all
    ]
    assert unlisted == [], "add these POST routes to tests/test_access.py"


# --- concerns (issue 19): the teachers, who are not among the demo roles on this branch ---


def test_concern_access_by_teachers(app):
    """The teacher who raised a concern reads it (never follows it up); another teacher of
    the group, a teacher of another group and a former teacher (no longer staff) get 404
    for the concern, the student's list, raising about the student and their posts."""
    from tests.conftest import sign_in
    from tests.talks.helpers import student
    from tests.teaching.concern_helpers import TEACHERS, make_teachers, raise_one

    with app.test_request_context():
        teachers = make_teachers()
        oskar = student("Oskar")
        concern = raise_one(teachers["teacher"], oskar).id
        oskar_id = oskar.id
    allowed_get = {
        "teacher": {
            "/teaching/concerns",
            "/teaching/concerns/new",
            f"/teaching/concerns/new?student={oskar_id}",
            f"/teaching/concerns/{concern}",
        },
        "other_teacher": {
            "/teaching/concerns",
            "/teaching/concerns/new",
            f"/teaching/concerns/new?student={oskar_id}",
        },
        "teacher_8b": {"/teaching/concerns", "/teaching/concerns/new"},
        "former_teacher": set(),
    }
    every = set().union(*allowed_get.values()) | {f"/teaching/students/{oskar_id}/concerns"}
    for role, allowed in allowed_get.items():
        client = app.test_client()
        assert sign_in(client, TEACHERS[role][0]).status_code == 303, role
        for path in sorted(every):
            status = client.get(path).status_code
            assert status == (200 if path in allowed else 404), (role, path, status)
        token = csrf_token(client, "/account")
        for action in ("follow-up", "tell-guardians", "close"):
            answer = client.post(
                f"/teaching/concerns/{concern}/{action}",
                data={"csrf_token": token, "confirm": "y", "outcome": "improved"},
            )
            assert answer.status_code == 404, (role, action)
