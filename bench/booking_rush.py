"""Booking rush: the evening booking opens and every guardian books at once.

Builds a fresh database (the demo school plus a group of N students, each with one
guardian, and a talk period with N free times), starts the app under gunicorn with
2 workers on loopback, signs the guardians in, and then lets them all open the
period and book at the same moment, retrying on "just taken" (at most 5 times).
Guardians favour the first times shown, as people do, so many collide.

Prints requests, p50/p95/p99 latency, errors (5xx, timeouts), double bookings (must
be 0), and the throughput of a trivial route (/healthz) measured in the same run,
with the ratio. Not a test: run it and read the figures.

    .venv/bin/python bench/booking_rush.py [--guardians 1000] [--concurrency 50]
    DATABASE_URL=postgresql://... .venv/bin/python bench/booking_rush.py   # on PostgreSQL
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    Browser,
    Stats,
    database_url,
    empty_schema,
    measure,
    start_gunicorn,
)

PASSWORD = "rush password 1"
GROUP_SIZE = 28
SLOTS_PER_GROUP = 34  # a few more times than students, as mentors publish
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
SLOT_LINK = re.compile(r'href="(/talks/periods/\d+/students/\d+/book/\d+)"')
SLOT_FORM = re.compile(r'action="(/talks/periods/\d+/students/\d+/book/\d+)"')


# --- data ---------------------------------------------------------------------------


def build_database(url: str, guardians: int) -> list[tuple[str, int, int]]:
    """The demo school plus N students in groups of 28 (as a municipality's school has),
    each student with one guardian, each group with a talk period of 34 free times."""
    from flask_migrate import upgrade

    from app import create_app
    from app.db_types import utcnow
    from app.demo import build_demo
    from app.extensions import db
    from app.people.models import Guardianship, Staff, Student, User
    from app.people.passwords import hash_password
    from app.school.models import GroupMembership, GroupMentor, MentorGroup, SchoolYear
    from app.talks import slots as slot_logic
    from app.talks.models import TalkPeriod

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    people = []
    with app.app_context():
        empty_schema(db, url)
        upgrade()
        build_demo()
        year = db.session.scalar(db.select(SchoolYear))
        term = year.terms[-1]
        password = hash_password(PASSWORD)  # production parameters, as at a real sign-in
        now = utcnow()
        day = date.today() + timedelta(days=3)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        for g in range(math.ceil(guardians / GROUP_SIZE)):
            group = MentorGroup(school_year=year, name=f"R{g + 1}")
            mentor = User(email=f"rush.mentor{g}@example.org", name=f"Mentor {g}")
            db.session.add_all([group, mentor])
            db.session.add(Staff(user=mentor, school_id=year.school_id, role="teacher"))
            db.session.add(GroupMentor(group=group, user=mentor))
            students = []
            for i in range(min(GROUP_SIZE, guardians - len(people) - len(students))):
                n = g * GROUP_SIZE + i
                student = Student(
                    school_id=year.school_id, first_name=f"Elev{n}", last_name="Rusning"
                )
                guardian = User(
                    email=f"rush{n}@example.net", name=f"Förälder {n}", password_hash=password
                )
                db.session.add_all([student, guardian])
                db.session.add(GroupMembership(group=group, student=student))
                db.session.add(Guardianship(guardian=guardian, student=student))
                students.append((guardian, student))
            period = TalkPeriod(
                group=group,
                term=term,
                title="Utvecklingssamtal",
                booking_opens_at=now - timedelta(minutes=1),
                booking_closes_at=now + timedelta(days=7),
            )
            db.session.add(period)
            db.session.flush()
            times = slot_logic.generate([day], dtime(8, 0), dtime(18, 0), 15)[:SLOTS_PER_GROUP]
            slot_logic.publish(period, mentor, times, "site", f"Rum {g + 1}")
            people.extend((gu.email, st.id, period.id) for gu, st in students)
        db.session.commit()
    return people


def sign_in(browser: Browser, email: str, stats: Stats) -> bool:
    status, page, elapsed = browser.request("GET", "/login")
    stats.add(status, elapsed)
    token = CSRF.search(page).group(1)
    status, _, elapsed = browser.request(
        "POST", "/login", {"csrf_token": token, "email": email, "password": PASSWORD}
    )
    stats.add(status, elapsed)
    return status == 303


ATTEMPTS = 12


def book(
    browser: Browser, period_id: int, student_id: int, stats: Stats, rng: random.Random
) -> str:
    status, page, elapsed = browser.request(
        "GET", f"/talks/periods/{period_id}/students/{student_id}/book"
    )
    stats.add(status, elapsed)
    links = SLOT_LINK.findall(page)
    if not links:
        return "no-slot"
    target = rng.choice(links[:8])  # the first times shown are everyone's favourites
    status, page, elapsed = browser.request("GET", target)
    stats.add(status, elapsed)
    token = CSRF.search(page).group(1)
    # Every 409 offers the times still free, and the guardian picks again, as a person
    # would: with 200 guardians aiming at the first eight times a few need several tries.
    for _ in range(ATTEMPTS):
        form = {"csrf_token": token, "attendees": "Elev och förälder"}
        status, page, elapsed = browser.request("POST", target, form)
        stats.add(status, elapsed)
        if status == 303:
            return "booked"
        if status != 409:
            return f"status-{status}"
        offered = SLOT_FORM.findall(page)
        if not offered:
            return "no-slot"
        target = rng.choice(offered[:8])
    return "gave-up"


def count_double_bookings(url: str) -> tuple[int, int, int]:
    """(slots with more than one active booking, students with more than one active
    booking in a period, active bookings), counted with plain SQL."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        slots = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT slot_id FROM talk_booking WHERE cancelled_at IS NULL "
                "GROUP BY slot_id HAVING count(*) > 1) AS x"
            )
        ).scalar()
        students = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT student_id, period_id FROM talk_booking "
                "WHERE cancelled_at IS NULL GROUP BY student_id, period_id "
                "HAVING count(*) > 1) AS x"
            )
        ).scalar()
        active = conn.execute(
            text("SELECT count(*) FROM talk_booking WHERE cancelled_at IS NULL")
        ).scalar()
    engine.dispose()
    return slots, students, active


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--guardians", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=10, help="requests in flight at once")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    args = parser.parse_args()

    url = database_url("rush")
    print(
        f"database: {url.split('@')[-1]}; guardians: {args.guardians}; "
        f"concurrency: {args.concurrency}; "
        f"gunicorn: {args.workers} workers × {args.threads} threads"
    )
    start = time.perf_counter()
    people = build_database(url, args.guardians)
    print(f"built the database in {time.perf_counter() - start:.1f} s")

    server, port = start_gunicorn(url, args.workers, args.threads)
    try:
        baseline_wall, baseline = measure(port, "/healthz", 4000, args.concurrency)
        print(baseline.summary("baseline GET /healthz", baseline_wall))

        browsers = [Browser(port) for _ in people]
        signin_stats = Stats()
        start = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            signed = list(
                pool.map(
                    lambda pair: sign_in(pair[0], pair[1][0], signin_stats),
                    zip(browsers, people, strict=True),
                )
            )
        print(
            signin_stats.summary(
                f"sign-in before opening ({sum(signed)} signed in)", time.perf_counter() - start
            )
        )
        for b in browsers:  # each guardian comes back on a fresh connection
            if b.conn:
                b.conn.close()
                b.conn = None

        rush = Stats()
        outcomes: Counter = Counter()
        rngs = [random.Random(i) for i in range(len(people))]
        gate = threading.Event()

        def guardian(i: int) -> None:
            gate.wait()
            _, student_id, period_id = people[i]
            outcomes[book(browsers[i], period_id, student_id, rush, rngs[i])] += 1

        start = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            futures = [pool.submit(guardian, i) for i in range(len(people))]
            gate.set()
            for f in futures:
                f.result()
        wall = time.perf_counter() - start
        print(rush.summary("booking rush (open period, choose, confirm, retry on taken)", wall))
        print(f"outcomes: {dict(outcomes)}")
        taken = rush.statuses.get(409, 0)
        print(f"'just taken' answers: {taken}")
        doubles, student_doubles, active = count_double_bookings(url)
        print(
            f"double bookings: {doubles} slots, {student_doubles} students; "
            f"active bookings {active}"
        )
        ratio = (len(rush.latencies) / wall) / (len(baseline.latencies) / baseline_wall)
        print(f"throughput ratio booking/baseline: {ratio:.2f}")
        errors = sum(n for s, n in rush.statuses.items() if s >= 500)
        p95 = sorted(rush.latencies)[int(0.95 * len(rush.latencies))] * 1000
        verdict = errors == 0 and doubles == 0 and student_doubles == 0 and p95 < 250
        print(
            f"target (0 errors, 0 double bookings, p95 < 250 ms): {'met' if verdict else 'NOT met'}"
        )
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
