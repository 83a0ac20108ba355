"""Twenty guardians take the same slot at the same moment, over real HTTP against a
threaded server: exactly one booking, and everyone else sees "just taken"."""

from __future__ import annotations

import http.client
import re
import threading
from urllib.parse import urlencode

from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.extensions import db
from app.people.passwords import hash_password
from app.talks.models import TalkBooking, TalkPeriod
from app.talks.slots import future_open_slots
from tests.conftest import csrf_token, sign_in

CONTENDERS = 20


def _prepare(app):
    """Give the first guardian of 20 unbooked 7A students a password; pick a free slot."""
    with app.app_context():
        period = db.session.scalar(
            select(TalkPeriod).join(TalkPeriod.group).where(TalkPeriod.group.has(name="7A"))
        )
        booked = set(
            db.session.scalars(
                select(TalkBooking.student_id).where(TalkBooking.active_period_id == period.id)
            )
        )
        students = [m.student for m in period.group.memberships if m.student_id not in booked][
            :CONTENDERS
        ]
        password = hash_password("race password 1")
        people = []
        for student in students:
            guardian = student.guardianships[0].guardian
            guardian.password_hash = password
            people.append((guardian.email, student.id))
        slot_id = future_open_slots(period)[0].id
        db.session.commit()
        return period.id, slot_id, people


def test_exactly_one_of_twenty_simultaneous_bookings_wins(app):
    period_id, slot_id, people = _prepare(app)
    # Each contender signs in and opens the confirm page, as a browser would.
    prepared = []
    for email, student_id in people:
        client = app.test_client()
        assert sign_in(client, email, "race password 1").status_code == 303
        path = f"/talks/periods/{period_id}/students/{student_id}/book/{slot_id}"
        token = csrf_token(client, path)
        cookie = client.get_cookie("session").value
        prepared.append((path, token, cookie))

    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    start = threading.Barrier(len(prepared))
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def contend(path, token, cookie):
        body = urlencode({"csrf_token": token, "attendees": "Förälder och elev"})
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        start.wait()
        conn.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"session={cookie}",
            },
        )
        response = conn.getresponse()
        text = response.read().decode()
        with lock:
            results.append((response.status, text))
        conn.close()

    threads = [threading.Thread(target=contend, args=p) for p in prepared]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    server.shutdown()

    statuses = sorted(status for status, _ in results)
    assert statuses.count(303) == 1, statuses
    assert statuses.count(409) == len(prepared) - 1, statuses
    losers = [text for status, text in results if status == 409]
    assert all("Någon annan hann boka den tiden" in text for text in losers)
    # The loser's page offers the remaining free times, not the taken one.
    offered = re.findall(r'action="/talks/periods/\d+/students/\d+/book/(\d+)"', losers[0])
    assert str(slot_id) not in offered, (slot_id, offered)
    assert offered  # and the remaining free times instead
    with app.app_context():
        active = db.session.scalar(
            select(func.count()).where(TalkBooking.active_slot_id == slot_id)
        )
        assert active == 1
