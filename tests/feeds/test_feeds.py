"""Calendar feeds: valid RFC 5545 that calendar apps expand correctly, stable, private."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
import vobject
from icalendar import Calendar
from sqlalchemy import select

from app.db_types import utcnow
from app.extensions import db
from app.feeds import links
from app.feeds.models import FeedToken
from app.leave.models import LeaveRequest
from app.mentortime import schedule
from app.mentortime.models import MentorTime
from app.people.models import Guardianship, Student, User
from app.school.models import DayOff, SchoolYear
from app.talks import booking as talk_logic
from app.talks.models import TalkPeriod, TalkSlot
from app.talks.slots import future_open_slots
from tests.talks.helpers import student, user

STHLM = ZoneInfo("Europe/Stockholm")


def _link(app, email: str, student_id: int | None = None) -> str:
    with app.app_context():
        secret = links.create(user(email), student_id).secret
        db.session.commit()
    return f"/feeds/{secret}.ics"


def _get(client, path, **headers):
    response = client.get(path, headers=headers)
    assert response.status_code in (200, 304), response.status_code
    return response


def _calendar(client, path) -> Calendar:
    response = _get(client, path)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.data.decode()
    vobject.readOne(body)  # an independent parser accepts it too
    return Calendar.from_ical(response.data)


def test_calendar_properties(app, client):
    cal = _calendar(client, _link(app, "guardian@example.org"))
    assert str(cal["prodid"]) == "-//Mentorskap//Mentorskap//SV" and str(cal["version"]) == "2.0"
    assert str(cal["x-wr-calname"]) == "Mentorskap – Anna Karlsson"
    text = cal.to_ical().decode()
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text and "X-PUBLISHED-TTL:PT1H" in text
    assert cal.walk("VTIMEZONE")[0]["tzid"] == "Europe/Stockholm"
    for event in cal.walk("VEVENT"):
        for prop in ("uid", "dtstamp", "sequence", "last-modified", "dtstart"):
            assert prop in event, (prop, event["summary"])


def test_mentor_time_expands_skipping_days_off_and_keeping_local_time(app, client):
    cal = _calendar(client, _link(app, "guardian@example.org"))
    with app.app_context():
        mt = db.session.scalar(
            select(MentorTime).join(MentorTime.group).where(MentorTime.group.has(name="7A"))
        )
        expected = [
            o.starts_at
            for o in schedule.occurrences(mt, date(2026, 10, 1), date(2026, 12, 20))
            if not o.cancelled
        ]
    events = [
        e
        for e in recurring_ical_events.of(cal).between(date(2026, 10, 1), date(2026, 12, 21))
        if str(e["uid"]).startswith("mentortime-") and "7A" in str(e["summary"])
    ]
    starts = sorted(e["dtstart"].dt for e in events)
    assert starts == sorted(expected)
    local = {s.astimezone(STHLM).time() for s in starts}
    assert local == {time(8, 20)}  # before and after the DST change on 25 October
    days = {s.astimezone(STHLM).date() for s in starts}
    assert date(2026, 11, 3) not in days and date(2026, 10, 27) in days  # höstlov skipped


def test_moved_mentor_time_is_an_override_and_sequence_rises(app, client):
    path = _link(app, "guardian@example.org")
    first = _get(client, path)
    with app.app_context():
        mt = db.session.scalar(select(MentorTime).where(MentorTime.group.has(name="7A")))
        day = schedule.occurrences(
            mt, date.today() + timedelta(days=1), date.today() + timedelta(days=30)
        )[1].regular_date
        schedule.save_occurrence(mt, day, {"moved_start": time(10, 0), "moved_room": "Aulan"}, None)
        schedule.save_occurrence(mt, day, {"agenda": "Tema: studiero"}, None)
        db.session.commit()
        mt_id = mt.id
    second = _get(client, path)
    assert second.headers["ETag"] != first.headers["ETag"]
    cal = Calendar.from_ical(second.data)
    override = next(
        e
        for e in cal.walk("VEVENT")
        if "recurrence-id" in e
        and str(e["uid"]).startswith(f"mentortime-{mt_id}")
        and e["recurrence-id"].dt.astimezone(STHLM).date() == day
    )
    assert override["recurrence-id"].dt.astimezone(STHLM).time() == time(8, 20)
    assert override["dtstart"].dt.astimezone(STHLM).time() == time(10, 0)
    assert str(override["location"]) == "Aulan" and override["sequence"] == 2
    expanded = [
        e
        for e in recurring_ical_events.of(cal).at(day)
        if str(e["uid"]).startswith(f"mentortime-{mt_id}")
    ]
    assert [e["dtstart"].dt.astimezone(STHLM).time() for e in expanded] == [time(10, 0)]


def test_uids_are_stable_and_304_only_when_unchanged(app, client):
    path = _link(app, "guardian@example.org")
    first = _get(client, path)
    again = _get(client, path)

    def uids(response):
        return sorted(
            str(e["uid"]) + str(e.get("recurrence-id", ""))
            for e in Calendar.from_ical(response.data).walk("VEVENT")
        )

    assert uids(first) == uids(again) and first.data == again.data
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    not_modified = _get(client, path, **{"If-None-Match": etag})
    assert not_modified.status_code == 304 and not not_modified.data
    # The same validators and caching rules as the full answer, not the rules for pages.
    for header in ("ETag", "Cache-Control"):
        assert not_modified.headers[header] == first.headers[header], header
    assert _get(client, path, **{"If-Modified-Since": modified}).status_code == 304
    with app.app_context():  # a new booking changes the feed
        period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group.has(name="7A")))
        talk_logic.book(
            user("guardian@example.org"), student("Oskar"), period, future_open_slots(period)[0].id
        )
        db.session.commit()
    changed = _get(client, path, **{"If-None-Match": etag})
    assert changed.status_code == 200 and "Utvecklingssamtal: Oskar" in changed.data.decode()
    assert _get(client, path, **{"If-Modified-Since": modified}).status_code == 200


def _approved_leave() -> LeaveRequest:
    return db.session.scalar(select(LeaveRequest).where(LeaveRequest.status == "approved"))


def _reject_the_approved_leave():
    leave = _approved_leave()
    leave.status, leave.decided_at = "rejected", utcnow()


def _add_a_study_day():
    for year in db.session.scalars(select(SchoolYear)):
        day = year.end_date - timedelta(days=20)
        db.session.add(
            DayOff(
                school_year=year, name="Studiedag", kind="study_day", start_date=day, end_date=day
            )
        )


def _remove_a_talk_slot():
    slot = db.session.scalar(
        select(TalkSlot).where(
            TalkSlot.mentor_id == user("mentor@example.org").id, TalkSlot.removed_at.is_(None)
        )
    )
    slot.removed_at, slot.removed_reason = utcnow(), "Sjuk"


@pytest.mark.parametrize(
    "whose, change",
    [
        (
            lambda: _approved_leave().student.guardianships[0].guardian.email,
            _reject_the_approved_leave,
        ),
        (lambda: "student@example.org", _add_a_study_day),
        (lambda: "mentor@example.org", _remove_a_talk_slot),
    ],
    ids=["leave decided", "day off added", "talk slot removed"],
)
def test_every_kind_of_change_gives_a_new_etag(app, client, whose, change):
    with app.app_context():
        email = whose()
    path = _link(app, email)
    etag = _get(client, path).headers["ETag"]
    assert _get(client, path, **{"If-None-Match": etag}).status_code == 304
    with app.app_context():
        change()
        db.session.commit()
    changed = _get(client, path, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_talk_booking_confirmed_then_cancelled_with_same_uid(app, client):
    path = _link(app, "guardian2@example.org")
    with app.app_context():
        period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group.has(name="7A")))
        b = talk_logic.book(
            user("guardian2@example.org"), student("Oskar"), period, future_open_slots(period)[0].id
        )
        db.session.commit()
        booking_id = b.id
    event = next(
        e
        for e in _calendar(client, path).walk("VEVENT")
        if str(e["uid"]) == f"talk-booking-{booking_id}@mentorskap"
    )
    assert str(event["status"]) == "CONFIRMED" and event["dtstart"].dt.tzinfo is not None
    with app.app_context():
        from app.talks.models import TalkBooking

        talk_logic.cancel(db.session.get(TalkBooking, booking_id), user("guardian2@example.org"))
        db.session.commit()
    event = next(
        e
        for e in _calendar(client, path).walk("VEVENT")
        if str(e["uid"]) == f"talk-booking-{booking_id}@mentorskap"
    )
    assert str(event["status"]) == "CANCELLED" and event["sequence"] == 1


def test_approved_leave_is_all_day_with_exclusive_end_and_no_note(app, client):
    with app.app_context():
        approved = db.session.scalar(select(LeaveRequest).where(LeaveRequest.status == "approved"))
        approved.note = "Hemlig anledning"
        guardian = approved.student.guardianships[0].guardian
        db.session.commit()
        email, start, end = guardian.email, approved.start_date, approved.end_date
    cal = _calendar(client, _link(app, email))
    leave = next(e for e in cal.walk("VEVENT") if str(e["uid"]).startswith("leave-"))
    assert leave["dtstart"].dt == start and leave["dtend"].dt == end + timedelta(days=1)
    assert "Hemlig anledning" not in cal.to_ical().decode()


def test_days_off_are_all_day(app, client):
    cal = _calendar(client, _link(app, "student@example.org"))
    hostlov = next(e for e in cal.walk("VEVENT") if str(e["summary"]) == "Höstlov")
    assert hostlov["dtstart"].dt == date(2026, 11, 2) and hostlov["dtend"].dt == date(2026, 11, 7)


def test_mentor_feed_has_own_slots_with_booked_first_names(app, client):
    cal = _calendar(client, _link(app, "mentor@example.org"))
    summaries = [
        str(e["summary"]) for e in cal.walk("VEVENT") if str(e["uid"]).startswith("talk-slot-")
    ]
    assert summaries and "Ledig samtalstid" in summaries
    with app.app_context():
        from app.talks.models import TalkBooking, TalkSlot

        own = db.session.scalars(
            select(TalkBooking)
            .join(TalkSlot, TalkSlot.id == TalkBooking.active_slot_id)
            .where(TalkSlot.mentor_id == user("mentor@example.org").id)
        ).all()
        expected = sorted(
            "Utvecklingssamtal"
            if b.student.protected_identity
            else f"Utvecklingssamtal: {b.student.first_name}"
            for b in own
        )
    booked = sorted(s for s in summaries if s.startswith("Utvecklingssamtal"))
    assert booked == expected and all(len(s.split()) <= 2 for s in booked)  # first names only


def test_tokens_are_private_revocable_and_per_child(app, client):
    assert client.get("/feeds/not-a-token.ics").status_code == 404
    with app.app_context():
        elsa = student("Elsa").id
    old = _link(app, "guardian@example.org", elsa)
    assert client.get(old).status_code == 200  # its scope is now cached
    new = _link(app, "guardian@example.org", elsa)
    assert client.get(old).status_code == 404  # revoked by the new link, cache or not
    body = _get(client, new).data.decode()
    assert "Elsa" in body and "Oskar" not in body and "7A" not in body
    # Another guardian's link never shows Anna's children.
    johan = _get(client, _link(app, "guardian2@example.org")).data.decode()
    assert "Elsa" not in johan


def test_rate_limit_is_per_link(make_app):
    app = make_app(RATELIMIT_ENABLED=True, FEED_RATE_LIMIT="3 per minute")
    client = app.test_client()
    looping, other = _link(app, "guardian@example.org"), _link(app, "mentor@example.org")
    answers = [client.get(looping) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 60
    # Calendar services fetch many people's links from one address: others still work.
    assert client.get(other).status_code == 200


def test_only_a_guardian_makes_a_child_feed(app, login_as):
    from tests.conftest import post_form

    with app.app_context():
        elsa = student("Elsa").id
    response = post_form(
        login_as("other_guardian"), "/calendar/links", {"student_id": str(elsa)}, page="/calendar"
    )
    assert response.status_code == 404


def test_protected_identity_has_no_group_or_room_in_feeds(app, client):
    with app.app_context():
        protected = db.session.scalar(select(Student).where(Student.protected_identity))
        guardian = db.session.scalar(
            select(User)
            .join(Guardianship, Guardianship.guardian_id == User.id)
            .where(Guardianship.student_id == protected.id)
        )
        email = guardian.email
    body = _get(client, _link(app, email)).data.decode()
    assert "BEGIN:VEVENT" in body and "Mentorstid" in body
    assert "7A" not in body and "Klassrum" not in body and "Lindbacka" not in body


def test_calendar_page_shows_a_new_link_once(app, login_as):
    from tests.conftest import post_form

    client = login_as("guardian")
    post_form(client, "/calendar/links", {}, page="/calendar")
    page = client.get("/calendar").get_data(as_text=True)
    assert 'href="webcal://' in page and ".ics" in page
    again = client.get("/calendar").get_data(as_text=True)
    assert "webcal://" not in again and "Du har en länk" in again


def test_an_unchanged_feed_is_answered_with_one_statement(make_app):
    """The 304 a calendar app gets most often: the link's validity, its rate limit and the
    content fingerprint come from one statement, which reads: no UPDATE, and no BEGIN or
    COMMIT around it (no write lock taken, nothing for other workers to wait on)."""
    from sqlalchemy import event

    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    path = _link(app, "guardian@example.org")
    etag = _get(client, path).headers["ETag"]
    with app.app_context():
        # The look's connections are opened through their engine (none is open yet).
        engines = [db.engine, app.extensions["feed_not_modified"].reads().engine]
    if engines[0].dialect.name != "sqlite":
        pytest.skip("counts statements with SQLite's trace callback")
    statements: list[str] = []

    def trace(dbapi_connection, _record, _proxy):
        dbapi_connection.set_trace_callback(statements.append)

    for engine in engines:
        event.listen(engine, "checkout", trace)
    try:
        assert _get(client, path, **{"If-None-Match": etag}).status_code == 304
    finally:
        for engine in engines:
            event.remove(engine, "checkout", trace)
    assert len(statements) == 1, statements
    assert not re.search(r"\bUPDATE\b", statements[0], re.I), statements[0]
    assert "SELECT" in statements[0] and "FROM feed_token WHERE" in statements[0]


def test_the_look_keeps_its_connection_for_the_next_304(app, client):
    """The look's connection is given back to the middleware's own list, not to a pool:
    one connection answers every 304 in turn, and one that fails is closed, not kept."""
    from sqlalchemy import event

    path = _link(app, "guardian@example.org")
    etag = _get(client, path).headers["ETag"]
    reads = app.extensions["feed_not_modified"].reads()
    opened: list[object] = []
    event.listen(reads.engine, "connect", lambda dbapi, _record: opened.append(dbapi))
    for _ in range(3):
        assert _get(client, path, **{"If-None-Match": etag}).status_code == 304
    assert len(opened) == 1 and [c.dbapi_connection for c in reads.idle] == opened

    opened[0].close()  # a connection that fails: the view answers, and it is dropped
    assert _get(client, path, **{"If-None-Match": etag}).status_code == 304
    assert reads.idle == []
    assert _get(client, path, **{"If-None-Match": etag}).status_code == 304
    assert len(opened) == 2 and [c.dbapi_connection for c in reads.idle] == opened[1:]


def _flask_requests(app):
    """Collects the requests Flask itself handled (not those answered before it)."""
    from flask import request_started

    seen: list[str] = []

    def started(sender, **extra):
        from flask import request

        seen.append(request.path)

    request_started.connect(started, app, weak=False)
    return seen


def test_an_unchanged_feed_is_answered_before_flask_with_the_views_headers(app, client):
    path = _link(app, "guardian@example.org")
    first = _get(client, path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    seen = _flask_requests(app)
    fast = client.get(path, headers={"If-None-Match": etag})
    assert fast.status_code == 304 and seen == [] and fast.data == b""
    # The view's own 304 (If-Modified-Since is answered there) has the same headers.
    slow = client.get(path, headers={"If-Modified-Since": modified})
    assert slow.status_code == 304 and seen == [path]
    assert sorted(fast.headers.items()) == sorted(slow.headers.items())
    assert "Content-Security-Policy" in fast.headers and fast.headers["ETag"] == etag
    # Behind https, the Strict-Transport-Security header too, as the view sends it.
    secure = client.get(path, headers={"If-None-Match": etag}, base_url="https://localhost")
    secure_slow = client.get(
        path, headers={"If-Modified-Since": modified}, base_url="https://localhost"
    )
    assert secure.status_code == secure_slow.status_code == 304 and len(seen) == 2
    assert "max-age=" in secure.headers["Strict-Transport-Security"]
    assert sorted(secure.headers.items()) == sorted(secure_slow.headers.items())


def test_what_is_not_an_unchanged_feed_goes_to_the_view(app, client):
    path = _link(app, "guardian@example.org")
    etag = _get(client, path).headers["ETag"]
    seen = _flask_requests(app)
    # Another ETag: the whole feed, from the view.
    other = client.get(path, headers={"If-None-Match": '"0123"'})
    assert other.status_code == 200 and b"BEGIN:VCALENDAR" in other.data
    # An unknown link: the view's 404 (which counts the guess against the address).
    unknown = app.test_client().get("/feeds/" + "x" * 32 + ".ics", headers={"If-None-Match": etag})
    assert unknown.status_code == 404
    # A changed feed: the view answers and records the change.
    with app.app_context():
        guardian = user("guardian@example.org")
        child = db.session.scalar(
            select(Student)
            .join(Guardianship, Guardianship.student_id == Student.id)
            .where(Guardianship.guardian_id == guardian.id)
        )
        child.protected_identity = not child.protected_identity
        db.session.commit()
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert seen == [path, "/feeds/" + "x" * 32 + ".ics", path]
    # Once the change is recorded, the new ETag is answered before Flask again.
    again = client.get(path, headers={"If-None-Match": changed.headers["ETag"]})
    assert again.status_code == 304 and len(seen) == 3


def test_a_feed_request_is_counted_once_wherever_it_is_answered(make_app):
    """The view counts what reaches it once (the look before Flask counts nothing, and
    hands nothing over); a matching 304 before Flask is not counted."""
    app = make_app(RATELIMIT_ENABLED=True, FEED_RATE_LIMIT="3 per minute")
    client = app.test_client()
    path = _link(app, "guardian@example.org")
    etag = _get(client, path).headers["ETag"]  # 1
    answers = [
        client.get(path, headers={"If-None-Match": '"other"'}).status_code,  # 2, the view
        client.get(path, headers={"If-None-Match": etag}).status_code,  # before Flask
        client.get(path, headers={"If-None-Match": etag}).status_code,  # before Flask
        client.get(path).status_code,  # 3, the view
        client.get(path).status_code,  # 4: over the limit
    ]
    assert answers == [200, 304, 304, 200, 429]
    assert _hits(app, path) == 4


def _hits(app, path: str) -> int:
    """The requests counted on the link's row in its current window."""
    secret = path.removeprefix("/feeds/").removesuffix(".ics")
    with app.app_context():
        return db.session.scalar(
            select(FeedToken.hits).where(FeedToken.token_hash == links.digest(secret))
        )


