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
    # Undeliverable e-mail: the school's admins for its people, site admins for all.
    "/admin/mail": {"site_admin"},
    "/admin/schools/{SCHOOL}/mail": ADMIN_MANAGE,
    "/admin/schools/{OTHER_SCHOOL}/mail": {"site_admin"},
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
    "/admin/mail/{MAIL}/retry": {"site_admin"},
    "/admin/schools/{SCHOOL}/mail/{MAIL}/retry": ADMIN_MANAGE,
    "/admin/schools/{OTHER_SCHOOL}/mail/{MAIL}/retry": set(),  # not a person of that school
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
