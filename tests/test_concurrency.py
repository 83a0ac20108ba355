"""Real parallel HTTP requests against a running app (a threaded werkzeug server on the
test's own fresh database, SQLite or PostgreSQL): limits that span requests hold, and a
form sent twice, or a decision made twice, never does the thing twice or answers 500.

Each signed-in demo account is one `Browser` (its own cookies); the forms are read from
the pages as a browser would, hidden fields (CSRF token, send key) included."""

from __future__ import annotations

import http.client
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from sqlalchemy import func, select
from werkzeug.serving import WSGIRequestHandler, make_server

from app.audit import AuditEvent
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.leave.models import LeaveConsent, LeaveRequest
from app.school.calendar import school_days
from app.school.models import MentorGroup, School, SchoolYear
from app.talks.models import TalkBooking
from app.talks.slots import future_open_slots
from tests.conftest import ACCOUNTS
from tests.talks.helpers import make_period, student, user

ATTEMPTS = 50
HIDDEN_RE = re.compile(r"<input[^>]*type=\"hidden\"[^>]*>|<input[^>]*name=\"csrf_token\"[^>]*>")
NAME_RE = re.compile(r'name="([^"]+)"')
VALUE_RE = re.compile(r'value="([^"]*)"')


@dataclass
class Answer:
    status: int
    location: str | None
    text: str