def test_matching_304s_are_not_counted_and_never_refuse_the_link(make_app):
    """A calendar that holds the current content's ETag may ask as often as it likes: each
    answer is one read before Flask, counted nowhere, and the link keeps its allowance
    for full answers."""
    app = make_app(RATELIMIT_ENABLED=True, FEED_RATE_LIMIT="3 per minute")
    client = app.test_client()
    path = _link(app, "guardian@example.org")
    etag = _get(client, path).headers["ETag"]  # counted: 1
    seen = _flask_requests(app)
    answers = {client.get(path, headers={"If-None-Match": etag}).status_code for _ in range(30)}
    assert answers == {304} and seen == []
    assert _hits(app, path) == 1
    # Full answers are counted and limited as before.
    assert [client.get(path).status_code for _ in range(3)] == [200, 200, 429]
    assert _hits(app, path) == 4


def test_a_link_refused_in_its_window_is_refused_with_a_matching_etag_too(make_app):
    """A looping link stays refused until its window ends: its conditional requests go to
    the view, which counts them and answers 429."""
    app = make_app(RATELIMIT_ENABLED=True, FEED_RATE_LIMIT="2 per minute")
    client = app.test_client()
    path = _link(app, "guardian@example.org")
    etag = _get(client, path).headers["ETag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert [client.get(path).status_code for _ in range(2)] == [200, 429]
    seen = _flask_requests(app)
    refused = client.get(path, headers={"If-None-Match": etag})
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    assert seen == [path] and _hits(app, path) == 4


def test_the_view_answers_and_counts_a_matching_etag_without_the_middleware(make_app):
    """The view does not depend on the look before Flask: alone, it answers the same 304
    and counts it, once."""
    app = make_app(RATELIMIT_ENABLED=True, FEED_RATE_LIMIT="3 per minute")
    app.wsgi_app = app.extensions["feed_not_modified"].wsgi_app
    client = app.test_client()
    path = _link(app, "guardian@example.org")
    etag = _get(client, path).headers["ETag"]
    answers = [client.get(path, headers={"If-None-Match": etag}).status_code for _ in range(3)]
    assert answers == [304, 304, 429] and _hits(app, path) == 4


def test_no_304_for_a_revoked_link_or_an_inactive_user(app, client):
    old = _link(app, "guardian@example.org")
    etag = _get(client, old).headers["ETag"]
    assert client.get(old, headers={"If-None-Match": etag}).status_code == 304
    new = _link(app, "guardian@example.org")  # revokes the old one
    assert client.get(old, headers={"If-None-Match": etag}).status_code == 404
    etag = _get(client, new).headers["ETag"]
    assert client.get(new, headers={"If-None-Match": etag}).status_code == 304
    with app.app_context():
        user("guardian@example.org").active = False
        db.session.commit()
    assert client.get(new, headers={"If-None-Match": etag}).status_code == 404


def test_unknown_links_with_an_etag_are_counted_against_the_address(make_app):
    from app.throttle import RULES, Rule

    rules = {**RULES, "feed.address": Rule(free=3, window=3600)}
    app = make_app(RATELIMIT_ENABLED=True, THROTTLE_RULES=rules)
    client = app.test_client()
    etag = _get(client, _link(app, "guardian@example.org")).headers["ETag"]
    codes = [
        client.get(f"/feeds/guess{i}.ics", headers={"If-None-Match": etag}).status_code
        for i in range(5)
    ]
    assert codes == [404, 404, 404, 429, 429]


def test_a_304_does_not_wait_for_a_writer_and_leaves_no_transaction_open(app, client):
    """The look takes no write lock, so it is answered while another connection holds
    one (on SQLite the database's, on PostgreSQL the link's row), and it leaves its
    connection outside any transaction."""
    import threading

    from sqlalchemy import text

    path = _link(app, "guardian@example.org")
    etag = _get(client, path).headers["ETag"]
    secret = path.removeprefix("/feeds/").removesuffix(".ics")
    answers: list[int] = []
    with app.app_context():
        writer = db.engine.connect()
        try:
            writer.execute(
                text("UPDATE feed_token SET hits = hits + 1 WHERE token_hash = :h"),
                {"h": links.digest(secret)},
            )
            ask = threading.Thread(
                target=lambda: answers.append(
                    client.get(path, headers={"If-None-Match": etag}).status_code
                )
            )
            ask.start()
            ask.join(timeout=3)  # SQLite's busy timeout is 5 s; PostgreSQL waits forever
            finished = not ask.is_alive()
        finally:
            writer.rollback()
            writer.close()
        ask.join()
    assert finished and answers == [304]
    # The connection that answered, given back for the next look.
    reads = app.extensions["feed_not_modified"].reads()
    assert len(reads.idle) == 1
    dbapi = reads.idle[0].dbapi_connection
    if reads.dialect.name == "sqlite":
        assert not dbapi.in_transaction
    else:
        import psycopg

        assert dbapi.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_the_feed_statements_read_no_table_whole(app):
    """Both statements find every row through an index: their work does not grow with the
    number of students, users or bookings in the database (SQLite's plan; only the
    statement's own small sets are scanned)."""
    from app.feeds import feed

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("reads SQLite's query plan")
        for kind in ("refresh", "look"):
            query = feed._query(db.engine.dialect, kind)
            values = {"token_hash": "x", "now": 0.0, "window_end": 0.0}
            plan = db.session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + query.sql, tuple(values[n] for n in query.names)
            )
            scans = {
                row[3].split()[1]
                for row in plan
                if row[3].startswith("SCAN ") and "INDEX" not in row[3]
            }
            assert scans <= {"link", "students", "mentored", "grps", "x"}, (kind, scans)


