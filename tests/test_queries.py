"""No N+1: a page runs as many SQL statements with 40 more students as without them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.bench import count_statements
from app.extensions import db
from app.leave.models import LeaveRequest
from app.people.models import Guardianship, Student, User
from app.school.models import GroupMembership, GroupMentor, MentorGroup, SchoolYear

PAGES = {
    "guardian": ["/home/guardian", "/talks/periods/{P7A}/students/{OSKAR}/book", "/leave"],
    "student": ["/home/student"],
    "mentor": [
        "/home/mentor",
        "/groups/{7A}",
        "/talks/periods/{P7A}",
        "/talks/periods/{P7A}/schedule",
    ],
    "principal": ["/home/principal", "/groups/{8B}", "/leave/schools/{SCHOOL}"],
    "admin": [
        "/home/admin",
        "/admin/schools/{SCHOOL}",
        "/admin/years/{YEAR}",
        "/admin/groups/{7A}",
        "/admin/students/{OSKAR}",
        "/admin/schools/{SCHOOL}/students",
        "/admin/schools/{SCHOOL}/staff",
        "/admin/schools/{SCHOOL}/invitations",
        "/admin/schools/{SCHOOL}/audit",
    ],
}


def _grow(app, n: int = 20) -> None:
    """Add n students with two guardians to 7A and 8B, two more children to the
    demo guardian, and a second group to the demo mentor."""
    with app.app_context():
        groups = {g.name: g for g in db.session.scalars(select(MentorGroup))}
        year = db.session.scalar(select(SchoolYear))
        extra = MentorGroup(school_year=year, name="7X")
        db.session.add(extra)
        mentor = db.session.scalar(select(User).where(User.email == "mentor@example.org"))
        db.session.add(GroupMentor(group=extra, user=mentor))
        guardian = db.session.scalar(select(User).where(User.email == "guardian@example.org"))
        for name in ("7A", "8B", "7X"):
            for i in range(n):
                student = Student(school_id=year.school_id, first_name=f"Ny{i}", last_name=name)
                db.session.add(GroupMembership(group=groups.get(name, extra), student=student))
                for k in range(2):
                    parent = User(email=f"p{k}.{i}.{name}@example.net", name=f"Förälder {k}")
                    db.session.add(Guardianship(guardian=parent, student=student))
                if i < 2:
                    db.session.add(Guardianship(guardian=guardian, student=student))
                # Every new student also has a pending leave request.
                day = year.start_date + timedelta(days=i)
                db.session.add(
                    LeaveRequest(
                        student=student,
                        school_year_id=year.id,
                        batch=f"b{i}{name}",
                        start_date=day,
                        end_date=day,
                        reason="other",
                        school_days=1,
                    )
                )
        db.session.commit()


def _counts(app, login_as) -> dict[str, int]:
    from app.talks.models import TalkPeriod
    from tests.talks.helpers import student

    with app.app_context():
        ids = {g.name: g.id for g in db.session.scalars(select(MentorGroup))}
        ids["P7A"] = db.session.scalar(
            select(TalkPeriod.id).where(TalkPeriod.group_id == ids["7A"])
        )
        ids["OSKAR"] = student("Oskar").id
        ids["SCHOOL"] = db.session.scalar(select(SchoolYear.school_id))
        ids["YEAR"] = db.session.scalar(select(SchoolYear.id))
        engine = db.engine
    counts = {}
    for role, paths in PAGES.items():
        client = login_as(role)
        for template in paths:
            path = template
            for key, value in ids.items():
                path = path.replace("{" + key + "}", str(value))
            with count_statements(engine) as statements:
                assert client.get(path).status_code == 200
            counts[template] = len(statements)
    return counts


def _one_request_for_oskar(app) -> None:
    """So the guardian's list is not empty when the first count is taken."""
    from tests.talks.helpers import student

    with app.app_context():
        year = db.session.scalar(select(SchoolYear))
        db.session.add(
            LeaveRequest(
                student=student("Oskar"),
                school_year_id=year.id,
                batch="base",
                start_date=year.end_date,
                end_date=year.end_date,
                reason="other",
                school_days=1,
            )
        )
        db.session.commit()


def test_statement_counts_do_not_grow_with_students(app, login_as):
    _one_request_for_oskar(app)
    before = _counts(app, login_as)
    _grow(app)
    after = _counts(app, login_as)
    assert after == before
    # One query per concern (talks, mentor time, goals, ...), never one per student; the
    # guardian home also runs the once-a-session contact check here.
    assert max(before.values()) <= 22, before


# --- booking night: every role's home and the guardian's pages in at most six statements ---