class Browser:
    """One person's browser: cookies kept between its requests, forms read from pages."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return Answer(response.status, response.getheader("Location"), text)
        finally:
            conn.close()

    def hidden_fields(self, page: str) -> dict[str, str]:
        """The hidden inputs of the page's forms (the CSRF token, a form's send key)."""
        answer = self.request("GET", page)
        assert answer.status == 200, (page, answer.status)
        fields = {}
        for tag in HIDDEN_RE.findall(answer.text):
            name, value = NAME_RE.search(tag), VALUE_RE.search(tag)
            if name and value and name.group(1) in ("csrf_token", "submit_key"):
                fields.setdefault(name.group(1), value.group(1))
        assert "csrf_token" in fields, f"no CSRF token on {page}"
        return fields

    def sign_in(self, role: str) -> Browser:
        fields = self.hidden_fields("/login")
        answer = self.request(
            "POST", "/login", {**fields, "email": ACCOUNTS[role], "password": DEMO_PASSWORD}
        )
        assert answer.status == 303, f"{role} could not sign in"
        return self


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@contextmanager
def running(app):
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def all_at_once(calls: list) -> list[Answer]:
    """Run every (browser, method, path, data) at the same moment; the answers in order."""
    barrier = threading.Barrier(len(calls))
    answers: list[Answer | None] = [None] * len(calls)

    def run(i, browser, method, path, data):
        barrier.wait()
        try:
            answers[i] = browser.request(method, path, data)
        except Exception as error:  # a dropped connection counts as a failure
            answers[i] = Answer(599, None, repr(error))

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return answers


def assert_no_server_errors(answers: list[Answer]) -> None:
    statuses = sorted(a.status for a in answers)
    assert all(s < 500 for s in statuses), statuses


def _school_day_ranges(count: int, days_each: int, offset: int = 7) -> list[tuple[date, date]]:
    """`count` non-overlapping ranges of `days_each` school days from `offset` days ahead."""
    year = db.session.scalar(select(SchoolYear))
    start = date.today() + timedelta(days=offset)
    days = school_days(start, year.end_date, year)
    assert len(days) >= count * days_each, "the school year is too short for this test"
    return [(days[i * days_each], days[i * days_each + days_each - 1]) for i in range(count)]


def _pending_requests(student_id: int, ranges, days_each: int, **values) -> list[int]:
    year = db.session.scalar(select(SchoolYear))
    made = [
        LeaveRequest(
            student_id=student_id,
            school_year_id=year.id,
            batch=f"race{i}",
            start_date=start,
            end_date=end,
            reason="travel",
            school_days=days_each,
            decider="mentor",
            **values,
        )
        for i, (start, end) in enumerate(ranges)
    ]
    db.session.add_all(made)
    db.session.commit()
    return [r.id for r in made]


def _decisions(request_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(AuditEvent.object_id, func.count())
        .where(
            AuditEvent.object_type == "leave_request",
            AuditEvent.object_id.in_(request_ids),
            AuditEvent.action.in_(("leave.approved", "leave.rejected")),
        )
        .group_by(AuditEvent.object_id)
    )
    return dict(rows.all())


def test_leave_limit_holds_when_mentor_and_comentor_approve_at_once(app):
    """25 two-day requests for one student, each approved by the mentor and the co-mentor
    at the same moment: the mentors grant at most the school's 3 days; the rest wait for
    the principal."""
    with app.app_context():
        oskar = student("Oskar").id
        limit = db.session.get(School, 1).mentor_max_days
        ids = _pending_requests(oskar, _school_day_ranges(ATTEMPTS // 2, 2), 2)
    with running(app) as port:
        mentor = Browser(port).sign_in("mentor")
        comentor = Browser(port).sign_in("comentor")
        calls = []
        for browser in (mentor, comentor):
            token = browser.hidden_fields("/leave/inbox")["csrf_token"]
            calls += [
                (
                    browser,
                    "POST",
                    f"/leave/{i}/decide",
                    {"csrf_token": token, "decision": "approve"},
                )
                for i in ids
            ]
        answers = all_at_once(calls)
    assert_no_server_errors(answers)
    assert all(a.status == 303 for a in answers), sorted(a.status for a in answers)
    with app.app_context():
        approved = db.session.scalar(
            select(func.coalesce(func.sum(LeaveRequest.school_days), 0)).where(
                LeaveRequest.student_id == oskar, LeaveRequest.status == "approved"
            )
        )
        assert 0 < approved <= limit
        rest = db.session.scalars(
            select(LeaveRequest).where(LeaveRequest.id.in_(ids), LeaveRequest.status != "approved")
        ).all()
        assert all(r.status == "pending" and r.decider == "principal" for r in rest)
        assert all(n == 1 for n in _decisions(ids).values())


def test_a_leave_application_sent_many_times_makes_one_request_per_send(app):
    """Five applications, each sent ten times at once (double taps, two tabs): one request
    for each, and every send is shown the request list."""
    with app.app_context():
        oskar = student("Oskar").id
        ranges = _school_day_ranges(5, 1, offset=10)
        before = db.session.scalar(select(func.count()).select_from(LeaveRequest))
    with running(app) as port:
        guardian = Browser(port).sign_in("guardian")
        calls = []
        for start, end in ranges:
            fields = guardian.hidden_fields(f"/leave/new?student={oskar}")
            form = {
                **fields,
                "students": [oskar],
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "reason": "travel",
                "note": "Resa",
                "action": "send",
            }
            calls += [(guardian, "POST", "/leave/new", form)] * (ATTEMPTS // 5)
        answers = all_at_once(calls)
    assert_no_server_errors(answers)
    assert all(a.status == 303 and a.location.endswith("/leave") for a in answers), sorted(
        (a.status, a.location) for a in answers
    )
    with app.app_context():
        made = db.session.scalars(
            select(LeaveRequest).where(LeaveRequest.student_id == oskar)
        ).all()
        assert db.session.scalar(select(func.count()).select_from(LeaveRequest)) == before + 5
        assert sorted(r.start_date for r in made) == [start for start, _ in ranges]


def test_each_request_is_decided_once(app):
    """Ten requests of different students, each decided five times at once by the mentor
    (approve) and the co-mentor (reject): one decision per request, never overwritten."""
    with app.app_context():
        [(start, end)] = _school_day_ranges(1, 1, offset=40)
        group = db.session.scalar(select(MentorGroup).where(MentorGroup.name == "7A"))
        students = [m.student_id for m in group.memberships][:10]
        ids = [_pending_requests(s, [(start, end)], 1)[0] for s in students]
    with running(app) as port:
        mentor = Browser(port).sign_in("mentor")
        comentor = Browser(port).sign_in("comentor")
        m_token = mentor.hidden_fields("/leave/inbox")["csrf_token"]
        c_token = comentor.hidden_fields("/leave/inbox")["csrf_token"]
        calls = []
        for i in ids:
            calls += [
                (
                    mentor,
                    "POST",
                    f"/leave/{i}/decide",
                    {"csrf_token": m_token, "decision": "approve", "comment": "ja"},
                )
            ] * 3
            calls += [
                (
                    comentor,
                    "POST",
                    f"/leave/{i}/decide",
                    {"csrf_token": c_token, "decision": "reject", "comment": "nej"},
                )
            ] * 2
        answers = all_at_once(calls)
    assert_no_server_errors(answers)
    with app.app_context():
        assert _decisions(ids) == dict.fromkeys(ids, 1)
        for r in db.session.scalars(select(LeaveRequest).where(LeaveRequest.id.in_(ids))):
            assert (r.status, r.decision_comment) in (("approved", "ja"), ("rejected", "nej"))


def test_agreeing_many_times_at_once_gives_one_consent(app):
    """The other guardian taps "agree" fifty times at once: no error, one consent."""
    with app.app_context():
        db.session.get(School, 1).leave_requires_all_guardians = True
        oskar = student("Oskar").id
        anna = user(ACCOUNTS["guardian"]).id
        [request_id] = _pending_requests(
            oskar, _school_day_ranges(1, 1, offset=20), 1, needs_consent=True, created_by_id=anna
        )
        db.session.add(LeaveConsent(request_id=request_id, guardian_id=anna))
        db.session.commit()
    with running(app) as port:
        johan = Browser(port).sign_in("other_guardian")
        token = johan.hidden_fields(f"/leave/{request_id}")["csrf_token"]
        answers = all_at_once(
            [(johan, "POST", f"/leave/{request_id}/consent", {"csrf_token": token})] * ATTEMPTS
        )
    assert_no_server_errors(answers)
    assert all(a.status == 303 for a in answers), sorted(a.status for a in answers)
    with app.app_context():
        johan_id = user(ACCOUNTS["other_guardian"]).id
        consents = db.session.scalars(
            select(LeaveConsent.guardian_id).where(LeaveConsent.request_id == request_id)
        ).all()
        assert sorted(consents) == sorted([anna, johan_id])


def test_both_guardians_take_the_same_talk_slot_at_once(app):
    """Oskar's two guardians, in separate households, both book the same time for him,
    25 times each at once: one booking, for him and for the slot."""
    with app.app_context():
        period = make_period("7A")
        oskar = student("Oskar").id
        slot_id = future_open_slots(period)[0].id
        period_id = period.id
        db.session.commit()
    path = f"/talks/periods/{period_id}/students/{oskar}/book/{slot_id}"
    with running(app) as port:
        calls = []
        for role in ("guardian", "other_guardian"):
            browser = Browser(port).sign_in(role)
            fields = browser.hidden_fields(path)
            form = {**fields, "attendees": "Förälder och elev"}
            calls += [(browser, "POST", path, form)] * (ATTEMPTS // 2)
        answers = all_at_once(calls)
    assert_no_server_errors(answers)
    with app.app_context():
        on_slot = db.session.scalar(
            select(func.count()).where(TalkBooking.active_slot_id == slot_id)
        )
        for_oskar = db.session.scalar(
            select(func.count()).where(
                TalkBooking.active_period_id == period_id, TalkBooking.student_id == oskar
            )
        )
        assert on_slot == 1 and for_oskar == 1
    assert sum(a.status == 303 for a in answers) >= 1


def test_a_move_and_a_cancel_confirmed_many_times_at_once_change_the_booking_once(app):
    """Anna confirms moving Oskar's talk and Johan confirms cancelling it, 25 times each at
    once (double taps, two phones): exactly one of them happens, once, with one mail each
    to the guardians; every other send is told, never a 500."""
    from app.outbox import OutboxMessage
    from app.talks import booking as logic

    with app.app_context():
        period = make_period("7A")
        free = future_open_slots(period)
        booking = logic.book(user("guardian@example.org"), student("Oskar"), period, free[0].id)
        db.session.commit()
        booking_id, old, new = booking.id, free[0].id, free[1].id
        mails_before = db.session.scalar(select(func.count(OutboxMessage.id)))
    move = f"/talks/bookings/{booking_id}/move/{new}"
    cancel = f"/talks/bookings/{booking_id}/cancel"
    with running(app) as port:
        anna = Browser(port).sign_in("guardian")
        johan = Browser(port).sign_in("other_guardian")
        calls = [(anna, "POST", move, {**anna.hidden_fields(move), "from_slot": old})] * (
            ATTEMPTS // 2
        )
        calls += [(johan, "POST", cancel, {**johan.hidden_fields(cancel), "slot": old})] * (
            ATTEMPTS // 2
        )
        answers = all_at_once(calls)
    assert_no_server_errors(answers)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.in_(("talk.moved", "talk.cancelled")))
        ).all()
        assert len(actions) == 1
        booking = db.session.get(TalkBooking, booking_id)
        if actions == ["talk.moved"]:
            assert booking.active and booking.slot_id == new
        else:
            assert not booking.active and booking.slot_id == old
        # One change: one mail to each of Oskar's guardians.
        mails = db.session.scalar(select(func.count(OutboxMessage.id))) - mails_before
        assert mails == 2


def test_mentor_and_comentor_save_the_first_talk_notes_at_once(app):
    """Karin and Jonas both save the first notes of Oskar's talk, 25 times each at once:
    one record, every send answered, never a 500."""
    from app.talks.models import TalkRecord

    with app.app_context():
        period = make_period("7A")
        oskar = student("Oskar").id
        period_id = period.id
        db.session.commit()
    path = f"/talks/periods/{period_id}/students/{oskar}/record"
    with running(app) as port:
        calls = []
        for role in ("mentor", "comentor"):
            browser = Browser(port).sign_in(role)
            form = {**browser.hidden_fields(path), "held": "yes", "notes": f"Notes by {role}"}
            calls += [(browser, "POST", path, form)] * (ATTEMPTS // 2)
        answers = all_at_once(calls)
    assert_no_server_errors(answers)
    with app.app_context():
        records = db.session.scalars(
            select(TalkRecord).where(
                TalkRecord.period_id == period_id, TalkRecord.student_id == oskar
            )
        ).all()
        assert len(records) == 1
        assert records[0].notes in ("Notes by mentor", "Notes by comentor")


def test_teachers_saving_the_same_students_input_at_once_make_one_row(app):
    """Teaching: Maja saves Oskar's English 25 times at once and a second English teacher
    25 times too (double clicks, two tabs, a shared subject): one row, every send
    answered, never a 500."""
    from app.people.models import Staff
    from app.teaching.models import TeacherInput, TeachingAssignment
    from tests.teaching.helpers import group, period_of

    with app.app_context():
        period_id = period_of("7A").id
        oskar = student("Oskar").id
        sara = user("mentor8b@example.org")
        db.session.add(TeachingAssignment(group=group("7A"), subject="EN", teacher=sara))
        assert db.session.scalar(select(Staff.id).where(Staff.user_id == sara.id))
        db.session.execute(
            TeacherInput.__table__.delete().where(
                TeacherInput.student_id == oskar, TeacherInput.subject == "EN"
            )
        )
        db.session.commit()
    page = f"/teaching/periods/{period_id}/input/EN"
    path = f"{page}/students/{oskar}"
    with running(app) as port:
        calls = []
        for role, status in (("teacher", "at_risk"), ("other_mentor", "needs_support")):
            browser = Browser(port).sign_in(role)
            form = {**browser.hidden_fields(page), "status": status, "comment": role}
            calls += [(browser, "POST", path, form)] * (ATTEMPTS // 2)
        answers = all_at_once(calls)
    assert_no_server_errors(answers)
    assert {a.status for a in answers} == {303}
    with app.app_context():
        rows = db.session.scalars(
            select(TeacherInput).where(
                TeacherInput.period_id == period_id,
                TeacherInput.student_id == oskar,
                TeacherInput.subject == "EN",
            )
        ).all()
        assert len(rows) == 1
        assert (rows[0].status, rows[0].comment) in (
            ("at_risk", "teacher"),
            ("needs_support", "other_mentor"),
        )
