"""The mentor's "this week" on the mentor home: what is in it, and only for whom."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import delete, select

from app import access
from app.extensions import db
from app.home.overview import mentor_home
from app.leave.models import LeaveRequest
from app.mentortime import schedule
from app.mentortime.models import MentorTime
from app.people.models import Staff
from app.school.calendar import today
from app.school.models import MentorGroup
from tests.home.week_data import seed_week
from tests.talks.helpers import user

IN_7A_WEEK = [
    "Kommer: Mamma och pappa",  # the talk on Wednesday, who comes
    "Tolk: arabiska",  # and its interpreter
    "Lämna in läxorna i tid",  # a goal due this week
    "Läsa en bok i månaden",  # a goal overdue and not followed up
    "Ringa tillbaka om skolskjutsen",  # a contact-log follow-up due this week
]
NOT_IN_7A_WEEK = [
    "Kommer: Pappa",  # next week's talk
    "Redan nått målet",  # a goal reached
    "Nästa veckas mål",
    "Redan uppföljd",  # a follow-up marked done
    "Nästa veckas uppföljning",
    "Andra 9C",  # 9C's talk this week
    "Andra gruppens mål",  # 8B's goal
    "Andra gruppens uppföljning",  # 8B's contact-log follow-up
]


def _page(login_as, role: str) -> str:
    response = login_as(role).get("/home/mentor")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_mentor_sees_the_week_of_their_group_with_links_to_act(app, login_as):
    seed_week(app)
    for role in ("mentor", "comentor"):
        page = _page(login_as, role)
        for text in IN_7A_WEEK:
            assert text in page, (role, text)
        for text in NOT_IN_7A_WEEK:
            assert text not in page, (role, text)
        assert 'id="week-empty"' not in page
        with app.app_context():
            pending = db.session.scalars(
                select(LeaveRequest).where(LeaveRequest.status == "pending")
            ).all()
            mine = [r for r in pending if access.may_decide_leave(user(f"{role}@example.org"), r)]
            mine_ids = {r.id for r in mine}
            others = [r.id for r in pending if r.id not in mine_ids]
            assert mine and others  # the demo's principal's request and 8B's are not hers
        for request_id in mine_ids:
            assert f'href="/leave/{request_id}"' in page
        for request_id in others:
            assert f'href="/leave/{request_id}"' not in page
        # Each item links to where the mentor acts on it.
        assert "/record" in page and "/goals#goal-" in page and "/contact-log" in page


def test_mentor_who_is_also_principal_sees_the_requests_beyond_the_limit(app, login_as):
    """may_decide_leave: the school's principal decides any request; as a mentor, she
    sees those of her own students on her week."""
    with app.app_context():
        karin = user("mentor@example.org")
        beyond = db.session.scalar(select(LeaveRequest).where(LeaveRequest.decider == "principal"))
        assert not access.may_decide_leave(karin, beyond)
        school_id = db.session.scalar(select(Staff.school_id).where(Staff.user_id == karin.id))
        db.session.add(Staff(user_id=karin.id, school_id=school_id, role="principal"))
        db.session.commit()
        assert access.may_decide_leave(user("mentor@example.org"), beyond)
        beyond_id = beyond.id
    page = login_as("mentor").get("/home/mentor").get_data(as_text=True)
    assert f'href="/leave/{beyond_id}"' in page


def test_another_groups_mentor_sees_only_their_own_group(app, login_as):
    seed_week(app)
    page = _page(login_as, "other_mentor")
    assert "Andra gruppens mål" in page and "Andra gruppens uppföljning" in page
    for text in IN_7A_WEEK:
        assert text not in page, text


def test_a_quiet_week_says_so(login_as):
    page = _page(login_as, "other_mentor")  # 8B: no talks, leave or mentor time in the demo
    assert 'id="week-empty"' in page
    assert 'class="card week"' not in page


def test_a_former_staff_mentor_sees_nothing(app, login_as):
    seed_week(app)
    client = login_as("mentor")
    with app.app_context():
        karin = user("mentor@example.org")
        db.session.execute(delete(Staff).where(Staff.user_id == karin.id))
        db.session.commit()
        home = mentor_home(user("mentor@example.org"), today())
        assert home.groups == [] and home.week.empty
    response = client.get("/home/mentor")
    assert response.status_code == 404


def test_the_weeks_mentor_time_with_its_agenda_skips_days_off(ctx):
    karin = user("mentor@example.org")
    group = db.session.scalar(select(MentorGroup).where(MentorGroup.name == "7A"))
    mentor_time = db.session.scalar(select(MentorTime).where(MentorTime.group_id == group.id))
    schedule.save_occurrence(
        mentor_time, date(2026, 12, 1), {"agenda": "Klassråd\nFriluftsdag"}, karin
    )
    schedule.save_occurrence(
        mentor_time,
        date(2026, 12, 8),
        {"moved_date": date(2026, 12, 9), "moved_start": time(10, 0)},
        karin,
    )
    db.session.commit()

    [tuesday] = mentor_home(karin, date(2026, 12, 3)).week.mentor_times
    assert (tuesday.regular_date, tuesday.agenda) == (date(2026, 12, 1), "Klassråd\nFriluftsdag")
    assert tuesday.group_name == "7A" and not tuesday.cancelled and tuesday.moved_from is None

    [moved] = mentor_home(karin, date(2026, 12, 7)).week.mentor_times
    assert moved.starts_at.date() == date(2026, 12, 9) and moved.moved_from is not None

    # The autumn break (2–6 November): no mentor time that week.
    assert mentor_home(karin, date(2026, 11, 4)).week.mentor_times == []


def test_follow_ups_due_by_the_weeks_end_marked_overdue_when_passed(app):
    seed_week(app, on=date(2026, 12, 3))  # a Thursday
    with app.app_context():
        week = mentor_home(user("mentor@example.org"), date(2026, 12, 3)).week
        goals = {g.text: (g.due, g.overdue) for g in week.goals}
        notes = {n.text: (n.due, n.overdue) for n in week.notes}
    assert goals == {
        "Läsa en bok i månaden": (date(2026, 11, 27), True),
        "Lämna in läxorna i tid": (date(2026, 12, 3), False),
    }
    assert notes == {"Ringa tillbaka om skolskjutsen": (date(2026, 12, 4), False)}
