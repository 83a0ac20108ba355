"""Every creating form is idempotent: the same form sent twice (double tap, two tabs)
creates one thing, and the second send is shown the first one's result."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.contacts.models import ContactNote
from app.extensions import db
from app.goals.models import Goal, GoalUpdate
from app.mentortime.models import MentorTime
from app.school.models import MentorGroup
from app.submissions import Submission
from tests.talks.helpers import student

KEY_RE = re.compile(r'name="submit_key" (?:type="hidden" )?value="([^"]+)"')
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _ids(app):
    with app.app_context():
        oskar = student("Oskar")
        group = db.session.scalar(select(MentorGroup).where(MentorGroup.name == "7A"))
        goal = db.session.scalar(
            select(Goal.id).where(Goal.student_id.in_([m.student_id for m in group.memberships]))
        )
        return oskar.id, group.id, goal


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _forms(app):
    oskar, group, goal = _ids(app)
    day = (date.today() - timedelta(days=1)).isoformat()
    return {
        "goal": (
            f"/students/{oskar}/goals",
            f"/students/{oskar}/goals",
            {"area": "social", "text": "Räcka upp handen"},
            Goal,
        ),
        "follow_up": (
            f"/students/{_student_of(app, goal)}/goals",
            f"/goals/{goal}/follow-up",
            {"status": "under_way", "comment": "Bättre"},
            GoalUpdate,
        ),
        "contact_note": (
            f"/students/{oskar}/contact-log",
            f"/students/{oskar}/contact-log",
            {"occurred_on": day, "channel": "phone", "with_whom": "Anna", "summary": "Samtal"},
            ContactNote,
        ),
        "mentor_time": (
            f"/groups/{group}/mentor-time",
            f"/groups/{group}/mentor-time",
            {"weekday": "2", "start": "08:15", "minutes": "30", "room": "B12"},
            MentorTime,
        ),
    }


def _student_of(app, goal_id):
    with app.app_context():
        return db.session.get(Goal, goal_id).student_id


@pytest.mark.parametrize("kind", ["goal", "follow_up", "contact_note", "mentor_time"])
def test_a_form_sent_twice_creates_once_and_shows_the_first_result(app, login_as, kind):
    page, action, data, model = _forms(app)[kind]
    mentor = login_as("mentor")
    html = mentor.get(page).get_data(as_text=True)
    key = KEY_RE.search(html)
    assert key, f"no send key on {page}"
    form = {"csrf_token": CSRF_RE.search(html).group(1), "submit_key": key.group(1), **data}
    before = _count(app, model)
    first = mentor.post(action, data=form)
    second = mentor.post(action, data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app, model) == before + 1
    shown = mentor.get(second.headers["Location"]).get_data(as_text=True)
    assert "Det här var redan skickat" in shown
    # A new form (a new key) creates again.
    html = mentor.get(page).get_data(as_text=True)
    mentor.post(action, data={**form, "submit_key": KEY_RE.search(html).group(1)})
    assert _count(app, model) == before + 2


def test_every_form_shows_a_new_key(app, login_as):
    oskar, _group, _goal = _ids(app)
    guardian = login_as("guardian")
    keys = {
        KEY_RE.search(guardian.get(f"/leave/new?student={oskar}").get_data(as_text=True)).group(1)
        for _ in range(3)
    }
    assert len(keys) == 3


def test_the_same_key_of_another_user_is_their_own(app, login_as):
    """Keys are per user: someone else's key never shows them another's result."""
    oskar, _group, _goal = _ids(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
    page = f"/students/{oskar}/contact-log"
    data = {
        "occurred_on": date.today().isoformat(),
        "channel": "phone",
        "with_whom": "Anna",
        "summary": "Samtal",
    }
    for role in ("mentor", "comentor"):
        client = login_as(role)
        html = client.get(page).get_data(as_text=True)
        client.post(
            page,
            data={"csrf_token": CSRF_RE.search(html).group(1), "submit_key": "same-key", **data},
        )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 2
