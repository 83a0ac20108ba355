"""Leave steps return what became of them; decision rights are answered by access.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import access
from app.extensions import db
from app.leave import requests as logic
from app.leave.models import LeaveRequest
from app.school.models import School
from tests.conftest import ACCOUNTS
from tests.talks.helpers import student, user


@pytest.fixture
def ctx(app):
    """Domain calls queue e-mail with links: a request context, as in a view."""
    with app.test_request_context():
        yield app


def _pending(decider: str) -> LeaveRequest:
    return db.session.scalar(
        select(LeaveRequest).where(
            LeaveRequest.decider == decider, LeaveRequest.status == "pending"
        )
    )


def test_decide_returns_the_outcome_and_a_second_decision_is_refused(ctx):
    leave = _pending("mentor")
    mentor, comentor = user(ACCOUNTS["mentor"]), user(ACCOUNTS["comentor"])
    assert logic.decide(leave, mentor, True, "") == logic.Outcome("approved")
    again = logic.decide(leave, comentor, False, "nej")
    assert (again.result, again.reason, again.ok) == ("refused", "already_decided", False)
    assert db.session.get(LeaveRequest, leave.id).status == "approved"


def test_over_the_limit_now_is_passed_on_not_raised(ctx):
    leave = _pending("mentor")
    db.session.get(School, 1).mentor_max_days = 0
    db.session.commit()
    outcome = logic.decide(leave, user(ACCOUNTS["mentor"]), True, "")
    assert (outcome.result, outcome.reason) == ("passed_on", "over_limit")
    leave = db.session.get(LeaveRequest, leave.id)
    assert (leave.status, leave.decider) == ("pending", "principal")


def test_a_stranger_is_refused_without_a_change(ctx):
    leave = _pending("mentor")
    outcome = logic.decide(leave, user(ACCOUNTS["other_mentor"]), True, "")
    assert (outcome.result, outcome.reason) == ("refused", "not_allowed")
    assert db.session.get(LeaveRequest, leave.id).status == "pending"


def test_who_may_decide_leave(ctx):
    mentors_own, principals = _pending("mentor"), _pending("principal")
    may = access.may_decide_leave
    assert may(user(ACCOUNTS["mentor"]), mentors_own)
    assert may(user(ACCOUNTS["comentor"]), mentors_own)
    assert not may(user(ACCOUNTS["mentor"]), principals)
    assert may(user(ACCOUNTS["principal"]), principals)
    assert may(user(ACCOUNTS["principal"]), mentors_own)
    for role in ("other_mentor", "guardian", "admin"):
        assert not may(user(ACCOUNTS[role]), mentors_own), role


def test_who_may_write_goals(ctx):
    oskar = student("Oskar")
    assert access.may_write_goal(user(ACCOUNTS["mentor"]), oskar)
    assert not access.may_write_goal(user(ACCOUNTS["guardian"]), oskar)
    assert not access.may_write_goal(user(ACCOUNTS["other_mentor"]), oskar)
    pupil = user(ACCOUNTS["student"])
    own = db.session.scalar(select(type(oskar)).where(type(oskar).user_id == pupil.id))
    own.school.students_write_goals = False
    assert not access.may_write_goal(pupil, own)
    own.school.students_write_goals = True
    assert access.may_write_goal(pupil, own)


def test_one_guardian_rule(ctx):
    oskar = student("Oskar")
    assert access.is_guardian_of(user(ACCOUNTS["guardian"]), oskar.id)
    assert access.is_guardian_of(user(ACCOUNTS["other_guardian"]), oskar.id)
    assert not access.is_guardian_of(user(ACCOUNTS["mentor"]), oskar.id)
