"""The demo school: deterministic, fictional, and shaped like a real one.

Three mentor groups of 28 students; most students have two guardians, some one,
some have guardians in separate households; one student has protected identity;
one guardian has children in two groups; 7A has a co-mentor; 9C's students have
logins. The README lists the accounts with the password `mentorskap`.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.db_types import utcnow
from app.extensions import db
from app.people.models import Guardianship, Staff, Student, User
from app.people.passwords import hash_password
from app.school.models import (
    DayOff,
    GroupMembership,
    GroupMentor,
    MentorGroup,
    School,
    SchoolYear,
    Term,
)

DEMO_PASSWORD = "mentorskap"  # noqa: S105 - documented demo accounts only
DEMO_UNIT_CODE = "99990001"
GROUP_SIZE = 28

# fmt: off
FIRST_NAMES = [
    "Alice", "Alva", "Astrid", "Ebba", "Ella", "Elin", "Freja", "Hanna", "Ida", "Ines",
    "Julia", "Klara", "Leah", "Lilly", "Maja", "Meja", "Moa", "Nora", "Olivia", "Saga",
    "Selma", "Stella", "Tyra", "Vera", "Wilma", "Amina", "Noor", "Sara", "Yasmin", "Zeynep",
    "Leila", "Mariam", "Aya", "Sofia", "Emilia", "Liv", "Agnes", "Signe", "Juni", "Mira",
    "Adam", "Albin", "Alfred", "Axel", "Charlie", "Elias", "Elton", "Emil", "Filip", "Frans",
    "Hugo", "Isak", "Leo", "Liam", "Loke", "Lucas", "Melvin", "Nils", "Noah", "Oliver", "Olle",
    "Otto", "Sam", "Theo", "Viggo", "Vincent", "William", "Ali", "Omar", "Yusuf", "Mohammed",
    "Ibrahim", "Arvid", "Ludvig", "Malte", "Sixten", "Tage", "Jonatan", "Milo", "Anton",
]
LAST_NAMES = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
    "Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Olofsson", "Lindström",
    "Lindqvist", "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren",
    "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Ali", "Mohammed",
    "Hassan", "Ahmed", "Yilmaz", "Nguyen", "Kowalski", "Virtanen", "Haddad", "Öberg", "Åberg",
    "Ekström", "Holm", "Sjöberg", "Wallin", "Engström", "Danielsson", "Håkansson",
]
ADULT_FIRST_NAMES = [
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Emma", "Malin", "Sofia", "Jenny",
    "Linda", "Hanna", "Fatima", "Leyla", "Camilla", "Therese", "Elin", "Johanna", "Petra",
    "Ulrika", "Erik", "Lars", "Anders", "Johan", "Per", "Mikael", "Peter", "Fredrik", "Daniel",
    "Andreas", "Mattias", "Jonas", "Ahmad", "Mehmet", "Tomas", "Magnus", "Henrik", "Stefan",
    "Martin", "Kristoffer",
]
# fmt: on


def demo_exists() -> bool:
    return (
        db.session.scalar(select(School.id).where(School.unit_code == DEMO_UNIT_CODE)) is not None
    )


def _year(school: School) -> SchoolYear:
    year = SchoolYear(
        school=school, name="2026/27", start_date=date(2026, 8, 17), end_date=date(2027, 6, 11)
    )
    year.terms = [
        Term(kind="HT", start_date=date(2026, 8, 17), end_date=date(2026, 12, 22)),
        Term(kind="VT", start_date=date(2027, 1, 11), end_date=date(2027, 6, 11)),
    ]
    year.days_off = [
        DayOff(
            name="Studiedag",
            kind="study_day",
            start_date=date(2026, 10, 16),
            end_date=date(2026, 10, 16),
        ),
        DayOff(
            name="Höstlov", kind="break", start_date=date(2026, 11, 2), end_date=date(2026, 11, 6)
        ),
        DayOff(
            name="Jullov", kind="break", start_date=date(2026, 12, 23), end_date=date(2027, 1, 8)
        ),
        DayOff(
            name="Studiedag",
            kind="study_day",
            start_date=date(2027, 1, 11),
            end_date=date(2027, 1, 11),
        ),
        DayOff(
            name="Sportlov", kind="break", start_date=date(2027, 2, 22), end_date=date(2027, 2, 26)
        ),
        DayOff(
            name="Påsklov", kind="break", start_date=date(2027, 3, 29), end_date=date(2027, 4, 2)
        ),
        DayOff(name="Lovdag", kind="break", start_date=date(2027, 5, 7), end_date=date(2027, 5, 7)),
    ]
    return year


def _clear() -> None:
    """Remove every row (the demo owns the whole database it is built into)."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.flush()


