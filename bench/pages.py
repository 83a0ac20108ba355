"""Each role's main pages: SQL statements, in-process time, and throughput against a
hello-world Flask app under the same gunicorn and load generator, in the same run.

    .venv/bin/python bench/pages.py                 # SQLite (a fresh demo database)
    DATABASE_URL=postgresql://user@host/empty_db .venv/bin/python bench/pages.py

1. In process (Flask's test client, no network): for every page, the SQL statements of
   one request and the median and p95 time of --repeats requests.
2. Under load: gunicorn -w 2 serves the app (rate limiter on, as in production; the feed
   limit raised so that the load is not refused) and, beside it, the hello-world app of
   bench/hello.py. `wrk` (Debian's package, installed when missing) or, without it, a
   Python load generator sends --connections keep-alive connections for --seconds to each
   target in turn, for --rounds interleaved rounds; a target's best round counts, since the
   machine is shared. The ratio is the page's requests per second over hello-world's.
3. Memory: the resident size of each app worker after 2,000 and after 20,000 mixed
   requests over the pages (a leak shows as growth beyond 10%).

It prints a Markdown table and writes it with the raw figures (JSON) and a chart (PNG) to
bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import Browser, Stats, database_url, empty_schema, measure, start_gunicorn  # noqa: E402

RESULTS = ROOT / "bench" / "results"
ACCOUNTS = {
    "guardian": "guardian@example.org",
    "student": "student@example.org",
    "mentor": "mentor@example.org",
    "principal": "principal@example.org",
    "admin": "admin@example.org",
}
# (role, label, path): each role's main pages, the guardian's booking night in full.
PAGES = [
    ("guardian", "guardian home", "/home/guardian"),
    ("guardian", "child's goals", "/students/{OSKAR}/goals"),
    ("guardian", "booking page", "/talks/periods/{P7A}/students/{OSKAR}/book"),
    ("guardian", "booking confirm", "/talks/periods/{P7A}/students/{OSKAR}/book/{SLOT}"),
    ("guardian", "leave form", "/leave/new"),
    ("student", "student home", "/home/student"),
    ("mentor", "mentor home", "/home/mentor"),
    ("principal", "principal home", "/home/principal"),
    ("admin", "admin home", "/home/admin"),
]
# What runs under load (labels of PAGES, plus the feed and /healthz).
LOADED = [
    "guardian home",
    "student home",
    "mentor home",
    "principal home",
    "admin home",
    "booking page",
]


def build(url: str):
    """A fresh demo database; the ids the paths need and a calendar link of the guardian."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from app.demo import build_demo
    from app.extensions import db
    from app.feeds import links
    from app.people.models import Student, User
    from app.school.models import MentorGroup
    from app.talks.models import TalkBooking, TalkPeriod, TalkSlot

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        empty_schema(db, url)
        upgrade()
        build_demo()
        group = db.session.scalar(select(MentorGroup.id).where(MentorGroup.name == "7A"))
        period = db.session.scalar(select(TalkPeriod.id).where(TalkPeriod.group_id == group))
        taken = select(TalkBooking.slot_id)
        ids = {
            "P7A": period,
            "OSKAR": db.session.scalar(select(Student.id).where(Student.first_name == "Oskar")),
            "SLOT": db.session.scalar(
                select(TalkSlot.id)
                .where(TalkSlot.period_id == period, TalkSlot.id.not_in(taken))
                .order_by(TalkSlot.starts_at.desc())
            ),
        }
        guardian = db.session.scalar(select(User).where(User.email == ACCOUNTS["guardian"]))
        feed_secret = links.create(guardian, None).secret
        db.session.commit()
        db.session.remove()
    return app, ids, feed_secret


def in_process(app, ids: dict, repeats: int) -> dict[str, dict]:
    from app.bench import _sign_in, count_statements
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    results = {}
    clients = {}
    for role, label, template in PAGES:
        client = clients.get(role)
        if client is None:
            client = clients[role] = app.test_client()
            _sign_in(client, ACCOUNTS[role])
        path = template.format(**ids)
        client.get(path)  # the first visit of a session may check contact details
        with count_statements(engine) as statements:
            assert client.get(path).status_code == 200, path
        timings = []
        for _ in range(repeats):
            start = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
        timings.sort()
        results[label] = {
            "path": template,
            "statements": len(statements),
            "median_ms": statistics.median(timings),
            "p95_ms": timings[min(len(timings) - 1, int(0.95 * len(timings)))],
        }
    return results