# The most statements each page may run, the sign-in session's lookup included. The
# guardian home's first visit in a session also checks the contact details (folded in).
CEILINGS = {
    "guardian": {
        "/home/guardian": 6,
        "/students/{OSKAR}/goals": 6,
        "/students/{ELSA}/goals": 6,
        "/talks/periods/{P7A}/students/{OSKAR}/book": 6,
        "/talks/periods/{P7A}/students/{OSKAR}/book/{SLOT}": 6,
        "/talks/bookings/{BOOKING}": 6,
        "/talks/bookings/{BOOKING}/cancel": 6,
        "/talks/bookings/{BOOKING}/move/{SLOT9C}": 6,
        "/leave/new": 6,
        "/leave/new?student={OSKAR}": 6,
        # Issue 19: a guardian's questions for Elsa's booked talk (with 100 goals later).
        "/talks/periods/{P9C}/students/{ELSA}/questions": 6,
    },
    "student": {
        "/home/student": 6,
        # Issue 19: Elsa prepares her booked talk (100 open goals in the large data).
        "/talks/periods/{P9C}/students/{ELSA}/prepare": 6,
    },
    "mentor": {
        "/home/mentor": 6,
        # The period's overview: its times with bookings, the group with records and
        # preparation (was 11 statements before folding them together).
        "/talks/periods/{P7A}": 6,
    },
    "principal": {"/home/principal": 6},
    "admin": {"/home/admin": 6},
}


def _booking_night_ids(app) -> dict[str, int]:
    from app.talks.models import TalkBooking, TalkPeriod, TalkSlot
    from tests.talks.helpers import student

    with app.app_context():
        groups = {g.name: g.id for g in db.session.scalars(select(MentorGroup))}
        periods = {
            name: db.session.scalar(
                select(TalkPeriod.id).where(TalkPeriod.group_id == groups[name])
            )
            for name in ("7A", "9C")
        }
        elsa = student("Elsa")
        return {
            "P7A": periods["7A"],
            "OSKAR": student("Oskar").id,
            "ELSA": elsa.id,
            "SLOT": db.session.scalar(
                select(TalkSlot.id)
                .where(
                    TalkSlot.period_id == periods["7A"],
                    TalkSlot.id.not_in(
                        select(TalkBooking.slot_id).where(TalkBooking.slot_id.is_not(None))
                    ),
                )
                .order_by(TalkSlot.starts_at.desc())
            ),
            "BOOKING": db.session.scalar(
                select(TalkBooking.id).where(TalkBooking.student_id == elsa.id)
            ),
            # The period of Elsa's booked talk: her preparation, her guardians' questions.
            "P9C": db.session.scalar(
                select(TalkBooking.period_id).where(TalkBooking.student_id == elsa.id)
            ),
            # A free time in 9C, where Elsa's talk is booked: the move's confirm page.
            "SLOT9C": db.session.scalar(
                select(TalkSlot.id)
                .where(
                    TalkSlot.period_id == periods["9C"],
                    TalkSlot.id.not_in(
                        select(TalkBooking.slot_id).where(TalkBooking.slot_id.is_not(None))
                    ),
                )
                .order_by(TalkSlot.starts_at.desc())
            ),
        }


def _book(app, first_name: str, last_name: str | None, group: str) -> None:
    """Book the guardian's child into the first free time of their group's period."""
    from app.talks import booking
    from app.talks.models import TalkBooking, TalkPeriod, TalkSlot

    with app.app_context():
        guardian = db.session.scalar(select(User).where(User.email == "guardian@example.org"))
        query = select(Student).where(Student.first_name == first_name)
        if last_name:
            query = query.where(Student.last_name == last_name)
        child = db.session.scalar(query)
        group_id = db.session.scalar(select(MentorGroup.id).where(MentorGroup.name == group))
        period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group_id == group_id))
        taken = select(TalkBooking.active_slot_id).where(TalkBooking.active_slot_id.is_not(None))
        slot = db.session.scalar(
            select(TalkSlot)
            .where(TalkSlot.period_id == period.id, TalkSlot.id.not_in(taken))
            .order_by(TalkSlot.starts_at)
        )
        booking.book(guardian, child, period, slot.id, attendees="Anna")
        db.session.commit()


def _grow_more(app) -> None:
    """On top of _grow: a hundred goals with follow-ups for each of the demo guardian's
    children, five groups for the demo mentor, talks booked for the new children, and
    7A's second term open for booking too (two periods on Oskar's card)."""
    from app.goals.models import Goal, GoalUpdate
    from tests.talks.helpers import make_period, student

    _grow(app, n=40)
    with app.app_context():
        year = db.session.scalar(select(SchoolYear))
        mentor = db.session.scalar(select(User).where(User.email == "mentor@example.org"))
        for name in ("7Y", "7Z", "7W"):
            group = MentorGroup(school_year=year, name=name)
            db.session.add_all([group, GroupMentor(group=group, user=mentor)])
        for child in (student("Oskar"), student("Elsa")):
            for i in range(100):
                goal = Goal(
                    student=child,
                    school_year_id=year.id,
                    area=("knowledge", "social", "personal")[i % 3],
                    text=f"Mål {i}",
                )
                db.session.add(goal)
                db.session.add(GoalUpdate(goal=goal, status="under_way"))
        db.session.commit()
    _book(app, "Ny0", "7A", "7A")
    _book(app, "Ny1", "7A", "7A")
    with app.app_context():
        make_period("7A")


def _page_counts(app, login_as, ids) -> dict[str, int]:
    with app.app_context():
        engine = db.engine
    counts = {}
    for role, pages in CEILINGS.items():
        client = login_as(role)  # a fresh sign-in: the first visit of the session
        for template in pages:
            path = template.format(**ids)
            with count_statements(engine) as statements:
                response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            counts[template] = len(statements)
    return counts


