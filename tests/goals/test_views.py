"""Mentor time and goals over HTTP."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import db
from app.goals.models import Goal, GoalUpdate
from app.mentortime.models import MentorTime, MentorTimeOccurrence
from app.mentortime.schedule import occurrences
from app.school.models import MentorGroup, School
from app.talks.models import TalkPeriod, TalkRecord
from tests.conftest import post_form
from tests.talks.helpers import student


def _ids(app):
    with app.app_context():
        return {
            "7A": db.session.scalar(select(MentorGroup.id).where(MentorGroup.name == "7A")),
            "oskar": student("Oskar").id,
            "elsa": student("Elsa").id,
        }


def test_mentor_adds_a_weekly_time_and_an_agenda(app, login_as):
    ids = _ids(app)
    mentor = login_as("mentor")
    bad = post_form(
        mentor,
        f"/groups/{ids['7A']}/mentor-time",
        {"weekday": "3", "start": "", "minutes": "40", "room": "A1"},
    )
    assert bad.status_code == 422 and "Välj en starttid." in bad.get_data(as_text=True)
    ok = post_form(
        mentor,
        f"/groups/{ids['7A']}/mentor-time",
        {"weekday": "3", "start": "14:00", "minutes": "40", "room": "A1"},
    )
    assert ok.status_code == 303
    with app.app_context():
        mt = db.session.scalar(
            select(MentorTime).where(MentorTime.weekday == 3, MentorTime.group_id == ids["7A"])
        )
        day = occurrences(mt, date.today() + timedelta(days=1), date.today() + timedelta(days=30))[
            0
        ].regular_date
    path = f"/mentor-times/{mt.id}/{day.isoformat()}"
    post_form(
        mentor,
        path,
        {"agenda": "Klassråd\nFriluftsdag", "moved_room": "Aulan", "change_note": "Byggarbete"},
    )
    with app.app_context():
        occ = db.session.scalar(
            select(MentorTimeOccurrence).where(MentorTimeOccurrence.mentor_time_id == mt.id)
        )
        assert occ.agenda == "Klassråd\nFriluftsdag" and occ.moved_room == "Aulan"
    home = login_as("other_guardian").get("/home/guardian").get_data(as_text=True)
    assert "Mentorstid" in home  # Oskar's guardian sees 7A's coming mentor time


def test_student_and_guardian_see_the_agenda_and_changes(app, login_as):
    page = login_as("guardian").get("/home/guardian").get_data(as_text=True)
    assert "Mentorstid" in page and "Klassråd: förslag till skolrådet" in page
    student_page = login_as("student").get("/home/student").get_data(as_text=True)
    assert "Mentorstid" in student_page and "Klassrum 9C" in student_page


def test_passed_agenda_is_fixed(app, login_as):
    ids = _ids(app)
    with app.app_context():
        mt = db.session.scalar(select(MentorTime).where(MentorTime.group_id == ids["7A"]))
        past = occurrences(mt, date.today() - timedelta(days=30), date.today() - timedelta(days=1))[
            -1
        ].regular_date
    path = f"/mentor-times/{mt.id}/{past.isoformat()}"
    mentor = login_as("mentor")
    assert "dagordningen sparas som den var" in mentor.get(path).get_data(as_text=True)
    post_form(
        mentor, path, {"agenda": "Ändrad i efterhand", "decisions": "Vi valde klassrådsordförande"}
    )
    with app.app_context():
        occ = db.session.scalar(
            select(MentorTimeOccurrence).where(MentorTimeOccurrence.on_date == past)
        )
        assert occ.agenda == "" and occ.decisions == "Vi valde klassrådsordförande"


def test_mentor_writes_a_goal_and_follows_it_up(app, login_as):
    ids = _ids(app)
    mentor = login_as("mentor")
    bad = post_form(
        mentor,
        f"/students/{ids['oskar']}/goals",
        {"area": "knowledge", "text": "", "steps": "Läsa"},
    )
    assert bad.status_code == 422 and "Skriv målet med vanliga ord." in bad.get_data(as_text=True)
    post_form(
        mentor,
        f"/students/{ids['oskar']}/goals",
        {"area": "personal", "text": "Komma i tid", "steps": "Väckarklocka"},
    )
    with app.app_context():
        goal = db.session.scalar(select(Goal).where(Goal.text == "Komma i tid"))
    post_form(
        mentor,
        f"/goals/{goal.id}/follow-up",
        {"status": "under_way", "comment": "Mycket bättre"},
        page=f"/students/{ids['oskar']}/goals",
    )
    with app.app_context():
        latest = db.session.get(Goal, goal.id).latest
        assert latest.status == "under_way" and latest.mentor_comment == "Mycket bättre"
    guardian = login_as("guardian").get(f"/students/{ids['oskar']}/goals").get_data(as_text=True)
    assert (
        "Komma i tid" in guardian
        and "Mycket bättre" in guardian
        and "Spara uppföljningen" not in guardian
    )


def test_student_follows_up_and_writes_goals_only_if_allowed(app, login_as):
    ids = _ids(app)
    elsa = login_as("student")
    with app.app_context():
        goal_id = db.session.scalar(select(Goal.id).where(Goal.student_id == ids["elsa"]))
    post_form(
        elsa,
        f"/goals/{goal_id}/follow-up",
        {"status": "under_way", "comment": "Jag har börjat"},
        page=f"/students/{ids['elsa']}/goals",
    )
    with app.app_context():
        assert db.session.get(Goal, goal_id).latest.student_comment == "Jag har börjat"
    assert (
        post_form(
            elsa, f"/students/{ids['elsa']}/goals", {"area": "social", "text": "Eget mål"}
        ).status_code
        == 404
    )
    with app.app_context():
        db.session.scalar(select(School)).students_write_goals = True
        db.session.commit()
    assert (
        post_form(
            elsa, f"/students/{ids['elsa']}/goals", {"area": "social", "text": "Eget mål"}
        ).status_code
        == 303
    )


def test_goals_are_private(app, login_as):
    ids = _ids(app)
    for role in ("principal", "admin", "other_mentor", "student"):
        assert login_as(role).get(f"/students/{ids['oskar']}/goals").status_code == 404, role
    # Johan is Oskar's guardian, not Elsa's.
    assert login_as("other_guardian").get(f"/students/{ids['elsa']}/goals").status_code == 404


def test_agreed_actions_become_a_goal(app, login_as):
    ids = _ids(app)
    with app.app_context():
        period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group_id == ids["7A"]))
        db.session.add(
            TalkRecord(
                period_id=period.id, student_id=ids["oskar"], actions="Läsa 20 minuter varje dag"
            )
        )
        db.session.commit()
        period_id = period.id
    mentor = login_as("mentor")
    assert "Gör de överenskomna åtgärderna till ett mål" in mentor.get(
        f"/talks/periods/{period_id}/students/{ids['oskar']}/record"
    ).get_data(as_text=True)
    response = post_form(
        mentor,
        f"/talks/periods/{period_id}/students/{ids['oskar']}/actions-to-goal",
        {},
        page="/account",
    )
    assert response.status_code == 303
    with app.app_context():
        goal = db.session.scalar(select(Goal).where(Goal.text == "Läsa 20 minuter varje dag"))
        assert (
            goal
            and db.session.scalar(select(GoalUpdate.status).where(GoalUpdate.goal_id == goal.id))
            == "not_started"
        )
