"""The scopes and checks of app/access.py, one role at a time."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app import access
from app.extensions import db
from app.people.models import Student, User
from app.school.models import School
from tests.conftest import ACCOUNTS


def _user(role: str) -> User:
    return db.session.scalar(select(User).where(User.email == ACCOUNTS[role]))


def _visible(role: str) -> set[int]:
    return set(db.session.scalars(access.visible_student_ids(_user(role))))


def _protected() -> Student:
    return db.session.scalar(select(Student).where(Student.protected_identity))


def test_roles_of_each_account(ctx):
    assert access.roles_of(_user("guardian")) == ["guardian"]
    assert access.roles_of(_user("student")) == ["student"]
    assert access.roles_of(_user("comentor")) == ["mentor"]
    assert access.roles_of(_user("principal")) == ["principal"]
    assert access.roles_of(_user("admin")) == ["admin"]


def test_visible_students_per_role(ctx):
    assert len(_visible("guardian")) == 2
    assert len(_visible("other_guardian")) == 1 and _visible("other_guardian") < _visible(
        "guardian"
    )
    assert len(_visible("student")) == 1 and _visible("student") < _visible("guardian")
    assert len(_visible("mentor")) == 28 and _visible("mentor") == _visible("comentor")
    assert len(_visible("other_mentor")) == 28 and not _visible("mentor") & _visible("other_mentor")
    assert len(_visible("principal")) == 84 == len(_visible("admin"))


def test_protected_details_only_for_those_with_a_role_for_the_student(ctx):
    student = _protected()
    assert access.may_see_protected_details(_user("mentor"), student)
    assert access.may_see_protected_details(_user("principal"), student)
    assert not access.may_see_protected_details(_user("guardian"), student)
    assert not access.may_see_protected_details(_user("other_mentor"), student)
    assert not access.may_see_protected_details(_user("student"), student)


def test_unprotected_student_details_are_not_restricted(ctx):
    elsa = _user("student").student
    assert access.may_see_protected_details(_user("other_mentor"), elsa)


def test_student_or_404(ctx):
    elsa = _user("student").student
    assert access.student_or_404(elsa.id, user=_user("guardian")) is elsa
    with pytest.raises(NotFound):
        access.student_or_404(elsa.id, user=_user("other_guardian"))
    with pytest.raises(NotFound):
        access.student_or_404(elsa.id, user=_user("mentor"))


def test_school_or_404_needs_the_role_at_that_school(ctx):
    school = db.session.scalar(select(School))
    assert access.school_or_404(school.id, "principal", user=_user("principal")) is school
    with pytest.raises(NotFound):
        access.school_or_404(school.id, "admin", user=_user("principal"))
    with pytest.raises(NotFound):
        access.school_or_404(school.id, "principal", "admin", user=_user("mentor"))
    other = School(name="Annanskolan", unit_code="99990002")
    db.session.add(other)
    db.session.flush()
    with pytest.raises(NotFound):
        access.school_or_404(other.id, "admin", user=_user("admin"))
    site_admin = _user("admin")
    site_admin.is_site_admin = True
    assert access.school_or_404(other.id, "admin", user=site_admin) is other


# --- survey after the talk (app/surveys) ------------------------------------------------


def _period(group_name: str):
    from app.talks.models import TalkPeriod
    from tests.surveys.helpers import group

    return db.session.scalar(select(TalkPeriod).where(TalkPeriod.group_id == group(group_name).id))


SURVEY_ROLES = [r for r in ACCOUNTS]


@pytest.mark.parametrize("role", SURVEY_ROLES)
def test_who_answers_a_periods_survey(ctx, role):
    """9C's students with a login and the guardians of 9C's students; in 7A, whose
    students have no login, the guardians only. Staff never answer."""
    nine_c = {"guardian": "guardian", "student": "student"}
    seven_a = {"guardian": "guardian", "other_guardian": "guardian"}
    for period, expected in ((_period("9C"), nine_c), (_period("7A"), seven_a)):
        assert access.survey_audience(_user(role), period) == expected.get(role)
        assert access.may_answer_survey(_user(role), period) == (role in expected)


@pytest.mark.parametrize("role", SURVEY_ROLES)
def test_who_reads_a_groups_survey_results(ctx, role):
    """A group's mentors only: never a student or guardian, another group's mentor, the
    principal (who reads the school's totals) or an admin."""
    from tests.surveys.helpers import group

    readers = {"7A": {"mentor", "comentor"}, "8B": {"other_mentor"}}
    for name, allowed in readers.items():
        assert access.may_read_survey_results(_user(role), group(name).id) == (role in allowed)
    school = db.session.scalar(select(School))
    assert access.may_read_school_survey(_user(role), school.id) == (role == "principal")