def test_booking_night_pages_run_at_most_six_statements_whatever_the_data(app, login_as):
    _book(app, "Elsa", None, "9C")  # a sibling's talk: marked on Oskar's booking page
    ids = _booking_night_ids(app)
    small = _page_counts(app, login_as, ids)
    _grow_more(app)
    large = _page_counts(app, login_as, ids)
    ceilings = {page: n for pages in CEILINGS.values() for page, n in pages.items()}
    for page, ceiling in ceilings.items():
        assert small[page] <= ceiling, (page, small[page])
    assert large == small


# --- the slot generator and the contact log (issue 16): six statements at most, any size ---

MENTOR_PAGES = {
    "/talks/groups/{7A}/periods/new": 6,
    "/talks/periods/{P7A}/slots/new": 6,
    "/groups/{7A}/contact-log": 6,
    "/groups/{7A}/contact-log/student": 6,
    "/students/{OSKAR}/contact-log": 6,
    "/students/{OSKAR}/contact-log?back=/groups/{7A}": 6,
}


def _generator_form(app) -> dict[str, str]:
    from tests.talks.helpers import weekday_after

    return {
        "extra_day": weekday_after(40).isoformat(),
        "start": "08:00",
        "end": "12:00",
        "minutes": "20",
        "pause": "0",
        "mode": "site",
        "location": "Rum 4",
        "action": "preview",
    }


def _mentor_counts(app, login_as) -> dict[str, int]:
    from app.contacts.log import add_note
    from app.talks.models import TalkPeriod
    from tests.conftest import csrf_token
    from tests.talks.helpers import student

    with app.app_context():
        ids = {g.name: g.id for g in db.session.scalars(select(MentorGroup))}
        ids["P7A"] = db.session.scalar(
            select(TalkPeriod.id).where(TalkPeriod.group_id == ids["7A"])
        )
        ids["OSKAR"] = student("Oskar").id
        mentor = db.session.scalar(select(User).where(User.email == "mentor@example.org"))
        # Notes for every student of 7A: more data each time this runs.
        members = db.session.scalars(
            select(GroupMembership.student_id).where(GroupMembership.group_id == ids["7A"])
        ).all()
        for student_id in members:
            add_note(
                db.session.get(Student, student_id),
                mentor,
                occurred_on=year_start(),
                channel="phone",
                with_whom="Förälder",
                summary="Samtal",
            )
        db.session.commit()
        engine = db.engine
    client = login_as("mentor")
    counts = {}
    for template in MENTOR_PAGES:
        path = template.format(**ids)
        with count_statements(engine) as statements:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts[template] = len(statements)
    token = csrf_token(client, "/account")
    path = "/talks/periods/{P7A}/slots/new".format(**ids)
    with count_statements(engine) as statements:
        response = client.post(path, data={"csrf_token": token, **_generator_form(app)})
    assert response.status_code == 200
    counts["preview"] = len(statements)
    return counts


def year_start():
    return db.session.scalar(select(SchoolYear.start_date))


def test_generator_and_contact_log_pages_run_at_most_six_statements(app, login_as):
    small = _mentor_counts(app, login_as)
    _grow(app, n=40)
    _book(app, "Ny0", "7A", "7A")
    large = _mentor_counts(app, login_as)
    for page, ceiling in {**MENTOR_PAGES, "preview": 6}.items():
        assert small[page] <= ceiling, (page, small)
    assert large == small, (small, large)


# --- absence: the watch list and the absence pages for 30 students or 300 absence rows ---

ABSENCE_PAGES = {
    "mentor": [
        "/home/mentor",
        "/absence/groups/{7A}",
        "/absence/students/{OSKAR}",
    ],
    "guardian": ["/absence", "/absence/report", "/absence/students/{OSKAR}"],
    "principal": ["/absence/schools/{SCHOOL}/referrals", "/absence/groups/{7A}"],
}


def _absence_rows(app) -> None:
    """7A grows to 30 students with 300 absence rows in the term (register rows, reports,
    answers and approved leave), contact notes and open referrals."""
    from app.absence.models import Referral, RegisterAbsence, SicknessReport
    from app.contacts.models import ContactNote
    from app.school.calendar import school_days, today

    with app.app_context():
        year = db.session.scalar(select(SchoolYear))
        group = db.session.scalar(select(MentorGroup).where(MentorGroup.name == "7A"))
        for i in range(2):
            new = Student(school_id=year.school_id, first_name=f"Ny{i}", last_name="7A")
            db.session.add(GroupMembership(group=group, student=new))
        db.session.flush()
        members = [m.student for m in group.memberships]
        assert len(members) == 30
        days = school_days(today() - timedelta(days=60), today(), year)
        rows = 0
        for n, child in enumerate(members):
            for k in range(8):
                day = days[(n + k * 5) % len(days)]
                db.session.add(
                    RegisterAbsence(
                        school_id=child.school_id,
                        student_id=child.id,
                        day=day,
                        minutes=60 + k,
                        valid=k % 2 == 0,
                        reason_code=f"R{k}",
                    )
                )
                rows += 1
            day = days[n % len(days)]
            db.session.add(
                SicknessReport(
                    student_id=child.id,
                    batch=f"b{n}",
                    start_date=day,
                    end_date=day,
                    note="x",
                    source="answer" if n % 3 == 0 else "guardian",
                )
            )
            db.session.add(
                LeaveRequest(
                    student_id=child.id,
                    school_year_id=year.id,
                    batch=f"l{n}",
                    start_date=day,
                    end_date=day,
                    reason="other",
                    school_days=1,
                    status="approved",
                )
            )
            db.session.add(
                ContactNote(
                    student_id=child.id,
                    occurred_on=day,
                    channel="phone",
                    with_whom="x",
                    summary="x",
                    follow_up_on=today() + timedelta(days=3),
                )
            )
            if n % 4 == 0:
                db.session.add(
                    Referral(
                        student_id=child.id,
                        school_id=child.school_id,
                        open_student_id=child.id,
                        reason="x",
                    )
                )
            rows += 2
        assert rows >= 300
        db.session.commit()


