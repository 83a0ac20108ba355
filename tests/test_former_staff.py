"""Staff relations hold for active staff only, and the contact log follows the student."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app import access
from app.admin.people import deactivate
from app.contacts.models import ContactNote
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.people.models import Guardianship, Staff, Student, User
from app.people.passwords import hash_password
from app.school.models import GroupMembership, GroupMentor, MentorGroup, School, SchoolYear, Term
from app.talks.models import TalkPeriod
from tests.conftest import ACCOUNTS, sign_in

FORMER = "former@example.org"
OLD_NOTE = "Samtal med pappa om förra årets frånvaro"


@pytest.fixture
def last_year(app):
    """Last school year's 6A, mentored by a teacher who is also a guardian (of an 8B
    student); Oskar (7A now) was in 6A, and the teacher wrote a note about him then."""
    with app.app_context():
        school = db.session.scalar(select(School))
        year = SchoolYear(
            school=school, name="2025/26", start_date=date(2025, 8, 18), end_date=date(2026, 6, 12)
        )
        term = Term(kind="HT", start_date=date(2025, 8, 18), end_date=date(2025, 12, 19))
        year.terms = [term]
        group = MentorGroup(school_year=year, name="6A")
        db.session.add(year)
        teacher = User(email=FORMER, name="Före Detta", password_hash=hash_password(DEMO_PASSWORD))
        group.mentors.append(GroupMentor(user=teacher, is_co_mentor=False))
        oskar = db.session.scalar(select(Student).where(Student.first_name == "Oskar"))
        child = db.session.scalar(
            select(Student)
            .join(GroupMembership)
            .join(MentorGroup)
            .where(MentorGroup.name == "8B")
            .limit(1)
        )
        db.session.add_all(
            [
                Staff(user=teacher, school=school, role="teacher"),
                Guardianship(guardian=teacher, student=child),
                GroupMembership(group=group, student=oskar),
                ContactNote(
                    student=oskar,
                    author=teacher,
                    occurred_on=date(2026, 3, 2),
                    channel="phone",
                    with_whom="Pappa",
                    summary=OLD_NOTE,
                ),
            ]
        )
        db.session.flush()
        period = TalkPeriod(
            group_id=group.id,
            term=term,
            title="Utvecklingssamtal HT 2025",
            booking_opens_at=datetime(2025, 9, 1, tzinfo=UTC),
            booking_closes_at=datetime(2025, 10, 1, tzinfo=UTC),
        )
        db.session.add(period)
        db.session.commit()
        return {"group": group.id, "oskar": oskar.id, "period": period.id, "teacher": teacher.id}


def _pages(ids):
    return [
        f"/groups/{ids['group']}",
        f"/groups/{ids['group']}/contacts",
        f"/groups/{ids['group']}/contacts.csv",
        f"/groups/{ids['group']}/contact-log",
        f"/students/{ids['oskar']}/goals",
        f"/talks/periods/{ids['period']}",
    ]


def _deactivate(app, user_id):
    with app.app_context():
        school = db.session.scalar(select(School))
        admin = db.session.scalar(select(User).where(User.email == ACCOUNTS["admin"]))
        closed = deactivate(school, db.session.get(User, user_id), actor=admin)
        db.session.commit()
        assert not closed  # still a guardian: the account stays


def test_deactivated_mentor_who_is_a_guardian_loses_earlier_groups(app, last_year):
    client = app.test_client()
    assert sign_in(client, FORMER).status_code == 303
    assert [client.get(page).status_code for page in _pages(last_year)] == [200] * 6

    _deactivate(app, last_year["teacher"])
    client = app.test_client()
    assert sign_in(client, FORMER).status_code == 303
    assert [client.get(page).status_code for page in _pages(last_year)] == [404] * 6
    with app.app_context():
        user = db.session.get(User, last_year["teacher"])
        assert access.roles_of(user) == ["guardian"]
        assert not access.is_group_mentor(user, last_year["group"])
        assert db.session.scalars(access.mentored_group_ids(user)).all() == []


def test_contact_log_follows_the_student_to_the_new_mentor(app, last_year, login_as):
    oskar_log = f"/students/{last_year['oskar']}/contact-log"
    # The new mentor (7A) and the principal read the note from last year.
    for role in ("mentor", "comentor", "principal"):
        page = login_as(role).get(oskar_log)
        assert page.status_code == 200 and OLD_NOTE in page.get_data(as_text=True), role
    # Last year's mentor, still at the school, no longer mentors Oskar: no access.
    former = app.test_client()
    sign_in(former, FORMER)
    assert former.get(oskar_log).status_code == 404
    old_group_log = former.get(f"/groups/{last_year['group']}/contact-log")
    assert old_group_log.status_code == 200
    assert OLD_NOTE not in old_group_log.get_data(as_text=True)
    # Nor do other staff, guardians or admins.
    for role in ("other_mentor", "guardian", "admin"):
        assert login_as(role).get(oskar_log).status_code == 404, role


def test_new_mentors_group_log_shows_notes_from_earlier_years(app, last_year, login_as):
    with app.app_context():
        group_7a = db.session.scalar(select(MentorGroup.id).where(MentorGroup.name == "7A"))
    page = login_as("mentor").get(f"/groups/{group_7a}/contact-log")
    assert page.status_code == 200 and OLD_NOTE in page.get_data(as_text=True)


def test_a_former_mentor_no_longer_decides_leave_of_earlier_groups(app, last_year):
    from app.leave.models import LeaveRequest

    with app.app_context():
        year_id = db.session.get(MentorGroup, last_year["group"]).school_year_id
        request = LeaveRequest(
            student_id=last_year["oskar"],
            school_year_id=year_id,
            batch="former-staff",
            start_date=date(2026, 3, 2),
            end_date=date(2026, 3, 2),
            reason="other",
            school_days=1,
        )
        db.session.add(request)
        db.session.commit()
        teacher = db.session.get(User, last_year["teacher"])
        assert access.may_decide_leave(teacher, request)
    _deactivate(app, last_year["teacher"])
    with app.app_context():
        request = db.session.scalar(
            select(LeaveRequest).where(LeaveRequest.batch == "former-staff")
        )
        assert not access.may_decide_leave(db.session.get(User, last_year["teacher"]), request)