# --- load ---------------------------------------------------------------------------------


def ensure_wrk() -> str | None:
    """Debian's wrk, installed like the Makefile's system-deps when missing."""
    if shutil.which("wrk"):
        return shutil.which("wrk")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "install", "-y", "-qq", "wrk"], ["apt-get", "update", "-qq"]):
        subprocess.run(sudo + command, env=env, capture_output=True, check=False)
        if shutil.which("wrk"):
            break
    if not shutil.which("wrk"):
        subprocess.run(
            sudo + ["apt-get", "install", "-y", "-qq", "wrk"], env=env, capture_output=True
        )
    return shutil.which("wrk")


def _ms(text: str) -> float:
    found = re.match(r"([\d.]+)(us|ms|s|m)\b", text)
    if not found:
        return float("nan")
    number, unit = found.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def load(wrk: str | None, port: int, path: str, headers: dict, seconds: float, connections: int):
    """(requests per second, p99 ms, non-2xx/3xx answers) of one target."""
    if wrk:
        command = [wrk, "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        out = subprocess.run(
            command + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True
        ).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        p99_text = re.search(r"99%\s+(\S+)", out)
        p99 = _ms(p99_text.group(1)) if p99_text else float("nan")
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        return rps, p99, int(bad.group(1)) if bad else 0
    # Without wrk: keep-alive connections from threads, for about the same time.
    stats = Stats()
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        measure(port, path, connections * 20, connections, headers=headers, stats=stats)
    wall = time.perf_counter() - start
    lat = sorted(stats.latencies)
    bad = sum(n for s, n in stats.statuses.items() if s >= 400)
    return len(lat) / wall, lat[int(0.99 * (len(lat) - 1))] * 1000, bad


def sign_in(port: int, email: str) -> Browser:
    browser = Browser(port)
    page = browser.request("GET", "/login")[1]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    status = browser.request(
        "POST",
        "/login",
        {"csrf_token": token, "email": email, "password": "mentorskap"},
        headers={"Sec-Fetch-Site": "same-origin"},
    )[0]
    assert status == 303, f"{email} could not sign in ({status})"
    return browser