def _absence_counts(app, login_as) -> dict[str, int]:
    from tests.talks.helpers import student

    with app.app_context():
        ids = {
            "7A": db.session.scalar(select(MentorGroup.id).where(MentorGroup.name == "7A")),
            "OSKAR": student("Oskar").id,
            "SCHOOL": db.session.scalar(select(SchoolYear.school_id)),
        }
        engine = db.engine
    counts = {}
    for role, pages in ABSENCE_PAGES.items():
        client = login_as(role)
        client.get("/")  # the guardian's once-a-session contact check is not counted here
        for template in pages:
            path = template.format(**ids)
            with count_statements(engine) as statements:
                assert client.get(path).status_code == 200, path
            counts[f"{role} {template}"] = len(statements)
    return counts


def test_absence_pages_run_at_most_six_statements_for_30_students_or_300_rows(app, login_as):
    small = _absence_counts(app, login_as)
    _absence_rows(app)
    large = _absence_counts(app, login_as)
    assert max(large.values()) <= 6, large
    assert large == small


# --- the mentor's home with its week: as many statements for a busy week as for a quiet one ---


def _busy_week(app) -> None:
    """Five groups for the demo mentor, 100 talks booked this week (20 in each group), 50
    more leave requests waiting for the mentor, and 30 goal and 30 contact-log follow-ups
    due this week, on top of tests/home/week_data.py."""
    from datetime import time

    from app.contacts.models import ContactNote
    from app.goals.models import Goal, GoalUpdate
    from app.mentortime.models import MentorTime
    from app.school.calendar import local_to_utc, today
    from app.school.models import Term
    from app.talks.models import TalkBooking, TalkPeriod, TalkSlot

    monday = today() - timedelta(days=today().weekday())
    with app.app_context():
        year = db.session.scalar(select(SchoolYear))
        term = db.session.scalar(select(Term).order_by(Term.id))
        mentor = db.session.scalar(select(User).where(User.email == "mentor@example.org"))
        booked = set(db.session.scalars(select(TalkBooking.student_id)))
        names = ["7A", "7V", "7W", "7Y", "7Z"]
        groups = {g.name: g for g in db.session.scalars(select(MentorGroup))}
        for name in names[1:]:
            groups[name] = MentorGroup(school_year=year, name=name)
            db.session.add_all([groups[name], GroupMentor(group=groups[name], user=mentor)])
            db.session.add(MentorTime(group=groups[name], weekday=2, start=time(9, 0)))
        db.session.flush()
        for g, name in enumerate(names):
            period = db.session.scalar(
                select(TalkPeriod).where(TalkPeriod.group_id == groups[name].id)
            ) or TalkPeriod(
                group=groups[name],
                term=term,
                title=name,
                booking_opens_at=local_to_utc(monday, time(0)),
                booking_closes_at=local_to_utc(monday, time(1)),
            )
            db.session.add(period)
            db.session.flush()
            for i in range(20):
                student = Student(school_id=year.school_id, first_name=f"W{i}", last_name=name)
                db.session.add(GroupMembership(group=groups[name], student=student))
                starts = local_to_utc(monday + timedelta(days=i % 5), time(8 + g, 0))
                slot = TalkSlot(
                    period=period,
                    mentor_id=mentor.id,
                    starts_at=starts + timedelta(minutes=i),
                    ends_at=starts + timedelta(minutes=i + 1),
                )
                db.session.add(slot)
                db.session.flush()
                db.session.add(
                    TalkBooking(
                        period_id=period.id,
                        slot_id=slot.id,
                        active_slot_id=slot.id,
                        active_period_id=period.id,
                        student_id=student.id,
                        attendees="Mamma",
                    )
                )
                if i < 10:
                    day = monday + timedelta(days=i % 7)
                    db.session.add(
                        LeaveRequest(
                            student=student,
                            school_year_id=year.id,
                            batch=f"w{name}{i}",
                            start_date=day,
                            end_date=day,
                            reason="other",
                            school_days=1,
                        )
                    )
                if i < 6:
                    goal = Goal(
                        student=student,
                        school_year_id=year.id,
                        area="social",
                        text="Mål",
                        target_date=monday + timedelta(days=i),
                    )
                    db.session.add_all([goal, GoalUpdate(goal=goal, status="under_way")])
                    db.session.add(
                        ContactNote(
                            student=student,
                            occurred_on=monday,
                            channel="phone",
                            with_whom="Pappa",
                            summary="Ring",
                            follow_up_on=monday + timedelta(days=i),
                        )
                    )
        db.session.commit()
        assert len(booked) < 100


