"""Handover: which change makes one due, who writes it and until when, who reads it, and
which earlier notes a new mentor sees (app/teaching/handover.py, app/access.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select
from werkzeug.exceptions import NotFound

from app import access, retention
from app.admin import groups
from app.audit import AuditEvent
from app.contacts.log import add_note
from app.db_types import utcnow
from app.extensions import db
from app.goals import plans
from app.people.models import Staff, Student, User
from app.school.models import GroupMembership, GroupMentor, MentorGroup, School, SchoolYear
from app.teaching import handover
from app.teaching.models_handover import Handover
from tests.conftest import sign_in
from tests.talks.helpers import student, user

TEXTS = {"what_works": "Korta genomgångar", "what_to_watch": "Trött på måndagar", "follow_ups": ""}


def _group(name: str) -> MentorGroup:
    return db.session.scalar(select(MentorGroup).where(MentorGroup.name == name))


def _year() -> SchoolYear:
    return db.session.scalar(select(SchoolYear))


def _handovers() -> list[Handover]:
    return list(db.session.scalars(select(Handover).order_by(Handover.id)))


def _move_oskar(to: str = "8B") -> Handover | None:
    oskar = student("Oskar")
    groups.place(oskar, _year(), _group(to), user("admin@example.org"))
    return db.session.scalar(select(Handover).where(Handover.student_id == oskar.id))


# --- becoming due -------------------------------------------------------------------------


def test_moving_a_student_makes_one_handover_due_from_the_lead_mentor_of_the_group_left(ctx):
    made = _move_oskar("8B")
    assert made is not None
    assert made.from_user.email == "mentor@example.org"  # Karin, not the co-mentor Jonas
    assert (made.from_group.name, made.to_group.name, made.reason) == ("7A", "8B", "moved")
    assert made.written_at is None
    assert made.write_until - made.due_at == timedelta(days=handover.HANDOVER_DAYS)
    # Moving back (Sara leaves him now) and out again: Karin's is the same transition.
    _move_oskar("7A")
    _move_oskar("8B")
    assert sorted(h.from_user.email for h in _handovers()) == [
        "mentor8b@example.org",
        "mentor@example.org",
    ]


def test_no_handover_when_the_lead_mentor_also_mentors_the_new_group(ctx):
    karin = user("mentor@example.org")
    extra = MentorGroup(school_year=_year(), name="7X")
    extra.mentors.append(GroupMentor(user=karin, is_co_mentor=True))
    db.session.add(extra)
    db.session.commit()
    assert _move_oskar("7X") is None


def test_no_handover_when_a_student_is_taken_out_of_every_group(ctx):
    groups.place(student("Oskar"), _year(), None, user("admin@example.org"))
    assert _handovers() == []


def test_a_new_lead_mentor_makes_a_handover_due_for_every_student_of_the_group(ctx):
    seven_a = _group("7A")
    members = db.session.scalar(select(func.count()).where(GroupMembership.group_id == seven_a.id))
    sara, jonas = user("mentor8b@example.org"), user("comentor@example.org")
    groups.update_group(seven_a, "7A", sara.id, [jonas.id])
    made = _handovers()
    assert len(made) == members == 28
    assert {(h.from_user.email, h.reason, h.to_group_id) for h in made} == {
        ("mentor@example.org", "mentor", seven_a.id)
    }


def test_no_handover_when_the_lead_mentor_stays_as_a_co_mentor_or_a_co_mentor_leaves(ctx):
    seven_a = _group("7A")
    karin, jonas = user("mentor@example.org"), user("comentor@example.org")
    groups.update_group(seven_a, "7A", karin.id, [])  # the co-mentor leaves
    groups.update_group(seven_a, "7A", jonas.id, [karin.id])  # lead and co swap
    assert _handovers() == []


def test_no_handover_is_due_from_a_lead_mentor_who_is_no_longer_staff(ctx):
    karin = user("mentor@example.org")
    db.session.execute(delete(Staff).where(Staff.user_id == karin.id))
    db.session.commit()
    groups.update_group(_group("7A"), "7A", user("mentor8b@example.org").id, [])
    assert _move_oskar("8B") is None
    assert _handovers() == []


def _next_year(mentor_email: str) -> tuple[SchoolYear, MentorGroup]:
    this = _year()
    year = SchoolYear(
        school_id=this.school_id,
        name="2027/28",
        start_date=date(2027, 8, 16),
        end_date=date(2028, 6, 9),
    )
    group = MentorGroup(school_year=year, name="8A")
    group.mentors.append(GroupMentor(user=user(mentor_email), is_co_mentor=False))
    db.session.add(year)
    db.session.commit()
    return year, group


def test_a_new_school_years_group_with_another_mentor_is_a_new_stage(ctx):
    year, eight_a = _next_year("mentor8b@example.org")
    oskar = student("Oskar")
    groups.place(oskar, year, eight_a, user("admin@example.org"))
    (made,) = _handovers()
    assert (made.from_user.email, made.reason) == ("mentor@example.org", "stage")
    assert (made.from_group.name, made.to_group.name) == ("7A", "8A")


def test_the_mentor_who_follows_the_group_into_the_new_year_writes_none(ctx):
    year, eight_a = _next_year("mentor@example.org")
    groups.place(student("Oskar"), year, eight_a, user("admin@example.org"))
    assert _handovers() == []


def test_an_import_that_moves_students_makes_their_handovers_due(ctx):
    """The import's placements go through the same domain function as the admin's move."""
    oskar = student("Oskar")
    seven_a, eight_b = _group("7A"), _group("8B")
    first = db.session.scalar(
        select(Student.id)
        .join(GroupMembership, GroupMembership.student_id == Student.id)
        .where(GroupMembership.group_id == eight_b.id)
        .order_by(Student.id)
    )
    made = handover.due_after_placements(
        _year(),
        [(oskar.id, seven_a.id, eight_b.id), (first, eight_b.id, seven_a.id), (first, None, None)],
        utcnow(),
    )
    db.session.commit()
    assert made == 2
    assert {h.from_user.email for h in _handovers()} == {
        "mentor@example.org",
        "mentor8b@example.org",
    }


# --- who writes, until when ---------------------------------------------------------------


def test_the_outgoing_mentor_may_write_for_thirty_days_and_no_one_else(ctx):
    made = _move_oskar("8B")
    karin = user("mentor@example.org")
    assert access.may_write_handover(karin, made)
    day_29 = made.due_at + timedelta(days=29)
    day_31 = made.due_at + timedelta(days=31)
    assert access.may_write_handover(karin, made, now=day_29)
    assert not access.may_write_handover(karin, made, now=day_31)
    for email in (
        "comentor@example.org",
        "mentor8b@example.org",
        "principal@example.org",
        "admin@example.org",
        "guardian@example.org",
        "student@example.org",
    ):
        assert not access.may_write_handover(user(email), made), email


def test_a_former_staff_member_may_not_write_the_handover(ctx):
    made = _move_oskar("8B")
    karin = user("mentor@example.org")
    db.session.execute(delete(Staff).where(Staff.user_id == karin.id))
    db.session.commit()
    assert not access.may_write_handover(karin, made)
    with pytest.raises(NotFound):
        access.handover_to_write_or_404(made.id, karin)
    outcome = handover.write(made, karin, TEXTS)
    assert (outcome.result, outcome.reason) == ("refused", handover.CLOSED_NOW)
    assert db.session.get(Handover, made.id).written_at is None


def test_writing_needs_one_part_keeps_the_row_and_a_second_send_writes_nothing_more(ctx):
    made = _move_oskar("8B")
    karin = user("mentor@example.org")
    empty = handover.write(made, karin, {"what_works": "  ", "what_to_watch": ""})
    assert (empty.result, empty.field, empty.reason) == ("refused", "what_works", handover.EMPTY)
    assert handover.write(made, karin, TEXTS, send_key="k1").result == "written"
    assert handover.write(made, karin, TEXTS, send_key="k1").result == "repeated"
    written = db.session.get(Handover, made.id)
    assert (written.what_works, written.what_to_watch) == (
        "Korta genomgångar",
        "Trött på måndagar",
    )
    first_written = written.written_at
    audits = db.session.scalar(select(func.count()).where(AuditEvent.action == "handover.written"))
    assert audits == 1
    # A correction within the time keeps when it was first written.
    assert handover.write(made, karin, {**TEXTS, "follow_ups": "Ring mamma"}).ok
    db.session.expire_all()
    again = db.session.get(Handover, made.id)
    assert again.follow_ups == "Ring mamma" and again.written_at == first_written


def test_writing_after_the_time_is_refused(ctx):
    made = _move_oskar("8B")
    late = made.write_until + timedelta(minutes=1)
    outcome = handover.write(made, user("mentor@example.org"), TEXTS, now=late)
    assert (outcome.result, outcome.field) == ("refused", "what_works")


def test_the_form_shows_open_goals_and_follow_ups_made_before_the_move(ctx):
    oskar, karin = student("Oskar"), user("mentor@example.org")
    year = _year()
    plans.add_goal(oskar, year.id, karin, area="knowledge", text="Läsa 20 minuter om dagen")
    add_note(
        oskar,
        karin,
        occurred_on=date.today(),
        channel="phone",
        with_whom="Anna",
        summary="Ring om läxhjälp",
        follow_up_on=date.today(),
    )
    add_note(
        oskar,
        karin,
        occurred_on=date.today(),
        channel="phone",
        with_whom="Anna",
        summary="Inget att följa upp",
    )
    db.session.commit()
    made = _move_oskar("8B")
    texts = {(i.kind, i.text) for i in handover.context_for(made)}
    assert ("goal", "Läsa 20 minuter om dagen") in texts
    assert ("note", "Ring om läxhjälp") in texts
    assert ("note", "Inget att följa upp") not in texts


# --- who reads ----------------------------------------------------------------------------


def _written() -> Handover:
    made = _move_oskar("8B")
    assert handover.write(made, user("mentor@example.org"), TEXTS).ok
    return db.session.get(Handover, made.id)


def test_a_due_handover_is_read_by_no_one(ctx):
    made = _move_oskar("8B")
    for email in ("mentor8b@example.org", "principal@example.org", "mentor@example.org"):
        assert not access.may_read_handover(user(email), made), email


def test_the_new_mentor_and_the_principal_read_a_written_handover_and_no_one_else(ctx):
    made = _written()
    assert access.may_read_handover(user("mentor8b@example.org"), made)
    assert access.may_read_handover(user("principal@example.org"), made)
    # A teacher of the school with no group, as the teaching part makes them.
    teacher = User(email="larare@example.org", name="Lärare")
    db.session.add_all(
        [teacher, Staff(user=teacher, school_id=made.student.school_id, role="teacher")]
    )
    db.session.commit()
    for who in (
        "mentor@example.org",  # the writer, once the student has gone
        "comentor@example.org",
        "guardian@example.org",
        "guardian2@example.org",  # Oskar's other guardian
        "student@example.org",
        "admin@example.org",
        "kommun@example.org",
        "larare@example.org",
    ):
        assert not access.may_read_handover(user(who), made), who
    assert [h.id for h in handover.received(user("mentor8b@example.org"))] == [made.id]
    assert handover.received(user("comentor@example.org")) == []


def test_a_co_mentor_of_the_new_group_reads_it_and_a_former_staff_mentor_does_not(ctx):
    made = _written()
    eight_b = _group("8B")
    jonas = user("comentor@example.org")
    eight_b.mentors.append(GroupMentor(user=jonas, is_co_mentor=True))
    db.session.commit()
    assert access.may_read_handover(jonas, made)
    sara = user("mentor8b@example.org")
    db.session.execute(delete(Staff).where(Staff.user_id == sara.id))
    db.session.commit()
    assert not access.may_read_handover(sara, made)


def test_handovers_follow_the_student_to_the_next_group(ctx):
    made = _written()
    _move_oskar("9C")
    ahmed = user("mentor9c@example.org")
    assert access.may_read_handover(ahmed, made)
    assert not access.may_read_handover(user("mentor8b@example.org"), made)


def test_what_earlier_notes_the_new_mentor_sees(ctx):
    """The contact log follows the student (the earlier mentor's notes included) and so do
    the year's goals; the earlier group's talk notes do not. The outgoing mentor loses the
    log at once."""
    from app.talks.models import TalkPeriod, TalkRecord

    oskar, karin, sara = student("Oskar"), user("mentor@example.org"), user("mentor8b@example.org")
    add_note(
        oskar,
        karin,
        occurred_on=date.today() - timedelta(days=200),
        channel="phone",
        with_whom="Anna",
        summary="Gammal anteckning",
    )
    goal = plans.add_goal(oskar, _year().id, karin, area="social", text="Våga fråga")
    period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group_id == _group("7A").id))
    db.session.add(TalkRecord(period_id=period.id, student_id=oskar.id, notes="Samtal", actions=""))
    db.session.commit()
    _written()
    assert access.contact_log_student_or_404(oskar.id, sara) == oskar
    with pytest.raises(NotFound):
        access.contact_log_student_or_404(oskar.id, karin)
    assert access.goals_access_or_404(oskar.id, sara)[1] == "mentor"
    from app.goals.views import goals_of

    assert goal.id in [g.id for g in goals_of(oskar.id, _year().id)]
    with pytest.raises(NotFound):
        access.talk_period_or_404(period.id, sara)


# --- the mentor role and the sweep --------------------------------------------------------


def test_a_replaced_mentor_with_no_group_keeps_the_mentor_role_while_handovers_are_due(ctx):
    karin = user("mentor@example.org")
    groups.update_group(_group("7A"), "7A", user("mentor8b@example.org").id, [])
    assert "mentor" in access.roles_of(karin)
    assert handover.home_counts(karin).to_write == 28
    db.session.execute(delete(Staff).where(Staff.user_id == karin.id))
    db.session.commit()
    assert "mentor" not in access.roles_of(karin)


def test_the_sweep_deletes_handovers_never_written_once_their_time_is_over(ctx):
    made = _written()
    groups.place(
        db.session.scalar(
            select(Student)
            .join(GroupMembership, GroupMembership.student_id == Student.id)
            .where(GroupMembership.group_id == _group("7A").id)
            .order_by(Student.id)
        ),
        _year(),
        _group("9C"),
        user("admin@example.org"),
    )
    assert len(_handovers()) == 2
    retention.sweep(utcnow() + timedelta(days=handover.HANDOVER_DAYS - 1))
    assert len(_handovers()) == 2
    retention.sweep(utcnow() + timedelta(days=handover.HANDOVER_DAYS + 1))
    assert [h.id for h in _handovers()] == [made.id]
    assert db.session.scalar(select(School)) is not None


def test_last_years_mentor_no_longer_reads_or_writes_the_students_goals(app, login_as):
    """After the move to a new year's group with another mentor, the goals belong to the
    new mentor: the earlier one may still read them (their earlier group's history) but
    no longer write or follow up."""
    from app import access

    with app.app_context():
        year, eight_a = _next_year("mentor8b@example.org")
        oskar = student("Oskar")
        old, new = user("mentor@example.org"), user("mentor8b@example.org")
        assert access.may_write_goal(old, oskar)
        groups.place(oskar, year, eight_a, user("admin@example.org"))
        db.session.commit()
        assert not access.may_write_goal(old, oskar)
        assert access.may_write_goal(new, oskar)
        oskar_id = oskar.id
    earlier = login_as("mentor").get(f"/students/{oskar_id}/goals")
    assert earlier.status_code == 200
    assert 'name="text"' not in earlier.get_data(as_text=True)  # no new goal form
    other = app.test_client()
    sign_in(other, "mentor8b@example.org")
    current = other.get(f"/students/{oskar_id}/goals")
    assert current.status_code == 200 and 'name="text"' in current.get_data(as_text=True)
