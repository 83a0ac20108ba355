"""Talk preparation (issue 19): the student's self-assessment before a booked talk, the
guardians' questions, what the mentor and the guardians see, and the goals agreed at the
last talk shown again."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import access
from app.db_types import utcnow
from app.extensions import db
from app.goals import plans
from app.goals.models import Goal, GoalUpdate
from app.people.models import Guardianship, Student
from app.school.models import GroupMembership, MentorGroup
from app.talks import booking as talk_logic
from app.talks import preparation
from app.talks.models import TalkPeriod, TalkRecord
from app.talks.models_prep import TalkGuardianQuestions, TalkPreparation, TalkPreparationGoal
from app.talks.slots import future_open_slots
from tests.conftest import csrf_token, post_form
from tests.talks.helpers import student, user


def _periods_9c() -> list[TalkPeriod]:
    """9C's two periods (this term's and the next), earliest term first."""
    group = db.session.scalar(select(MentorGroup).where(MentorGroup.name == "9C"))
    periods = db.session.scalars(select(TalkPeriod).where(TalkPeriod.group_id == group.id)).all()
    return sorted(periods, key=lambda p: (p.term.start_date, p.id))


def _book_elsa(period: TalkPeriod):
    booking = talk_logic.book(
        user("guardian@example.org"), student("Elsa"), period, future_open_slots(period)[0].id
    )
    db.session.commit()
    return booking


@pytest.fixture
def booked(app):
    """Elsa's talk in 9C's first period is booked; returns (period id, Elsa's id)."""
    with app.app_context():
        period = _periods_9c()[0]
        _book_elsa(period)
        return period.id, student("Elsa").id


def _elsas(model) -> int:
    """How many rows of the model are about Elsa (the demo has another prepared student)."""
    query = select(func.count()).select_from(model)
    if model is TalkPreparationGoal:
        query = query.join(TalkPreparation)
        model = TalkPreparation
    return db.session.scalar(query.where(model.student_id == student("Elsa").id))


def _answers(elsa_goal_id: int, **extra) -> dict:
    return {
        "general": "partly",
        f"goal_{elsa_goal_id}": "well",
        f"note_{elsa_goal_id}": "Söndagar funkar",
        "topics": "Jag vill prata om matten",
        **extra,
    }


def _elsa_goal() -> int:
    return db.session.scalar(select(Goal.id).where(Goal.student_id == student("Elsa").id))


# --- domain -------------------------------------------------------------------------------


def test_saving_twice_keeps_one_preparation_with_the_last_answers(ctx, booked):
    period = db.session.get(TalkPeriod, booked[0])
    elsa, goal_id = student("Elsa"), _elsa_goal()
    for general, note in (("hard", "Svårt"), ("well", "Bättre nu")):
        result = preparation.save_preparation(
            period,
            elsa,
            elsa.user,
            general=general,
            topics=" Matten ",
            answers={goal_id: ("partly", note)},
        )
        assert result == "saved"
    assert _elsas(TalkPreparation) == 1
    assert _elsas(TalkPreparationGoal) == 1
    saved = preparation.preparation_of(period, elsa)
    assert (saved.general, saved.topics) == ("well", "Matten")
    [goal] = preparation.goals_to_review(period, elsa)
    assert (goal.answer, goal.note) == ("partly", "Bättre nu")


def test_answers_for_goals_not_asked_about_are_ignored(ctx, booked):
    period = db.session.get(TalkPeriod, booked[0])
    elsa = student("Elsa")
    oskars_goal = db.session.scalar(select(Goal.id).where(Goal.student_id == student("Oskar").id))
    preparation.save_preparation(
        period, elsa, elsa.user, general="well", topics="", answers={oskars_goal: ("hard", "x")}
    )
    assert _elsas(TalkPreparationGoal) == 0


def test_no_answers_before_booking_or_after_the_talk_started(ctx, booked):
    periods = _periods_9c()
    elsa = student("Elsa")
    # The next term's talk is not booked: nothing to prepare.
    assert (
        preparation.save_preparation(
            periods[1], elsa, elsa.user, general="well", topics="", answers={}
        )
        == "closed"
    )
    talk = preparation.booked_time(periods[0], elsa)
    later = talk.starts_at + timedelta(minutes=1)
    assert (
        preparation.save_preparation(
            periods[0], elsa, elsa.user, general="well", topics="", answers={}, now=later
        )
        == "closed"
    )
    guardian = user("guardian@example.org")
    assert preparation.save_questions(periods[0], elsa, guardian, "x", now=later) == "closed"
    assert _elsas(TalkPreparation) == 0
    assert _elsas(TalkGuardianQuestions) == 0


def test_each_guardian_has_one_entry_of_questions(ctx, booked):
    period = db.session.get(TalkPeriod, booked[0])
    elsa = student("Elsa")
    anna = user("guardian@example.org")
    peter = user("peter.karlsson@example.net")
    preparation.save_questions(period, elsa, anna, "Hur går det i matte?")
    preparation.save_questions(period, elsa, anna, "Hur går det i svenska?")
    preparation.save_questions(period, elsa, peter, "Trivs hon?")
    assert _elsas(TalkGuardianQuestions) == 2
    assert preparation.guardian_view(period, elsa, anna) == preparation.GuardianView(
        False, "Hur går det i svenska?"
    )
    shown = preparation.for_mentor(period, elsa)
    assert [(q.name, q.text) for q in shown.questions] == [
        ("Anna Karlsson", "Hur går det i svenska?"),
        ("Peter Karlsson", "Trivs hon?"),
    ]
    assert not shown.prepared


def test_goals_agreed_at_the_last_talk_are_asked_about_again(ctx):
    """Agreed actions become a goal (goals.actions_to_goal); the next talk's preparation
    lists it first, even when it is already reached; the year's closed goals are left out,
    and a goal made at this very talk is not looked back on."""
    first, later = _periods_9c()
    elsa = student("Elsa")
    mentor = user("mentor9c@example.org")
    agreed = plans.add_goal(
        elsa,
        first.group.school_year_id,
        mentor,
        "knowledge",
        "Lämna in i tid",
        from_period_id=first.id,
    )
    db.session.add(
        GoalUpdate(goal=agreed, status="reached", created_at=utcnow() + timedelta(seconds=1))
    )
    closed = plans.add_goal(elsa, first.group.school_year_id, mentor, "social", "Gammalt mål")
    db.session.add(
        GoalUpdate(goal=closed, status="changed", created_at=utcnow() + timedelta(seconds=1))
    )
    plans.add_goal(
        elsa,
        first.group.school_year_id,
        mentor,
        "social",
        "Från detta samtal",
        from_period_id=later.id,
    )
    db.session.commit()
    goals = preparation.goals_to_review(later, elsa)
    assert [(g.text, g.agreed) for g in goals] == [
        ("Lämna in i tid", True),
        ("Planera mina läxor i kalendern varje söndag", False),
    ]
    assert goals[0].status == "reached"


def test_actions_to_goal_marks_the_talk_the_goal_came_from(app, login_as):
    with app.app_context():
        oskar = student("Oskar")
        period = db.session.scalar(
            select(TalkPeriod)
            .join(GroupMembership, GroupMembership.group_id == TalkPeriod.group_id)
            .where(GroupMembership.student_id == oskar.id)
        )
        db.session.add(
            TalkRecord(period_id=period.id, student_id=oskar.id, actions="Läxhjälp på tisdagar")
        )
        db.session.commit()
        ids = period.id, oskar.id
    client = login_as("mentor")
    response = post_form(
        client,
        f"/talks/periods/{ids[0]}/students/{ids[1]}/actions-to-goal",
        {"submit_key": "k1"},
        page="/account",
    )
    assert response.status_code == 303
    with app.app_context():
        goal = db.session.scalar(select(Goal).where(Goal.text == "Läxhjälp på tisdagar"))
        assert goal.from_period_id == ids[0]


# --- access: one rule each, for every role ----------------------------------------------------

RELATIONS = {
    "guardian": "guardian",
    "other_guardian": None,  # Johan is Oskar's guardian, not Elsa's
    "student": "student",
    "mentor": None,  # 7A's mentor
    "comentor": None,
    "other_mentor": None,
    "principal": None,  # talk notes are the mentors' (as the notes page)
    "admin": None,
    "site_admin": None,
}


@pytest.mark.parametrize("role", sorted(RELATIONS))
def test_relation_and_rules_for_every_role(ctx, booked, role):
    from tests.conftest import ACCOUNTS

    who = user(ACCOUNTS[role])
    _period, _student, relation = access.talk_preparation_relation(*booked, user=who)
    assert relation == RELATIONS[role]
    assert access.may_write_preparation(relation) == (role == "student")
    assert access.may_read_preparation(relation) == (role == "student")
    assert access.may_see_prepared(relation) == (role in ("student", "guardian"))
    assert access.may_write_guardian_questions(relation) == (role == "guardian")
    assert access.guardian_questions_scope(relation) == ("own" if role == "guardian" else None)


def test_the_group_mentor_reads_everything_and_writes_nothing(ctx, booked):
    _period, _student, relation = access.talk_preparation_relation(
        *booked, user=user("mentor9c@example.org")
    )
    assert relation == "mentor"
    assert access.may_read_preparation(relation) and access.may_see_prepared(relation)
    assert access.guardian_questions_scope(relation) == "all"
    assert not access.may_write_preparation(relation)
    assert not access.may_write_guardian_questions(relation)


# --- pages --------------------------------------------------------------------------------


def _sign_in(app, email: str):
    from tests.conftest import sign_in

    client = app.test_client()
    assert sign_in(client, email).status_code == 303
    return client


def test_the_student_prepares_and_everyone_sees_what_they_may(app, login_as, booked):
    period_id, elsa_id = booked
    with app.app_context():
        goal_id = _elsa_goal()
    page = f"/talks/periods/{period_id}/students/{elsa_id}/prepare"
    elsa = login_as("student")
    # The page's words in English, whatever the catalogues say.
    post_form(elsa, "/language", {"locale": "en", "next": "/home/student"}, page="/home/student")
    home = elsa.get("/home/student").get_data(as_text=True)
    assert page in home and "Prepared ✓" not in home  # "Prepare your talk"

    # Nothing chosen for school in general, a note too long: errors next to the fields,
    # everything typed is still there.
    response = post_form(
        elsa, page, _answers(goal_id, general="", **{f"note_{goal_id}": "x" * 301})
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="general-error"' in body and f'id="note_{goal_id}-error"' in body
    assert "Jag vill prata om matten" in body and "x" * 301 in body
    assert re.search(r"checked[^>]*value=\"well\"|value=\"well\"[^>]*checked", body)

    response = post_form(elsa, page, _answers(goal_id))
    assert response.status_code == 303 and response.headers["Location"] == "/home/student"
    assert "Prepared ✓" in elsa.get("/home/student").get_data(as_text=True)
    again = elsa.get(page).get_data(as_text=True)
    assert "Jag vill prata om matten" in again and "Söndagar funkar" in again

    # The guardian sees that Elsa has prepared, not what she wrote.
    anna = login_as("guardian")
    anna.get("/contact/check")  # the once-a-session contact check
    home = anna.get("/home/guardian").get_data(as_text=True)
    assert "prep-status" in home and 'badge badge-ok">' in home
    questions = f"/talks/periods/{period_id}/students/{elsa_id}/questions"
    response = post_form(anna, questions, {"questions": "Hur går det med läxorna?"})
    assert response.status_code == 303
    shown = anna.get(questions).get_data(as_text=True)
    assert "Hur går det med läxorna?" in shown and "Söndagar funkar" not in shown
    assert "Jag vill prata om matten" not in shown

    # The group's mentor reads it all on the talk's notes page.
    mentor = _sign_in(app, "mentor9c@example.org")
    notes = mentor.get(f"/talks/periods/{period_id}/students/{elsa_id}/record")
    body = notes.get_data(as_text=True)
    assert notes.status_code == 200
    for text in ("Jag vill prata om matten", "Söndagar funkar", "Hur går det med läxorna?"):
        assert text in body


def test_a_guardian_does_not_see_the_other_guardians_questions(app, login_as, booked):
    period_id, elsa_id = booked
    with app.app_context():
        period = db.session.get(TalkPeriod, period_id)
        preparation.save_questions(
            period, student("Elsa"), user("peter.karlsson@example.net"), "Peters fråga"
        )
    anna = login_as("guardian")
    body = anna.get(f"/talks/periods/{period_id}/students/{elsa_id}/questions").get_data(
        as_text=True
    )
    assert "Peters fråga" not in body


def test_a_double_send_makes_one_preparation(app, login_as, booked):
    period_id, elsa_id = booked
    with app.app_context():
        goal_id = _elsa_goal()
    elsa = login_as("student")
    page = f"/talks/periods/{period_id}/students/{elsa_id}/prepare"
    token = csrf_token(elsa, page)
    for _ in range(2):
        response = elsa.post(page, data={"csrf_token": token, **_answers(goal_id)})
        assert response.status_code == 303
    with app.app_context():
        assert _elsas(TalkPreparation) == 1
        assert _elsas(TalkPreparationGoal) == 1


def test_a_talk_that_started_keeps_what_was_typed(app, login_as, booked):
    period_id, elsa_id = booked
    with app.app_context():
        goal_id = _elsa_goal()
    elsa = login_as("student")
    page = f"/talks/periods/{period_id}/students/{elsa_id}/prepare"
    token = csrf_token(elsa, page)
    with app.app_context():  # the talk is moved into the past meanwhile
        from app.talks.models import TalkBooking, TalkSlot

        booking = db.session.scalar(select(TalkBooking).where(TalkBooking.student_id == elsa_id))
        slot = db.session.get(TalkSlot, booking.slot_id)
        slot.starts_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    response = elsa.post(page, data={"csrf_token": token, **_answers(goal_id)})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Jag vill prata om matten" in body and 'role="alert"' in body
    with app.app_context():
        assert _elsas(TalkPreparation) == 0
    # A later visit shows the closed page, no form.
    assert "prep-form" not in elsa.get(page).get_data(as_text=True)


def test_pages_before_the_talk_is_booked_say_so(app, login_as):
    with app.app_context():
        period = _periods_9c()[0]
        ids = period.id, student("Elsa").id
    elsa = login_as("student")
    body = elsa.get(f"/talks/periods/{ids[0]}/students/{ids[1]}/prepare").get_data(as_text=True)
    assert 'class="empty"' in body and "prep-form" not in body
    assert f"/students/{ids[1]}/prepare" not in elsa.get("/home/student").get_data(as_text=True)


def test_another_student_a_teacher_and_a_former_mentor_get_404(app, booked):
    """A student of 9C who is not Elsa, a teacher at the school without a group, and
    9C's mentor once deactivated at the school: no page, no write."""
    from app.admin.people import deactivate
    from app.demo import DEMO_PASSWORD
    from app.people.models import Staff, User
    from app.people.passwords import hash_password
    from app.school.models import School

    period_id, elsa_id = booked
    with app.app_context():
        school = db.session.scalar(select(School))
        other = db.session.scalar(
            select(Student)
            .join(GroupMembership)
            .join(MentorGroup)
            .where(MentorGroup.name == "9C", Student.id != elsa_id)
            .limit(1)
        )
        other.user.password_hash = hash_password(DEMO_PASSWORD)
        # A teacher at the school (the demo's teacher of 7A; the talk is 9C's).
        teacher = User(
            email="teacher.9c-free@example.org",
            name="Tea Cher",
            password_hash=hash_password(DEMO_PASSWORD),
        )
        db.session.add_all([teacher, Staff(user=teacher, school=school, role="teacher")])
        # 9C's mentor, also a guardian of a 7A child, stops working at the school.
        former = user("mentor9c@example.org")
        child = db.session.scalar(
            select(Student).join(GroupMembership).join(MentorGroup).where(MentorGroup.name == "7A")
        )
        db.session.add(Guardianship(guardian=former, student=child))
        db.session.commit()
        deactivate(school, former, user("admin@example.org"))
        emails = [
            other.user.email,
            "teacher.9c-free@example.org",
            "teacher@example.org",
            "mentor9c@example.org",
        ]
    base = f"/talks/periods/{period_id}/students/{elsa_id}"
    for email in emails:
        client = _sign_in(app, email)
        token = csrf_token(client, "/account")
        for path in ("/prepare", "/questions", "/record"):
            assert client.get(base + path).status_code == 404, (email, path)
            response = client.post(base + path, data={"csrf_token": token, "general": "well"})
            assert response.status_code == 404, (email, path)
    with app.app_context():
        assert _elsas(TalkPreparation) == 0