def _mentor_home(app, client) -> tuple[int, str]:
    with app.app_context():
        engine = db.engine
    with count_statements(engine) as statements:
        response = client.get("/home/mentor")
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_mentor_home_with_its_week_runs_as_many_statements_for_a_busy_week(app, login_as):
    from tests.home.week_data import seed_week

    seed_week(app)
    client = login_as("mentor")
    small, page = _mentor_home(app, client)
    assert page.count("/record") == 1  # one talk this week
    _busy_week(app)
    large, page = _mentor_home(app, client)
    assert page.count("/record") == 101
    assert "51 ledighetsansökningar att besluta" in page
    assert page.count('href="/groups/') == 5
    assert small == large <= 6, (small, large)


def test_the_contact_exports_run_a_fixed_number_of_statements(app, login_as):
    """The group's contact list as CSV and vCards: the same statements for 28 students or
    48 (the file is made before the audit's commit, which would expire every row)."""
    with app.app_context():
        group_id = db.session.scalar(select(MentorGroup.id).where(MentorGroup.name == "7A"))
        engine = db.engine
    client = login_as("mentor")

    def counts() -> list[int]:
        found = []
        for kind in ("csv", "vcf"):
            with count_statements(engine) as statements:
                response = client.get(f"/groups/{group_id}/contacts.{kind}")
            assert response.status_code == 200
            found.append(len(statements))
        return found

    small = counts()
    _grow(app)
    large = counts()
    # Sign-in lookup, group, rows, guardians, details, the audit insert and its commit.
    assert large == small and max(large) <= 7, (small, large)


# --- handover (issue 19): the same statements for one handover as for forty ----------------


def _handover_data(app, moves: int, extra: int) -> dict[str, int]:
    """Move `moves` 7A students (Oskar first) to 8B, Karin writing each handover; give
    Oskar `extra` open goals and contact-log follow-ups (the form's read-only context)."""
    from app.admin import groups
    from app.contacts.log import add_note
    from app.goals import plans
    from app.teaching import handover
    from app.teaching.models_handover import Handover
    from tests.talks.helpers import student, user

    with app.app_context():
        by_name = {g.name: g for g in db.session.scalars(select(MentorGroup))}
        oskar, karin = student("Oskar"), user("mentor@example.org")
        year = by_name["7A"].school_year
        for i in range(extra):
            plans.add_goal(oskar, year.id, karin, area="social", text=f"Mål {i}")
            add_note(
                oskar,
                karin,
                occurred_on=year.start_date,
                channel="phone",
                with_whom="Anna",
                summary=f"Följ upp {i}",
                follow_up_on=year.start_date,
            )
        db.session.commit()
        seven_a = (
            select(Student)
            .join(GroupMembership, GroupMembership.student_id == Student.id)
            .where(GroupMembership.group_id == by_name["7A"].id, Student.id != oskar.id)
            .order_by(Student.id)
        )
        movers = ([oskar] if not db.session.scalar(select(Handover.id)) else []) + list(
            db.session.scalars(seven_a.limit(moves))
        )
        for moved in movers[:moves]:
            groups.place(moved, year, by_name["8B"], user("admin@example.org"))
            made = db.session.scalar(select(Handover).where(Handover.student_id == moved.id))
            assert handover.write(made, karin, {"what_works": "Lugn", "what_to_watch": "x"}).ok
        # One more moved and not yet written: Karin's list has one to write and the rest.
        due = db.session.scalar(seven_a)  # the moved ones have left 7A
        groups.place(due, year, by_name["8B"], user("admin@example.org"))
        return {
            "H": db.session.scalar(select(Handover.id).where(Handover.student_id == oskar.id)),
            "DUE": db.session.scalar(select(Handover.id).where(Handover.student_id == due.id)),
            "OSKAR": oskar.id,
        }


HANDOVER_PAGES = {
    "mentor": [
        "/home/mentor",
        "/handovers/to-write",
        "/handovers/{H}/write",
        "/handovers/{DUE}/write",
    ],
    "other_mentor": [
        "/home/mentor",
        "/handovers/received",
        "/handovers/{H}",
        "/students/{OSKAR}/goals",
    ],
    "principal": ["/handovers/received", "/handovers/{H}"],
}


def _handover_counts(app, login_as, ids) -> dict[str, int]:
    with app.app_context():
        engine = db.engine
    counts = {}
    for role, paths in HANDOVER_PAGES.items():
        client = login_as(role)
        for template in paths:
            path = template
            for key, value in ids.items():
                path = path.replace("{" + key + "}", str(value))
            with count_statements(engine) as statements:
                assert client.get(path).status_code == 200, path
            counts[f"{role} {template}"] = len(statements)
    return counts


def test_handover_pages_run_at_most_six_statements_for_one_handover_or_forty(app, login_as):
    ids = _handover_data(app, moves=1, extra=0)
    small = _handover_counts(app, login_as, ids)
    _grow(app)
    ids = {**_handover_data(app, moves=40, extra=30), "H": ids["H"], "DUE": ids["DUE"]}
    large = _handover_counts(app, login_as, ids)
    print("handover statement counts", large)
    assert small == large, (small, large)
    assert max(large.values()) <= 6, large


# --- talk preparation (issue 19): the pages and the homes, for a little or a lot prepared ---


