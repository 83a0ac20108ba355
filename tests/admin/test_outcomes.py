"""Administrative changes return what became of them, called directly: done and committed,
or refused with the field to blame and why, as a value and with nothing written."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.admin import Outcome, groups, people, schools, years
from app.audit import AuditEvent
from app.extensions import db
from app.school.models import DayOff, MentorGroup, School, SchoolYear
from tests.conftest import ACCOUNTS
from tests.talks.helpers import student, user


@pytest.fixture
def ctx(app):
    """Invitations queue e-mail with links: a request context, as in a view."""
    with app.test_request_context():
        yield app


def _audit_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _school() -> School:
    return db.session.scalar(select(School).order_by(School.id))


def _year() -> SchoolYear:
    return db.session.scalar(select(SchoolYear).where(SchoolYear.name == "2026/27"))


def _refusal(outcome: Outcome) -> tuple[str | None, str]:
    """The field and the reason (in the English source) of a refusal."""
    assert not outcome.ok and outcome.done is None
    with force_locale("en"):
        return outcome.field, str(outcome.reason)


def _dates(name: str, start: date, end: date) -> years.YearDates:
    return years.YearDates(
        name,
        start,
        end,
        start,
        date(start.year, 12, 20),
        date(end.year, 1, 10),
        end,
    )


def test_a_unit_code_of_another_school_is_refused_and_nothing_is_written(ctx):
    site_admin, school = user(ACCOUNTS["site_admin"]), _school()
    before = _audit_rows()
    taken = schools.SchoolDetails("Nya skolan", school.unit_code, "Europe/Stockholm")
    assert _refusal(schools.save_school(None, taken, site_admin)) == (
        "unit_code",
        "Another school has this unit code.",
    )
    assert db.session.scalar(select(func.count()).select_from(School)) == 1
    assert _audit_rows() == before
    # The school keeps its own code when it is saved again.
    own = schools.SchoolDetails("Lindbackaskolan", school.unit_code, "Europe/Stockholm")
    assert schools.save_school(school, own, site_admin).ok


def test_a_new_school_is_committed_and_audited(ctx):
    details = schools.SchoolDetails("Nya skolan", "12345678", "Europe/Stockholm")
    outcome = schools.save_school(None, details, user(ACCOUNTS["site_admin"]))
    assert outcome.ok and outcome.done.id
    db.session.rollback()  # nothing left to lose: it was committed
    saved = db.session.scalar(select(School).where(School.unit_code == "12345678"))
    assert saved.name == "Nya skolan"
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (event.action, event.detail["old"]) == ("school.created", None)


def test_the_rules_are_committed_with_the_old_values_audited(ctx):
    school = _school()
    rules = {f: getattr(school, f) for f in schools.POLICY_FIELDS} | {"mentor_max_days": 7}
    schools.set_rules(school, rules, user(ACCOUNTS["principal"]))
    db.session.rollback()
    assert db.session.get(School, school.id).mentor_max_days == 7
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (event.action, event.detail["old"]["mentor_max_days"]) == ("school.policy", 3)


def test_a_year_with_a_taken_name_or_overlapping_dates_is_refused(ctx):
    school, year = _school(), _year()
    before = _audit_rows()
    same_name = _dates("2026/27", date(2027, 8, 16), date(2028, 6, 9))
    assert _refusal(years.copy_year(year, same_name, True)) == (
        "name",
        "The school already has a school year with this name.",
    )
    overlapping = _dates("2027/28", date(2027, 6, 1), date(2028, 6, 9))
    assert _refusal(years.create_year(school, overlapping)) == (
        "start_date",
        "The dates overlap the school year 2026/27.",
    )
    assert db.session.scalar(select(func.count()).select_from(SchoolYear)) == 1
    assert _audit_rows() == before
    outcome = years.copy_year(year, _dates("2027/28", date(2027, 8, 16), date(2028, 6, 9)), True)
    assert outcome.ok and [g.name for g in outcome.done.groups] == ["7A", "8B", "9C"]


def test_a_year_may_keep_its_own_name_and_dates(ctx):
    year = _year()
    dates = years.YearDates(
        year.name,
        year.start_date,
        year.end_date,
        *(
            getattr(t, a)
            for t in sorted(year.terms, key=lambda t: t.kind != "HT")
            for a in ("start_date", "end_date")
        ),
    )
    assert years.update_year(year, dates) == Outcome(year)


def test_a_day_off_outside_the_year_is_refused(ctx):
    year = _year()
    count = len(year.days_off)
    outside = years.add_day_off(year, "Sommarlov", "break", date(2027, 6, 14), date(2027, 6, 18))
    assert _refusal(outside) == ("start_date", "Days off must lie within the school year.")
    assert len(year.days_off) == count
    inside = years.add_day_off(year, "Studiedag", "study_day", date(2027, 3, 1), date(2027, 3, 1))
    assert inside.ok and inside.done.id
    years.remove_day_off(inside.done)
    db.session.rollback()
    assert db.session.get(DayOff, inside.done.id) is None


def test_a_group_name_the_year_has_is_refused_in_any_case(ctx):
    year, mentor = _year(), user(ACCOUNTS["mentor"])
    assert _refusal(groups.create_group(year, "7a", mentor.id, [])) == (
        "name",
        "The school year already has a group with this name.",
    )
    seven_a = db.session.scalar(select(MentorGroup).where(MentorGroup.name == "7A"))
    assert _refusal(groups.update_group(seven_a, "8B", mentor.id, [])) == (
        "name",
        "The school year already has a group with this name.",
    )
    assert groups.update_group(seven_a, "7a", mentor.id, []).ok  # its own name, in any case
    created = groups.create_group(year, "7D", mentor.id, [])
    db.session.rollback()
    assert db.session.get(MentorGroup, created.done.id).name == "7D"


def test_placing_a_student_commits_and_a_second_time_changes_nothing(ctx):
    year, admin, oskar = _year(), user(ACCOUNTS["admin"]), student("Oskar")
    eight_b = db.session.scalar(select(MentorGroup).where(MentorGroup.name == "8B"))
    assert groups.place(oskar, year, eight_b, admin) is True
    db.session.rollback()
    assert groups.membership(oskar, year).group_id == eight_b.id
    assert groups.place(oskar, year, eight_b, admin) is False


def test_roles_refused_when_none_or_an_admin_drops_their_own(ctx):
    school, admin = _school(), user(ACCOUNTS["admin"])
    mentor = user(ACCOUNTS["mentor"])
    assert _refusal(people.change_roles(school, mentor, [], admin)) == (
        "roles",
        "Choose at least one role, or deactivate the person.",
    )
    assert _refusal(people.change_roles(school, admin, ["teacher"], admin)) == (
        "roles",
        "You cannot take away your own admin role.",
    )
    assert people.change_roles(school, mentor, ["teacher", "principal"], admin) == Outcome(mentor)


def test_deactivation_refused_for_oneself_and_for_a_mentor_of_this_year(ctx):
    school, admin = _school(), user(ACCOUNTS["admin"])
    before = _audit_rows()
    assert _refusal(people.deactivate_member(school, admin, admin)) == (
        "user",
        "You cannot deactivate yourself.",
    )
    assert _refusal(people.deactivate_member(school, user(ACCOUNTS["mentor"]), admin)) == (
        "user",
        "Give 7A another mentor first.",
    )
    assert _audit_rows() == before
    # The principal mentors no group: deactivated, and with no other tie the account closes.
    principal = user(ACCOUNTS["principal"])
    assert people.deactivate_member(school, principal, admin) == Outcome(True)
    db.session.rollback()
    assert not principal.active


def test_invitations_are_committed(ctx):
    school, admin = _school(), user(ACCOUNTS["admin"])
    invited = people.invite_staff(school, "Ny Lärare", " Ny@Example.org ", ["teacher"], admin)
    db.session.rollback()
    assert invited.email == "ny@example.org" and invited.invited_at is not None
    sent = people.invite_guardians(school, _year(), admin)
    assert sent > 0
    assert people.invite_guardians(school, _year(), admin) == 0  # not again within a day
