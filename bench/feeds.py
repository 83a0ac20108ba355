"""Feed benchmark: how fast calendar apps are answered.

Builds a fresh demo database, makes feed links for the demo guardian and mentor,
starts gunicorn with 2 workers on loopback and measures requests per second and p95
for the guardian's feed (full, and the 304 a calendar app gets when nothing changed)
and the mentor's feed, with /healthz as a baseline in the same run, and the ratios.
Target: the 304 path at 0.8 or more of the baseline's throughput.

The rate limiter stays on (with a per-link limit the benchmark never reaches), so the
feed pays for its limit check as it does in production; /healthz is exempt there too.
The runs are interleaved over several rounds, so a slow moment of the machine falls on
every route alike.

    .venv/bin/python bench/feeds.py [--requests 600] [--concurrency 10] [--rounds 10]
    DATABASE_URL=postgresql://... .venv/bin/python bench/feeds.py   # on PostgreSQL (emptied)
"""

from __future__ import annotations

import argparse
import sys
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


def build(url: str) -> dict[str, str]:
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import build_demo
    from app.extensions import db
    from app.feeds import links
    from app.people.models import User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        empty_schema(db, url)
        upgrade()
        build_demo()
        paths = {}
        for email in ("guardian@example.org", "mentor@example.org"):
            user = db.session.scalar(db.select(User).where(User.email == email))
            paths[email] = f"/feeds/{links.create(user, None).secret}.ics"
        db.session.commit()
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    url = database_url("feeds")
    print(f"database: {url.split('@')[-1]}; gunicorn: 2 workers; concurrency {args.concurrency}")
    paths = build(url)
    server, port = start_gunicorn(
        url, extra_env={"RATELIMIT_ENABLED": "true", "FEED_RATE_LIMIT": "1000000 per minute"}
    )
    try:
        probe = Browser(port)
        _status, body, _elapsed = probe.request("GET", paths["guardian@example.org"])
        etag = next(v for k, v in probe.last_headers if k.lower() == "etag")
        runs = {
            "baseline GET /healthz": ("/healthz", None),
            "guardian feed, full": (paths["guardian@example.org"], None),
            "guardian feed, 304": (paths["guardian@example.org"], {"If-None-Match": etag}),
            "mentor feed, full": (paths["mentor@example.org"], None),
        }
        stats = {label: Stats() for label in runs}
        walls = dict.fromkeys(runs, 0.0)
        for _round in range(args.rounds):
            for label, (path, headers) in runs.items():
                wall, _ = measure(
                    port, path, args.requests, args.concurrency, headers, stats[label]
                )
                walls[label] += wall
        results = {}
        for label in runs:
            results[label] = len(stats[label].latencies) / walls[label]
            print(stats[label].summary(label, walls[label]))
        base = results["baseline GET /healthz"]
        for label, rate in results.items():
            if label.startswith("baseline"):
                continue
            print(f"ratio {label} / baseline: {rate / base:.2f}")
        ratio = results["guardian feed, 304"] / base
        print(f"guardian feed size: {len(body)} bytes")
        print(
            f"target (304 path at >= 0.8 of the baseline): {'met' if ratio >= 0.8 else 'NOT met'}"
        )
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