def _prep_counts(app, ids) -> dict[str, int]:
    from tests.conftest import sign_in

    with app.app_context():
        engine = db.engine
    base = "/talks/periods/{P9C}/students/{ELSA}".format(**ids)
    pages = {
        "student@example.org": ["/home/student", base + "/prepare"],
        "guardian@example.org": ["/home/guardian", base + "/questions"],
        "mentor9c@example.org": ["/home/mentor", base + "/record"],
    }
    counts = {}
    for email, paths in pages.items():
        client = app.test_client()
        assert sign_in(client, email).status_code == 303
        client.get("/contact/check")  # the guardian's once-a-session check is not counted
        for path in paths:
            with count_statements(engine) as statements:
                response = client.get(path)
            assert response.status_code == 200, (email, path)
            counts[f"{email} {path}"] = len(statements)
    return counts


def _lots_prepared(app, ids) -> None:
    """100 goals for Elsa, 20 of them agreed at an earlier talk, all answered in her
    preparation, and questions from both her guardians; 9C's other students prepared too."""
    from app.goals.models import Goal, GoalUpdate
    from app.talks import preparation
    from app.talks.models import TalkPeriod
    from tests.talks.helpers import student, user

    with app.app_context():
        period = db.session.get(TalkPeriod, ids["P9C"])
        earlier = db.session.scalar(
            select(TalkPeriod).where(
                TalkPeriod.group_id == period.group_id, TalkPeriod.id != period.id
            )
        )
        elsa = student("Elsa")
        year = period.group.school_year_id
        for i in range(100):
            goal = Goal(
                student=elsa,
                school_year_id=year,
                area=("knowledge", "social", "personal")[i % 3],
                text=f"Mål {i}",
                from_period_id=earlier.id if i < 20 else None,
            )
            db.session.add_all([goal, GoalUpdate(goal=goal, status="under_way")])
        db.session.commit()
        goals = preparation.goals_to_review(period, elsa)
        assert len(goals) == 101
        preparation.save_preparation(
            period,
            elsa,
            elsa.user,
            general="partly",
            topics="Matten",
            answers={g.id: ("well", f"Anteckning {g.id}") for g in goals},
        )
        for email in ("guardian@example.org", "peter.karlsson@example.net"):
            preparation.save_questions(period, elsa, user(email), "Fråga")


def test_talk_preparation_pages_run_at_most_six_statements(app):
    """The student's form, a guardian's questions, the mentor's notes page with the
    preparation, and the three homes: as many statements for one goal and nothing
    prepared as for 101 goals answered and questions from both guardians."""
    _book(app, "Elsa", None, "9C")
    ids = _booking_night_ids(app)
    small = _prep_counts(app, ids)
    _lots_prepared(app, ids)
    large = _prep_counts(app, ids)
    assert max(small.values()) <= 6, small
    assert large == small, (small, large)


# --- issue 19, the written assessment: six statements at most, for 3 subjects or 15 ---

ASSESSMENT_PAGES = {
    "mentor": [
        "/talks/periods/{P7A}/students/{PUPIL}/assessment",
        "/talks/periods/{P7A}/assessments",
        "/talks/periods/{P7A}/assessments/print",
        "/assessments/{ASSESS}",
        "/assessments/{ASSESS}/print",
    ],
    "guardian": ["/home/guardian", "/assessments/{ASSESS}", "/assessments/{ASSESS}/print"],
    "student": ["/home/student", "/assessments/{ELSA_ASSESS}"],
    "principal": ["/assessments/{ASSESS}", "/talks/periods/{P7A}/assessments/print"],
}


def _assessments(app, subjects: tuple[str, ...]) -> dict[str, int]:
    """Oskar's (7A) and Elsa's (9C) written assessments for `subjects`, shared; Oskar's
    edit page is counted on a second draft, of the other 7A pupil with input."""
    from flask import current_app

    from app.school.models import GroupMembership
    from app.teaching import assessment
    from tests.talks.helpers import student
    from tests.teaching.assessment_data import give_input, past_talk, period_of, teach

    ids = {}
    with app.app_context(), current_app.test_request_context():
        mentor = db.session.scalar(select(User).where(User.email == "mentor@example.org"))
        for name, pupil in (("7A", student("Oskar")), ("9C", student("Elsa"))):
            period = period_of(name)
            teach(name, subjects)
            for code in subjects:
                give_input(pupil, period, code, "needs_support", f"Kommentar {code} " * 8)
            past_talk(pupil, period)
            db.session.commit()
            writer = next(m.user for m in period.group.mentors if not m.is_co_mentor)
            made = assessment.open_for_mentor(period, pupil, writer)
            values = {e.subject: (e.status, e.text) for e in made.entries}
            assert assessment.save(made, writer, values, share=True).result == "shared"
            ids["ASSESS" if name == "7A" else "ELSA_ASSESS"] = made.id
            ids["P" + name] = period.id
        # A second 7A pupil with a draft: the mentor's edit page (Oskar's is shared).
        period = period_of("7A")
        other = db.session.scalar(
            select(Student)
            .join(GroupMembership, GroupMembership.student_id == Student.id)
            .where(GroupMembership.group_id == period.group_id, Student.first_name != "Oskar")
            .order_by(Student.id)
        )
        for code in subjects:
            give_input(other, period, code, "on_track", "Bra " * 10)
        db.session.commit()
        assessment.open_for_mentor(period, other, mentor)
        ids["PUPIL"] = other.id
    return ids