def worker_rss_kib(master_pid: int) -> list[int]:
    """Resident size of each gunicorn worker (the master's children), from /proc."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master_pid}$", status, re.M):
            sizes.append(int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1)))
    return sorted(sizes)


def under_load(args, url: str, ids: dict, feed_secret: str) -> dict:
    wrk = ensure_wrk()
    print(f"load generator: {'wrk' if wrk else 'Python threads (wrk not found)'}", flush=True)
    app_server, app_port = start_gunicorn(
        url, extra_env={"RATELIMIT_ENABLED": "true", "FEED_RATE_LIMIT": "100000000 per minute"}
    )
    hello_server, hello_port = start_gunicorn(url, app_spec="bench.hello:app")
    try:
        browsers = {role: sign_in(app_port, email) for role, email in ACCOUNTS.items()}
        targets: dict[str, tuple[int, str, dict]] = {"hello-world": (hello_port, "/", {})}
        targets["/healthz"] = (app_port, "/healthz", {})
        paths = {label: (role, template.format(**ids)) for role, label, template in PAGES}
        for label in LOADED:
            role, path = paths[label]
            browser = browsers[role]
            for _ in range(2):  # the first visit of a session may redirect once
                status = browser.request("GET", path)[0]
            assert status == 200, (label, status)
            cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
            targets[label] = (app_port, path, {"Cookie": cookie})
        feed_path = f"/feeds/{feed_secret}.ics"
        probe = Browser(app_port)
        assert probe.request("GET", feed_path)[0] == 200
        etag = dict((k.lower(), v) for k, v in probe.last_headers)["etag"]
        assert probe.request("GET", feed_path, headers={"If-None-Match": etag})[0] == 304
        targets["feed 304"] = (app_port, feed_path, {"If-None-Match": etag})

        best: dict[str, dict] = {}
        for round_no in range(1, args.rounds + 1):
            for label, (port, path, headers) in targets.items():
                rps, p99, bad = load(wrk, port, path, headers, args.seconds, args.connections)
                print(f"  round {round_no}: {label:<16} {rps:8.0f} req/s  p99 {p99:6.1f} ms")
                if label not in best or rps > best[label]["rps"]:
                    best[label] = {"rps": rps, "p99_ms": p99, "bad": bad}

        # Memory: mixed requests over the pages, RSS after 2,000 and after 20,000.
        mixed = [targets[label] for label in LOADED] + [targets["feed 304"]]
        memory = {}
        done = 0
        for checkpoint in (args.memory_requests // 10, args.memory_requests):
            per_target = (checkpoint - done) // len(mixed)
            for port, path, headers in mixed:
                measure(port, path, per_target, 4, headers=headers)
            done = checkpoint
            memory[checkpoint] = worker_rss_kib(app_server.pid)
        return {"best": best, "memory": memory, "load_generator": "wrk" if wrk else "python"}
    finally:
        for server in (app_server, hello_server):
            server.terminate()
            server.wait(timeout=30)


# --- report -------------------------------------------------------------------------------


def report(pages: dict, loaded: dict | None, args) -> str:
    lines = [
        "| page | path | SQL | median ms | p95 ms | req/s | × hello | p99 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    best = loaded["best"] if loaded else {}
    hello = best.get("hello-world", {}).get("rps")

    def load_cells(label):
        if label not in best:
            return "", "", ""
        row = best[label]
        return f"{row['rps']:.0f}", f"{row['rps'] / hello:.2f}", f"{row['p99_ms']:.1f}"

    for label in ("hello-world", "/healthz", "feed 304"):
        if label in best:
            rps, ratio, p99 = load_cells(label)
            lines.append(f"| {label} | | | | | {rps} | {ratio} | {p99} |")
    for label, row in pages.items():
        rps, ratio, p99 = load_cells(label)
        lines.append(
            f"| {label} | `{row['path']}` | {row['statements']} | {row['median_ms']:.1f} "
            f"| {row['p95_ms']:.1f} | {rps} | {ratio} | {p99} |"
        )
    text = "\n".join(lines)
    if loaded:
        memory = loaded["memory"]
        (first, after_first), (last, after_last) = sorted(memory.items())
        growth = max(b / a - 1 for a, b in zip(after_first, after_last, strict=False))
        text += (
            f"\n\nWorker resident size (KiB) after {first:,} mixed requests: {after_first}; "
            f"after {last:,}: {after_last}; largest growth {growth:+.1%} "
            f"({'within' if growth <= 0.10 else 'BEYOND'} 10%)."
            f"\n\ngunicorn -w 2 (sync workers), {loaded['load_generator']}, "
            f"{args.connections} connections, {args.seconds} s a target, best of "
            f"{args.rounds} interleaved rounds; in-process times over {args.repeats} requests."
        )
    return text


def chart(pages: dict, loaded: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    best = loaded["best"]
    hello = best["hello-world"]["rps"]
    labels = [label for label in ["/healthz", "feed 304", *LOADED] if label in best]
    ratios = [best[label]["rps"] / hello for label in labels]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    bars = ax.barh(labels[::-1], ratios[::-1], color="#3b6ea5")
    ax.bar_label(bars, labels=[f"{r:.2f}×" for r in ratios[::-1]], padding=3)
    ax.axvline(0.20, color="#c0392b", linestyle="--", linewidth=1, label="0.20× (student/guardian)")
    ax.axvline(0.15, color="#e67e22", linestyle=":", linewidth=1, label="0.15× (mentor/principal)")
    ax.set_xlabel(f"requests per second as a share of hello-world Flask ({hello:.0f} req/s)")
    ax.set_xlim(0, max(1.0, max(ratios) * 1.15))
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Mentorskap pages under gunicorn -w 2")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=100, help="in-process requests a page")
    parser.add_argument("--seconds", type=int, default=4, help="load time a target and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--memory-requests", type=int, default=20_000)
    parser.add_argument("--no-load", action="store_true", help="in-process figures only")
    args = parser.parse_args()

    url = database_url("pages")
    app, ids, feed_secret = build(url)
    print("in process ...", flush=True)
    pages = in_process(app, ids, args.repeats)
    loaded = None
    if not args.no_load:
        print("under load ...", flush=True)
        loaded = under_load(args, url, ids, feed_secret)
    table = report(pages, loaded, args)
    print()
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    (RESULTS / "pages.md").write_text(
        f"# Pages benchmark ({database}, {time.strftime('%Y-%m-%d %H:%M')})\n\n{table}\n"
    )
    (RESULTS / "pages.json").write_text(
        json.dumps({"pages": pages, "load": loaded}, indent=2, default=str)
    )
    if loaded:
        chart(pages, loaded, RESULTS / "pages.png")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}/pages.md, pages.json, pages.png")


if __name__ == "__main__":
    main()