def build_demo(reset: bool = False) -> None:
    if reset:
        _clear()
    rng = random.Random(2026)
    password_hash = hash_password(DEMO_PASSWORD)
    used_emails: set[str] = set()

    def user(email: str, name: str, with_password: bool = True) -> User:
        used_emails.add(email)
        account = User(
            email=email, name=name, password_hash=password_hash if with_password else None
        )
        db.session.add(account)
        return account

    def unique_email(first: str, last: str, domain: str) -> str:
        base = f"{first}.{last}".lower()
        for a, b in (("å", "a"), ("ä", "a"), ("ö", "o"), (" ", "")):
            base = base.replace(a, b)
        email, n = f"{base}@{domain}", 2
        while email in used_emails:
            email, n = f"{base}{n}@{domain}", n + 1
        used_emails.add(email)
        return email

    school = School(name="Lindbackaskolan", unit_code=DEMO_UNIT_CODE, mentor_max_days=3)
    db.session.add(school)
    year = _year(school)
    db.session.add(year)

    mentor = user("mentor@example.org", "Karin Lund")
    comentor = user("comentor@example.org", "Jonas Ekström")
    mentor_8b = user("mentor8b@example.org", "Sara Nilsson")
    mentor_9c = user("mentor9c@example.org", "Ahmed Hassan")
    principal = user("principal@example.org", "Eva Bergström")
    admin = user("admin@example.org", "Lars Holm")
    # The municipality's administrator, who creates schools.
    user("kommun@example.org", "Maria Öberg").is_site_admin = True
    for teacher in (mentor, comentor, mentor_8b, mentor_9c):
        db.session.add(Staff(user=teacher, school=school, role="teacher"))
    db.session.add(Staff(user=principal, school=school, role="principal"))
    db.session.add(Staff(user=admin, school=school, role="admin"))

    groups = {}
    for name, lead, co in (
        ("7A", mentor, comentor),
        ("8B", mentor_8b, None),
        ("9C", mentor_9c, None),
    ):
        group = MentorGroup(school_year=year, name=name)
        db.session.add(group)
        group.mentors.append(GroupMentor(user=lead, is_co_mentor=False))
        if co:
            group.mentors.append(GroupMentor(user=co, is_co_mentor=True))
        groups[name] = group
    db.session.flush()

    # The named family: Anna has Elsa (9C, with a login) and Oskar (7A).
    anna = user("guardian@example.org", "Anna Karlsson")
    peter = user("peter.karlsson@example.net", "Peter Karlsson", with_password=False)
    johan = user("guardian2@example.org", "Johan Lindqvist")
    elsa_login = user("student@example.org", "Elsa Karlsson")
    elsa = Student(school=school, first_name="Elsa", last_name="Karlsson", user=elsa_login)
    oskar = Student(school=school, first_name="Oskar", last_name="Lindqvist")
    db.session.add_all([elsa, oskar])
    db.session.add_all(
        [
            Guardianship(guardian=anna, student=elsa, shares_household=True),
            Guardianship(guardian=peter, student=elsa, shares_household=True),
            # Oskar's guardians live apart: neither sees the other's address or phone.
            Guardianship(guardian=anna, student=oskar, shares_household=False),
            Guardianship(guardian=johan, student=oskar, shares_household=False),
        ]
    )
    named = {"9C": [elsa], "7A": [oskar]}

    for group_name, group in groups.items():
        members = list(named.get(group_name, []))
        while len(members) < GROUP_SIZE:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            student = Student(school=school, first_name=first, last_name=last)
            if group_name == "9C":
                student.user = user(
                    unique_email(first, last, "elev.example.org"), f"{first} {last}", False
                )
            shape = rng.random()
            count = 1 if shape < 0.15 else 2
            apart = count == 2 and shape > 0.78
            for i in range(count):
                adult_last = last if i == 0 or rng.random() < 0.7 else rng.choice(LAST_NAMES)
                adult_first = rng.choice(ADULT_FIRST_NAMES)
                guardian = user(
                    unique_email(adult_first, adult_last, "example.net"),
                    f"{adult_first} {adult_last}",
                    with_password=False,
                )
                db.session.add(
                    Guardianship(guardian=guardian, student=student, shares_household=not apart)
                )
            members.append(student)
        if group_name == "7A":
            members[5].protected_identity = True
        for student in members:
            db.session.add(GroupMembership(group=group, student=student))
    db.session.flush()
    _talks(rng, year, groups, skip={oskar.id, elsa.id})
    _leave(groups, skip={oskar.id, elsa.id})
    _contacts(rng, named=[anna, johan, peter])
    _mentor_time_and_goals(groups, oskar, elsa, mentor, mentor_9c)
    _absence(rng, year, groups, elsa, mentor, skip={oskar.id, elsa.id})
    _talk_preparation(groups["9C"], skip={elsa.id})  # issue 19
    # teaching (issue 19): subject teachers of 7A and their input before its talks.
    _teaching(
        school,
        groups,
        [user("teacher@example.org", "Maja Berg"), user("teacher2@example.org", "Erik Sjöberg")],
        mentor_8b,
    )
    db.session.commit()