def _assessment_counts(app, login_as, ids) -> dict[str, int]:
    with app.app_context():
        engine = db.engine
    counts = {}
    for role, pages in ASSESSMENT_PAGES.items():
        client = login_as(role)
        client.get("/")  # the guardian's once-a-session contact check is not counted here
        for template in pages:
            path = template.format(**ids)
            with count_statements(engine) as statements:
                response = client.get(path)
            assert response.status_code == 200, (role, path, response.status_code)
            counts[f"{role} {template}"] = len(statements)
    return counts


def test_written_assessment_pages_run_at_most_six_statements_for_3_or_15_subjects(make_app):
    from app.teaching.subjects import SUBJECTS

    small_app = make_app()
    small = _assessment_counts(
        small_app, _login(small_app), _assessments(small_app, ("SV", "EN", "MA"))
    )
    large_app = make_app()
    large = _assessment_counts(
        large_app, _login(large_app), _assessments(large_app, tuple(SUBJECTS)[:15])
    )
    assert max(small.values()) <= 6, small
    assert large == small, (small, large)


def _login(app):
    from tests.conftest import ACCOUNTS, sign_in

    def login(role: str):
        client = app.test_client()
        assert sign_in(client, ACCOUNTS[role]).status_code == 303
        return client

    return login


# --- concerns (issue 19): six statements at most, for one concern or a hundred ----------

CONCERN_PAGES = {
    "mentor": [
        "/home/mentor",
        "/teaching/concerns/{CONCERN}",
        "/teaching/students/{OSKAR}/concerns",
        "/students/{OSKAR}/goals",
    ],
    "principal": ["/teaching/concerns/{CONCERN}", "/teaching/students/{OSKAR}/concerns"],
    "teacher": [
        "/teaching/concerns",
        "/teaching/concerns/new",
        "/teaching/concerns/new?student={OSKAR}",
        "/teaching/concerns/{CONCERN}",
    ],
}


def _concern_counts(app, login_as, ids) -> dict[str, int]:
    from tests.conftest import sign_in
    from tests.teaching.concern_helpers import TEACHERS

    with app.app_context():
        engine = db.engine
    counts = {}
    for role, pages in CONCERN_PAGES.items():
        if role == "teacher":
            client = app.test_client()
            assert sign_in(client, TEACHERS["teacher"][0]).status_code == 303
        else:
            client = login_as(role)
        for template in pages:
            path = template.format(**ids)
            with count_statements(engine) as statements:
                response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            counts[f"{role} {template}"] = len(statements)
    return counts


def _more_concerns(app) -> None:
    """7A, 8B and a new 7X grow by 20 students each; the teacher teaches all three groups
    in two subjects and raises a concern about every student of 7A (and three about Oskar),
    and closes none."""
    from app.teaching import concerns
    from app.teaching.models import TeachingAssignment
    from tests.talks.helpers import student
    from tests.teaching.concern_helpers import make_teacher

    _grow(app)
    with app.test_request_context():
        teacher = make_teacher("teacher")
        for group in db.session.scalars(select(MentorGroup).where(MentorGroup.name != "7A")):
            for subject in ("MA", "FY"):
                db.session.add(
                    TeachingAssignment(group_id=group.id, subject=subject, teacher_id=teacher.id)
                )
        db.session.commit()
        group = db.session.scalar(select(MentorGroup).where(MentorGroup.name == "7A"))
        for membership in list(group.memberships):
            concerns.raise_concern(teacher, membership.student, "worry", "FY", "Orolig")
        for _ in range(3):
            concerns.raise_concern(teacher, student("Oskar"), "grade_warning", "MA", "Risk")


def test_concern_pages_run_at_most_six_statements_whatever_the_data(app, login_as):
    from tests.talks.helpers import student
    from tests.teaching.concern_helpers import make_teacher, raise_one

    with app.test_request_context():
        oskar = student("Oskar")
        ids = {"OSKAR": oskar.id, "CONCERN": raise_one(make_teacher("teacher"), oskar).id}
    small = _concern_counts(app, login_as, ids)
    _more_concerns(app)
    large = _concern_counts(app, login_as, ids)
    for page, count in small.items():
        assert count <= 6, (page, small)
    assert large == small, (small, large)


# --- the survey after the talk (app/surveys): as many statements for 5 answers as for 28 ---

SURVEY_PAGES = {
    "student": ["/home/student", "/surveys/periods/{P9C}"],
    "guardian": ["/home/guardian", "/surveys/periods/{P9C}"],
    "mentor9c": ["/surveys/groups/{9C}"],
    "principal": ["/surveys/schools/{SCHOOL}"],
}


