"""`flask bench`: the figures for closing notes, measured on a fresh copy of the demo.

For each demo account: the SQL statements its home page runs and the time it takes
(median of repeated requests through the WSGI app); for the guardian home, the
bytes a phone downloads on first load (HTML + CSS + JS), raw and gzip-compressed.
"""

from __future__ import annotations

import gzip
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

DEMO_LOGINS = {
    "guardian@example.org": "/home/guardian",
    "student@example.org": "/home/student",
    "mentor@example.org": "/home/mentor",
    "principal@example.org": "/home/principal",
    "admin@example.org": "/home/admin",
}


@contextmanager
def count_statements(engine: Engine) -> Iterator[list[str]]:
    """Collect the SQL statements run on `engine` inside the block."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _sign_in(client, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": "mentorskap"}
    )
    assert response.status_code == 303, f"{email} could not sign in"


def _first_load_bytes(client, html: str) -> tuple[int, int]:
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js)\?v=[^"]+)"', html)
    bodies = [html.encode()] + [client.get(url).data for url in assets]
    return sum(len(b) for b in bodies), sum(len(gzip.compress(b, 6)) for b in bodies)


def run(echo: Callable[[str], None], repeats: int = 20) -> dict[str, dict]:
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import build_demo
    from app.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade()
            build_demo()
        results: dict[str, dict] = {}
        echo(f"{'page':<18}{'account':<24}{'SQL':>5}{'median ms':>11}")
        for email, path in DEMO_LOGINS.items():
            client = app.test_client()
            _sign_in(client, email)
            with app.app_context():
                engine = db.engine
            with count_statements(engine) as statements:
                response = client.get(path)
            assert response.status_code == 200
            timings = []
            for _ in range(repeats):
                start = time.perf_counter()
                client.get(path)
                timings.append((time.perf_counter() - start) * 1000)
            row = {"statements": len(statements), "median_ms": statistics.median(timings)}
            if path == "/home/guardian":
                raw, compressed = _first_load_bytes(client, response.get_data(as_text=True))
                row.update(first_load_bytes=raw, first_load_gzip_bytes=compressed)
            results[path] = row
            echo(f"{path:<18}{email:<24}{row['statements']:>5}{row['median_ms']:>11.1f}")
        guardian = results["/home/guardian"]
        echo(
            "guardian home first load (HTML+CSS+JS): "
            f"{guardian['first_load_bytes'] / 1024:.1f} KiB raw, "
            f"{guardian['first_load_gzip_bytes'] / 1024:.1f} KiB gzip"
        )
        return results