def _school_days_from(start: date, count: int, year: SchoolYear) -> list[date]:
    off = {
        d.start_date + timedelta(days=i)
        for d in year.days_off
        for i in range((d.end_date - d.start_date).days + 1)
    }
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5 and day not in off:
            days.append(day)
        day += timedelta(days=1)
    return days


# Number ranges the Swedish regulator PTS reserves for fiction: no real person has them.
FICTIONAL_NUMBERS = (
    [f"+46701740{n:03d}" for n in range(605, 700)]
    + [f"+4631390{n:04d}" for n in range(600, 700)]
    + [f"+4640628{n:04d}" for n in range(400, 500)]
)
STREETS = ("Lindbackavägen", "Björkgatan", "Skolvägen", "Ängsvägen", "Kvarngatan", "Storgatan")


def _contacts(rng: random.Random, named: list[User]) -> None:
    """Contact details for most guardians, fictional numbers only. A few are missing or
    were last confirmed last school year, so the mentor's filters have something to show."""
    from app.contacts.models import ContactDetails

    now = utcnow()
    numbers = iter(FICTIONAL_NUMBERS)
    guardians = db.session.scalars(
        select(User)
        .join(Guardianship, Guardianship.guardian_id == User.id)
        .distinct()
        .order_by(User.id)
    ).all()
    for guardian in guardians:
        roll = rng.random()
        if guardian not in named and roll < 0.08:
            continue  # no details at all
        confirmed = now - timedelta(days=rng.randint(1, 60))
        if guardian not in named and roll > 0.85:
            confirmed = now - timedelta(days=rng.randint(200, 400))
        db.session.add(
            ContactDetails(
                user_id=guardian.id,
                mobile=next(numbers, None),
                street=f"{rng.choice(STREETS)} {rng.randint(1, 60)}",
                postal_code=f"{rng.randint(100, 999)} {rng.randint(10, 99)}",
                town="Lindbacka",
                language=rng.choice(("sv",) * 6 + ("ar", "so", "fa", "ti")),
                needs_interpreter=rng.random() < 0.08,
                updated_at=confirmed,
                confirmed_at=confirmed,
            )
        )