def _survey_answers(app, first: int, last: int) -> dict[str, int]:
    """9C's first period over, and students first..last-1 of 9C (and as many of its
    guardians) answered with a comment each."""
    from app.surveys import survey
    from tests.surveys.helpers import (
        end_period,
        first_period,
        group,
        guardian_user_ids,
        scores,
        student_user_ids,
    )

    with app.app_context():
        period = end_period(first_period("9C"))
        students, guardians = student_user_ids("9C"), guardian_user_ids("9C")
        # Not Elsa (the test's student) nor the demo guardian: their forms stay open.
        elsa = db.session.scalar(select(User.id).where(User.email == "student@example.org"))
        anna = db.session.scalar(select(User.id).where(User.email == "guardian@example.org"))
        students = [u for u in students if u != elsa]
        guardians = [u for u in guardians if u != anna]
        for k in range(first, last):
            survey.answer(students[k], period, "student", scores("student", 1 + k % 5), f"S{k}")
            survey.answer(guardians[k], period, "guardian", scores("guardian"), f"G{k}")
        return {
            "P9C": period.id,
            "9C": group("9C").id,
            "SCHOOL": db.session.scalar(select(SchoolYear.school_id)),
        }


def _survey_counts(app, login_as, ids) -> dict[str, int]:
    from tests.conftest import sign_in

    with app.app_context():
        engine = db.engine
    counts = {}
    for role, pages in SURVEY_PAGES.items():
        if role == "mentor9c":
            client = app.test_client()
            sign_in(client, "mentor9c@example.org")
        else:
            client = login_as(role)
        client.get("/")  # the guardian's once-a-session contact check is not counted here
        for template in pages:
            path = template.format(**ids)
            with count_statements(engine) as statements:
                assert client.get(path).status_code == 200, path
            counts[f"{role} {template}"] = len(statements)
    return counts


def test_survey_pages_run_at_most_six_statements_for_5_answers_or_27(app, login_as):
    small = _survey_counts(app, login_as, _survey_answers(app, 0, 5))
    large = _survey_counts(app, login_as, _survey_answers(app, 5, 27))
    assert max(large.values()) <= 6, large
    assert large == small, (small, large)


# --- teaching (issue 19): the teacher's home, input page, the mentor's views --------------


def _teaching_counts(app, login_as) -> dict[str, int]:
    from app.talks.models import TalkPeriod
    from tests.talks.helpers import student

    with app.app_context():
        group_id = db.session.scalar(select(MentorGroup.id).where(MentorGroup.name == "7A"))
        period = db.session.scalar(select(TalkPeriod.id).where(TalkPeriod.group_id == group_id))
        oskar = student("Oskar").id
        engine = db.engine
    pages = {
        "teacher": [
            "/home/teacher",
            f"/teaching/periods/{period}/input/MA",
            f"/teaching/periods/{period}/input/EN",
        ],
        "mentor": [
            f"/teaching/periods/{period}",
            f"/teaching/periods/{period}/students/{oskar}",
            f"/teaching/periods/{period}/remind",
        ],
        "admin": [f"/admin/groups/{group_id}"],
    }
    counts = {}
    for role, paths in pages.items():
        client = login_as(role)
        for path in paths:
            with count_statements(engine) as statements:
                assert client.get(path).status_code == 200, path
            counts[path] = len(statements)
    return counts


def _more_teaching(app, n: int = 40) -> None:
    """40 more students in 7A with every subject's input, four more teachers with two
    subjects each in 7A and two more groups taught by Maja with their own periods."""
    from app.people.models import Staff
    from app.school.models import Term
    from app.talks.models import TalkPeriod
    from app.teaching.models import TeacherInput, TeachingAssignment
    from app.teaching.subjects import SUBJECTS

    with app.app_context():
        groups = {g.name: g for g in db.session.scalars(select(MentorGroup))}
        year = db.session.scalar(select(SchoolYear))
        period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group_id == groups["7A"].id))
        maja = db.session.scalar(select(User).where(User.email == "teacher@example.org"))
        subjects = list(SUBJECTS)[6:14]
        for k in range(4):
            teacher = User(email=f"larare{k}@example.org", name=f"Lärare {k}")
            db.session.add_all(
                [teacher, Staff(user=teacher, school_id=year.school_id, role="teacher")]
            )
            for subject in subjects[2 * k : 2 * k + 2]:
                db.session.add(
                    TeachingAssignment(group=groups["7A"], subject=subject, teacher=teacher)
                )
        term = db.session.scalar(select(Term).order_by(Term.id))
        for name in ("7Q", "7R"):
            extra = MentorGroup(school_year=year, name=name)
            db.session.add_all(
                [
                    extra,
                    TeachingAssignment(group=extra, subject="MA", teacher=maja),
                    TalkPeriod(
                        group=extra,
                        term=term,
                        title=name,
                        booking_opens_at=period.booking_opens_at,
                        booking_closes_at=period.booking_closes_at,
                    ),
                ]
            )
        for i in range(n):
            student = Student(school_id=year.school_id, first_name=f"T{i}", last_name="7A")
            db.session.add(GroupMembership(group=groups["7A"], student=student))
            for subject in ("MA", "EN", "SV", *subjects):
                db.session.add(
                    TeacherInput(
                        student=student,
                        period=period,
                        subject=subject,
                        status="needs_support",
                        comment="Behöver stöd",
                        teacher=maja,
                    )
                )
        db.session.commit()


def test_teaching_pages_run_at_most_six_statements_whatever_the_data(app, login_as):
    small = _teaching_counts(app, login_as)
    _more_teaching(app)
    large = _teaching_counts(app, login_as)
    teaching = {k: v for k, v in large.items() if "/admin/" not in k}
    assert max(teaching.values()) <= 6, large
    assert large == small
