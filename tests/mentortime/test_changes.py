"""Changing mentor time, called directly: a week's agenda is fixed once it has passed, and
removing a mentor time takes its weeks with it, audited and committed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.extensions import db
from app.mentortime import schedule
from app.mentortime.models import MentorTime, MentorTimeOccurrence
from app.school.models import MentorGroup
from tests.conftest import ACCOUNTS
from tests.talks.helpers import user

TUESDAY = date(2026, 9, 8)


@pytest.fixture
def tuesday(ctx):
    group = db.session.scalar(select(MentorGroup).where(MentorGroup.name == "8B"))
    mt = schedule.add_mentor_time(
        group, user(ACCOUNTS["other_mentor"]), weekday=1, start=time(8, 20), minutes=40, room=""
    )
    db.session.commit()
    return mt


def test_a_week_is_found_only_on_a_day_the_mentor_time_meets(tuesday):
    assert schedule.occurrence_on(tuesday, TUESDAY).regular_date == TUESDAY
    assert schedule.occurrence_on(tuesday, date(2026, 9, 9)) is None  # a Wednesday
    assert schedule.occurrence_on(tuesday, date(2026, 11, 3)) is None  # höstlov


def test_the_agenda_of_a_passed_week_is_not_changed(tuesday):
    week = schedule.occurrence_on(tuesday, TUESDAY)
    mentor = user(ACCOUNTS["other_mentor"])
    before = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    after = datetime(2026, 9, 8, 12, 0, tzinfo=UTC)
    assert not schedule.has_passed(week, before) and schedule.has_passed(week, after)
    saved = schedule.save_week(week, {"agenda": "Val av elevråd", "decisions": ""}, mentor, before)
    assert saved.agenda == "Val av elevråd"
    later = {"agenda": "Ändrad i efterhand", "decisions": "Elsa och Ali"}
    saved = schedule.save_week(week, later, mentor, after)
    assert (saved.agenda, saved.decisions) == ("Val av elevråd", "Elsa och Ali")


def test_removing_takes_the_weeks_along_and_commits(tuesday):
    mentor = user(ACCOUNTS["other_mentor"])
    schedule.save_week(schedule.occurrence_on(tuesday, TUESDAY), {"cancelled": True}, mentor)
    db.session.commit()
    mentor_time_id, group_id = tuesday.id, tuesday.group_id
    assert schedule.remove_mentor_time(tuesday, mentor) == group_id
    db.session.rollback()  # nothing left to lose: it was committed
    assert db.session.get(MentorTime, mentor_time_id) is None
    weeks = select(func.count()).select_from(MentorTimeOccurrence)
    assert (
        db.session.scalar(weeks.where(MentorTimeOccurrence.mentor_time_id == mentor_time_id)) == 0
    )
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (event.action, event.actor_id, event.object_id) == (
        "mentor_time.deleted",
        mentor.id,
        mentor_time_id,
    )