def _mentor_time_and_goals(groups: dict, oskar: Student, elsa: Student, mentor, mentor_9c) -> None:
    """Weekly mentor time for 7A and 9C, an agenda for 7A's next one, and goals for the
    named children, one followed up."""
    from app.goals.models import Goal, GoalUpdate
    from app.mentortime import schedule
    from app.mentortime.models import MentorTime

    seven_a = MentorTime(
        group=groups["7A"], weekday=1, start=time(8, 20), minutes=40, room="Klassrum 7A"
    )
    nine_c = MentorTime(
        group=groups["9C"], weekday=3, start=time(13, 0), minutes=30, room="Klassrum 9C"
    )
    db.session.add_all([seven_a, nine_c])
    db.session.flush()
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    # The next one that has not started yet: today's, once begun, ends within the hour and
    # would take the agenda with it.
    coming = [
        o
        for o in schedule.occurrences(seven_a, today, today + timedelta(days=21))
        if o.starts_at > utcnow()
    ]
    if coming:
        schedule.save_occurrence(
            seven_a,
            coming[0].regular_date,
            {
                "agenda": "Klassråd: förslag till skolrådet\n"
                "Planering inför utvecklingssamtalen\nInfo om friluftsdagen"
            },
            mentor,
        )
    year_7a, year_9c = groups["7A"].school_year_id, groups["9C"].school_year_id
    goals = [
        Goal(
            student=oskar,
            school_year_id=year_7a,
            area="knowledge",
            subject="Matematik",
            text="Bli säkrare på bråkräkning",
            steps="Räkna 15 minuter tre gånger i veckan\nFråga i läxhjälpen på tisdagar",
            created_by_id=mentor.id,
        ),
        Goal(
            student=oskar,
            school_year_id=year_7a,
            area="social",
            text="Våga säga min åsikt i klassrådet",
            created_by_id=mentor.id,
        ),
        Goal(
            student=elsa,
            school_year_id=year_9c,
            area="personal",
            text="Planera mina läxor i kalendern varje söndag",
            created_by_id=mentor_9c.id,
        ),
    ]
    db.session.add_all(goals)
    db.session.flush()
    for goal in goals:
        db.session.add(
            GoalUpdate(goal=goal, status="not_started", created_by_id=goal.created_by_id)
        )
    db.session.add(
        GoalUpdate(
            goal=goals[0],
            status="under_way",
            mentor_comment="Bra start, fortsätt så!",
            created_by_id=mentor.id,
        )
    )


def _leave(groups: dict, skip: set[int]) -> None:
    """Leave requests in 7A: one the mentor decides, one beyond the mentor's limit waiting
    for the principal, and one already approved. Dates follow the day the demo is built."""
    from app.leave import requests as leave_requests

    year = groups["7A"].school_year
    members = [m.student for m in groups["7A"].memberships if m.student_id not in skip]
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    days = _school_days_from(today + timedelta(days=14), 10, year)
    for student, (start, end), reason in (
        (members[2], (days[0], days[1]), "travel"),
        (members[8], (days[3], days[7]), "family"),
    ):
        guardian = student.guardianships[0].guardian
        leave_requests.apply(
            guardian, [(student, year)], start, end, reason, "", today, notify=False
        )
    earlier = members[14]
    [approved] = leave_requests.apply(
        earlier.guardianships[0].guardian,
        [(earlier, year)],
        days[9],
        days[9],
        "religious",
        "",
        today,
        notify=False,
    ).requests
    approved.status, approved.decided_by_id = "approved", groups["7A"].mentors[0].user_id
    approved.decided_at = utcnow()