def test_a_cookie_or_https_redirect_leaves_the_feed_to_the_view(app, client, make_app):
    path = _link(app, "guardian@example.org")
    etag = _get(client, path).headers["ETag"]
    seen = _flask_requests(app)
    # A request with the app's session cookie is left to Flask (its session handling may
    # write); another cookie is not.
    client.set_cookie("other", "whatever")
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert seen == []
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], "whatever")
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert seen == [path]

    app = make_app(FORCE_HTTPS=True)
    client = app.test_client()
    path = _link(app, "guardian@example.org")
    etag = client.get(path, base_url="https://localhost").headers["ETag"]
    # Over http, Talisman's redirect to https comes first, as for every page.
    plain = client.get(path, headers={"If-None-Match": etag})
    assert plain.status_code in (301, 302)
    assert plain.headers["Location"].startswith("https://")


def test_a_changed_scope_changes_the_feed_at_once(app, client):
    """No scope is cached: a new child or a child's protected identity shows at once."""
    path = _link(app, "guardian@example.org")
    etag = _get(client, path).headers["ETag"]
    with app.app_context():
        guardian = user("guardian@example.org")
        other = db.session.scalar(
            select(Student).where(
                Student.id.not_in(
                    select(Guardianship.student_id).where(Guardianship.guardian_id == guardian.id)
                )
            )
        )
        db.session.add(Guardianship(guardian_id=guardian.id, student_id=other.id))
        db.session.commit()
        name = other.first_name
    changed = _get(client, path, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert name in changed.data.decode()
    etag = changed.headers["ETag"]
    with app.app_context():
        db.session.get(Student, other.id).protected_identity = True
        db.session.commit()
    changed = _get(client, path, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_only_a_replaced_link_is_said_to_have_stopped_working(login_as):
    from tests.conftest import post_form

    client = login_as("guardian")
    first = post_form(client, "/calendar/links", {}, page="/calendar", follow_redirects=True)
    page = first.get_data(as_text=True)
    assert "Din kalenderlänk är klar." in page and "slutat fungera" not in page
    second = post_form(client, "/calendar/links", {}, page="/calendar", follow_redirects=True)
    assert "Den tidigare länken har slutat fungera." in second.get_data(as_text=True)


def test_days_off_and_free_slots_carry_the_time_of_their_last_change(app, client):
    """Not 1 January of the day off's year (a future time for next year's), nor a year
    before the slot: the moment the school added or last changed them."""
    before = utcnow().replace(microsecond=0) - timedelta(seconds=1)
    with app.app_context():
        year = db.session.scalar(select(SchoolYear))
        db.session.add(
            DayOff(
                school_year=year,
                name="Extra studiedag",
                kind="study_day",
                start_date=year.end_date - timedelta(days=30),
                end_date=year.end_date - timedelta(days=30),
            )
        )
        db.session.commit()
    mentor_feed = _calendar(client, _link(app, "mentor@example.org"))
    guardian_feed = _calendar(client, _link(app, "guardian@example.org"))
    after = utcnow() + timedelta(seconds=1)
    days_off = [e for e in guardian_feed.walk("VEVENT") if str(e["uid"]).startswith("dayoff-")]
    extra = next(e for e in days_off if str(e["summary"]) == "Extra studiedag")
    assert before <= extra["dtstamp"].dt <= after
    assert all(e["last-modified"].dt <= after for e in days_off)
    free = [e for e in mentor_feed.walk("VEVENT") if str(e["summary"]) == "Ledig samtalstid"]
    assert free and all(e["last-modified"].dt <= after for e in free)
    assert all(e["dtstart"].dt - e["last-modified"].dt < timedelta(days=300) for e in free)


def test_a_new_link_comes_with_a_qr_code_and_a_copy_button(login_as):
    import re
    from urllib.parse import unquote

    from tests.conftest import post_form

    client = login_as("guardian")
    post_form(client, "/calendar/links", {}, page="/calendar")
    page = client.get("/calendar").get_data(as_text=True)
    qr = re.search(r'<img src="(data:image/svg\+xml[^"]+)" alt="QR-kod för kalenderlänken">', page)
    assert qr and "<svg" in unquote(qr.group(1).replace("&amp;", "&"))
    assert re.search(
        r'<button type="button" class="button" data-copy="link-all" [^>]*hidden>', page
    )
    assert "QR-kod" not in client.get("/calendar").get_data(as_text=True)  # shown once


def test_calendar_page_has_short_steps_for_android_iphone_and_outlook(login_as):
    """In English, the source language: one <details> per app with numbered steps; Android's
    says plainly that Google's app cannot subscribe and where it is done instead."""
    page = login_as("guardian").get("/calendar", headers={"Accept-Language": "en"})
    help_ = page.get_data(as_text=True).split('id="howto"', 1)[1]
    sections = re.findall(r"<details>\s*<summary>(.*?)</summary>(.*?)</details>", help_, re.S)
    assert [name for name, _ in sections] == [
        "Android (Google Calendar)",
        "iPhone (Apple Calendar)",
        "Outlook",
    ]
    android, iphone, outlook = (body for _, body in sections)
    for body in (android, iphone, outlook):
        assert "<ol>" in body and body.count("<li>") >= 2
    assert "cannot add a calendar by its address" in android
    assert "calendar.google.com" in android and "From URL" in android
    assert "Desktop site" in android and "computer" not in android
    assert (
        "Settings → Apps → Calendar → Calendar Accounts → Add Account → Other → "
        "Add Subscribed Calendar" in iphone
    )
    assert "Settings → Calendar → Accounts" in iphone and "Subscribe in the calendar app" in iphone
    assert "Add calendar → Subscribe from web" in outlook
