"""What the benchmarks share: a tiny keep-alive HTTP client with a cookie jar, latency
statistics, and gunicorn started on loopback."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- a tiny HTTP client with one cookie jar ----------------------------------------------


class Browser:
    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, form: dict | None = None, headers: dict | None = None
    ) -> tuple[int, str, float]:
        body = urlencode(form) if form is not None else None
        headers = {
            **(headers or {}),
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            start = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode()
            except (ConnectionError, http.client.HTTPException, TimeoutError, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    return 599, "", time.perf_counter() - start
                continue
            elapsed = time.perf_counter() - start
            self.last_headers = response.getheaders()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            return response.status, text, elapsed
        raise AssertionError("unreachable")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()

    def add(self, status: int, elapsed: float) -> None:
        with self.lock:
            self.latencies.append(elapsed)
            self.statuses[status] += 1

    def summary(self, label: str, wall: float) -> str:
        lat = sorted(self.latencies)
        pct = lambda p: lat[min(len(lat) - 1, int(p / 100 * len(lat)))] * 1000  # noqa: E731
        errors = sum(n for s, n in self.statuses.items() if s >= 500)
        return (
            f"{label}: {len(lat)} requests in {wall:.1f} s ({len(lat) / wall:.0f} req/s), "
            f"p50 {pct(50):.0f} ms, p95 {pct(95):.0f} ms, p99 {pct(99):.0f} ms, "
            f"max {lat[-1] * 1000:.0f} ms, errors {errors}, "
            f"statuses {dict(sorted(self.statuses.items()))}"
        )


def database_url(name: str) -> str:
    """DATABASE_URL if given (PostgreSQL: an empty database), else a new SQLite file."""
    from app.config import _database_url

    default = f"sqlite:///{tempfile.mkdtemp(prefix=f'mentorskap-{name}-')}/{name}.sqlite3"
    os.environ["DATABASE_URL"] = os.environ.get("DATABASE_URL") or default
    return _database_url()


def empty_schema(db, url: str) -> None:
    """A PostgreSQL database given for a benchmark is emptied before the migrations run."""
    if url.startswith("postgresql"):
        from sqlalchemy import text

        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()


def start_gunicorn(
    url: str,
    workers: int = 2,
    threads: int = 1,
    extra_env: dict | None = None,
    app_spec: str = "wsgi:app",
) -> tuple[subprocess.Popen, int]:
    """gunicorn on a free loopback port with the given database; waits until it answers.
    The rate limiter is off unless `extra_env` turns it on: a benchmark is one address."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "RATELIMIT_ENABLED": "false",
        "SECRET_KEY": "bench-" + "x" * 40,
        **(extra_env or {}),
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "-w",
            str(workers),
            # One thread: gunicorn's sync worker, as deploy/entrypoint.sh runs the app (a
            # gthread worker's two threads cost every request about half again its CPU).
            *(["-k", "sync"] if threads == 1 else ["-k", "gthread", "--threads", str(threads)]),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            if Browser(port).request("GET", "/healthz")[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.1)
    return server, port


def measure(
    port: int,
    path: str,
    count: int,
    concurrency: int,
    headers: dict | None = None,
    stats: Stats | None = None,
):
    """GET `path` `count` times from `concurrency` keep-alive connections: (seconds, stats).
    Given `stats`, the latencies are added to them (several rounds of one route)."""
    stats = stats if stats is not None else Stats()
    per_thread = count // concurrency

    def run(_):
        browser = Browser(port)
        for _ in range(per_thread):
            status, _body, elapsed = browser.request("GET", path, headers=headers)
            stats.add(status, elapsed)

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(run, range(concurrency)))
    return time.perf_counter() - start, stats