def _talks(rng: random.Random, year: SchoolYear, groups: dict, skip: set[int]) -> None:
    """Open talk periods for 7A and 9C with times a week from the day the demo is built,
    and some of 7A already booked, so the overview has something to show.
    Oskar and Elsa are left unbooked for the demo guardian to try."""
    from app.talks import booking as talk_booking
    from app.talks import slots as slot_logic
    from app.talks.models import TalkPeriod

    now = utcnow()
    first_day = datetime.now(ZoneInfo("Europe/Stockholm")).date() + timedelta(days=7)
    days = _school_days_from(first_day, 3, year)
    term = next((t for t in year.terms if t.start_date <= days[0] <= t.end_date), year.terms[-1])
    for name in ("7A", "9C"):
        group = groups[name]
        period = TalkPeriod(
            group=group,
            term=term,
            title=f"Utvecklingssamtal {term.kind} {term.start_date.year}",
            booking_opens_at=now - timedelta(days=1),
            booking_closes_at=now + timedelta(days=21),
        )
        db.session.add(period)
        db.session.flush()
        lead = next(m.user for m in group.mentors if not m.is_co_mentor)
        times = slot_logic.generate(
            days, time(14, 0), time(18, 0), 20, 5, [(time(16, 0), time(16, 15))]
        )
        slot_logic.publish(period, lead, times, "site", f"Klassrum {name}")
        co = [m.user for m in group.mentors if m.is_co_mentor]
        if co:
            extra = slot_logic.generate(days[:1], time(15, 0), time(17, 0), 20, 5)
            slot_logic.publish(
                period, co[0], extra, "video", "https://video.example.org/lindbacka-7a"
            )
        if name != "7A":
            continue
        members = [m.student for m in group.memberships if m.student_id not in skip]
        free = sorted(period.slots, key=lambda s: s.starts_at)
        for student, slot in zip(
            rng.sample(members, 12), rng.sample(free[: len(free) // 2 * 2], 12), strict=True
        ):
            guardian = student.guardianships[0].guardian
            talk_booking.book(
                guardian,
                student,
                period,
                slot.id,
                attendees=f"{student.first_name} och {guardian.first_name}",
                interpreter_language="ar" if rng.random() < 0.1 else None,
                now=now,
            )
    _next_term_talks(year, groups["9C"], term, now)


def _next_term_talks(year: SchoolYear, group, term, now) -> None:
    """9C's mentor has opened the next term's booking early too, so the demo guardian sees
    two periods open at once on Elsa's card: each named, the one closing first due now."""
    from app.talks import slots as slot_logic
    from app.talks.models import TalkPeriod

    later = next((t for t in year.terms if t.start_date > term.end_date), None)
    if later is None:
        return
    period = TalkPeriod(
        group=group,
        term=later,
        title=f"Utvecklingssamtal {later.kind} {later.start_date.year}",
        booking_opens_at=now - timedelta(days=1),
        booking_closes_at=now + timedelta(days=42),
    )
    db.session.add(period)
    db.session.flush()
    lead = next(m.user for m in group.mentors if not m.is_co_mentor)
    days = _school_days_from(later.start_date + timedelta(days=14), 2, year)
    times = slot_logic.generate(days, time(14, 0), time(17, 0), 20, 5)
    slot_logic.publish(period, lead, times, "site", f"Klassrum {group.name}")


def _absence(rng, year, groups, elsa, mentor, skip: set[int]) -> None:
    """This term's absence in 7A so the mentor's watch list and today list have something
    to show: register rows (mostly valid, a few invalid), sickness reports (two today, one
    late), a guardian's answer waiting, a contact with home and an open referral;
    and one past sickness report of Elsa's for the demo guardian's chart."""
    from app.absence.models import Referral, RegisterAbsence, SicknessReport
    from app.contacts.models import ContactNote
    from app.school.calendar import school_days

    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    term = next((t for t in year.terms if t.start_date <= today <= t.end_date), None)
    if term is None:
        return
    days = school_days(term.start_date, today - timedelta(days=1), year)
    if len(days) < 10:
        return
    members = [m.student for m in groups["7A"].memberships if m.student_id not in skip]
    school_id = members[0].school_id

    def report(student, start, end, **values):
        db.session.add(
            SicknessReport(
                student=student,
                batch=f"demo{student.id}{start}",
                start_date=start,
                end_date=end,
                created_by_id=student.guardianships[0].guardian_id,
                **values,
            )
        )

    for index, student in enumerate(members):
        heavy = index in (3, 7, 11)
        for day in days:
            roll = rng.random()
            if roll < (0.06 if heavy else 0.012):
                report(student, day, day, note="Förkyld" if heavy else "")
            elif roll < (0.1 if heavy else 0.03):
                db.session.add(
                    RegisterAbsence(
                        school_id=school_id,
                        student=student,
                        day=day,
                        minutes=rng.choice((40, 60, 120)),
                        valid=True,
                        reason_code="AN",
                    )
                )
        if index in (4, 9):  # skipped lessons nobody explained
            for day in rng.sample(days[-15:], 2):
                db.session.add(
                    RegisterAbsence(
                        school_id=school_id,
                        student=student,
                        day=day,
                        minutes=60,
                        valid=False,
                        reason_code="OG",
                        notified_at=utcnow(),
                    )
                )
    report(members[1], today, today, note="Magsjuka, hemma i dag och kanske i morgon")
    report(members[6], today, today, late=True)
    report(members[9], days[-2], days[-2], source="answer", note="Hade feber")
    report(elsa, days[-8], days[-7], note="Förkyld")
    db.session.add(
        ContactNote(
            student=members[3],
            author_id=mentor.id,
            occurred_on=days[-3],
            channel="phone",
            with_whom=members[3].guardianships[0].guardian.name,
            # No agreed follow-up: the contact log's own e2e test counts the follow-ups.
            summary="Pratade om frånvaron och hur det går hemma.",
        )
    )
    db.session.add(
        Referral(
            student=members[4],
            school_id=school_id,
            open_student_id=members[4].id,
            reason="Upprepad ogiltig frånvaro trots kontakt med hemmet.",
            created_by_id=mentor.id,
        )
    )


def _talk_preparation(group, skip: set[int]) -> None:
    """Issue 19: two more 9C students have booked talks; one has prepared hers and a
    guardian added a question, so 9C's mentor sees a preparation on the notes page and
    "Prepared" in the period's overview. Elsa is left for the demo student to prepare."""
    from app.talks import booking as talk_booking
    from app.talks.models import TalkPeriod
    from app.talks.models_prep import TalkGuardianQuestions, TalkPreparation

    period = min(
        db.session.scalars(select(TalkPeriod).where(TalkPeriod.group_id == group.id)),
        key=lambda p: (p.term.start_date, p.id),
    )
    members = sorted(
        (m.student for m in group.memberships if m.student_id not in skip), key=lambda s: s.id
    )
    free = sorted(period.slots, key=lambda s: s.starts_at)
    for student, slot in zip(members[:2], free[5:7], strict=True):
        guardian = student.guardianships[0].guardian
        talk_booking.book(guardian, student, period, slot.id, attendees=student.first_name)
    prepared, guardian = members[0], members[0].guardianships[0].guardian
    db.session.add_all(
        [
            TalkPreparation(
                period_id=period.id,
                student_id=prepared.id,
                general="partly",
                topics="Jag vill prata om hur jag kan komma i tid på morgonen.",
            ),
            TalkGuardianQuestions(
                period_id=period.id,
                student_id=prepared.id,
                guardian_id=guardian.id,
                text="Hur fungerar grupparbetena i klassen?",
            ),
        ]
    )


# --- teaching (issue 19) -----------------------------------------------------------------

TEACHING_COMMENTS = {
    "on_track": ["", "", "Arbetar bra på lektionerna.", "Stabil, gör sina läxor."],
    "needs_support": ["Behöver stöd med bråk och procent.", "Lämnar ofta in sent."],
    "at_risk": ["Har missat två prov; riskerar att inte nå målen."],
}


def _teaching(school: School, groups: dict, teachers: list[User], mentor_8b: User) -> None:
    """Maja Berg teaches 7A mathematics and English (and 8B mathematics), Erik Sjöberg 7A
    Swedish and civics, and 8B's mentor Sara Nilsson 7A biology (a mentor who also
    teaches). Before 7A's talks Maja has given every student's status in mathematics and
    some in English; Erik and Sara have not started, so the mentor sees who is late."""
    from app.talks.models import TalkPeriod
    from app.teaching.models import TeacherInput, TeachingAssignment

    maja, erik = teachers
    for teacher in teachers:
        db.session.add(Staff(user=teacher, school=school, role="teacher"))
    for group, subject, teacher in (
        ("7A", "MA", maja),
        ("7A", "EN", maja),
        ("8B", "MA", maja),
        ("7A", "SV", erik),
        ("7A", "SH", erik),
        ("7A", "BI", mentor_8b),
    ):
        db.session.add(TeachingAssignment(group=groups[group], subject=subject, teacher=teacher))
    db.session.flush()
    period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group_id == groups["7A"].id))
    if period is None:
        return
    rng = random.Random(19)
    students = sorted(
        (m.student for m in groups["7A"].memberships), key=lambda s: (s.last_name, s.id)
    )
    for n, student in enumerate(students):
        for subject, given in (("MA", True), ("EN", n % 3 == 0)):
            if not given:
                continue
            roll = rng.random()
            status = "at_risk" if roll < 0.08 else "needs_support" if roll < 0.25 else "on_track"
            db.session.add(
                TeacherInput(
                    student=student,
                    period=period,
                    subject=subject,
                    status=status,
                    comment=rng.choice(TEACHING_COMMENTS[status]),
                    teacher=maja,
                )
            )
