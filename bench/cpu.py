"""CPU time per request of each role's main pages, in process, without the test client.

    .venv/bin/python bench/cpu.py                  # median CPU µs a request, per page
    .venv/bin/python bench/cpu.py --profile "guardian home" [--sort tottime]

The WSGI app is called directly with a prepared environ (the signed-in session's cookie),
so the figure is what a gunicorn worker spends inside the app for one request: no HTTP
parsing, no test client. CPU time (time.process_time) rather than wall time, since the
machine is shared and wall time moves with its load. Run it with the load of other work
low (`uptime`); the figures are still steadier than a load test's.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import database_url  # noqa: E402
from bench.pages import ACCOUNTS, PAGES, build  # noqa: E402

EXTRA = [
    ("anonymous", "feed 304", "/feeds/{FEED}.ics"),
    ("anonymous", "/healthz", "/healthz"),
]


def prepared(app, ids: dict, feed_secret: str):
    """(label, environ, expected status) for every page, signed in as its role."""
    from werkzeug.test import EnvironBuilder

    from app.bench import _sign_in

    clients = {}
    out = []
    client_base = app.test_client().environ_base
    for role, label, template in [*PAGES, *EXTRA]:
        path = template.format(**ids, FEED=feed_secret)
        headers = {}
        if role != "anonymous":
            client = clients.get(role)
            if client is None:
                client = clients[role] = app.test_client()
                _sign_in(client, ACCOUNTS[role])
            client.get(path)
            client.get(path)
            cookies = "; ".join(
                f"{c.key}={c.value}"
                for c in client._cookies.values()  # noqa: SLF001
            )
            headers["Cookie"] = cookies
        expected = 200
        if label == "feed 304":
            first = app.test_client().get(path)
            assert first.status_code == 200, (path, first.status_code, first.data[:300])
            etag = first.headers["ETag"]
            headers["If-None-Match"] = etag
            expected = 304
        # The browser that signed in: Flask-Login's session protection compares the
        # address and User-Agent with the sign-in's.
        environ = EnvironBuilder(path=path, headers=headers, environ_base=client_base).get_environ()
        out.append((label, environ, expected))
    return out


def call(app, environ: dict) -> int:
    status = []

    def start_response(s, h, exc_info=None):
        status.append(int(s.split()[0]))

    body = app(dict(environ), start_response)
    for _ in body:
        pass
    if hasattr(body, "close"):
        body.close()
    return status[0]


def measure(app, environ: dict, expected: int, repeats: int) -> float:
    """CPU µs of one request: the best of `repeats` requests in batches of ten (other work
    on the machine only ever adds time)."""
    assert call(app, environ) == expected
    batches = []
    for _ in range(max(1, repeats // 10)):
        start = time.process_time()
        for _ in range(10):
            call(app, environ)
        batches.append((time.process_time() - start) / 10 * 1e6)
    return min(batches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", help="a page label: print its cProfile")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=45)
    args = parser.parse_args()

    url = database_url("cpu")
    _, ids, feed_secret = build(url)
    from app import create_app

    # As under gunicorn in bench/pages.py: the rate limiter on, the feed limit raised.
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": True,
            "FEED_RATE_LIMIT": "100000000 per minute",
        }
    )
    pages = prepared(app, ids, feed_secret)
    if args.profile:
        label, environ, expected = next(p for p in pages if p[0] == args.profile)
        for _ in range(50):
            call(app, environ)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.repeats):
            call(app, environ)
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.lines)
        print(out.getvalue())
        return
    # Rounds over all pages, each page's best round: other work on the machine only ever
    # adds time.
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        for label, environ, expected in pages:
            cpu = measure(app, environ, expected, args.repeats)
            best[label] = min(cpu, best.get(label, cpu))
    print(f"{'page':<18}{'CPU µs/request':>16}")
    for label, cpu in best.items():
        print(f"{label:<18}{cpu:>16.0f}")


if __name__ == "__main__":
    main()
