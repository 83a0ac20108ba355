"""Sign-in and link throttling: shared by every worker, per account and address with
growing delays, and never a lockout that a stranger can cause."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from app.demo import DEMO_PASSWORD
from app.extensions import limiter
from app.ratelimit import DatabaseStorage
from tests.conftest import ACCOUNTS, CSRF_RE, csrf_token
from tests.databases import _free_port

ROOT = Path(__file__).resolve().parent.parent
STRANGER = "203.0.113.7"
HOME = "198.51.100.20"


def _client(app, addr: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = addr
    return client


def _sign_in(client, email: str, password: str):
    token = csrf_token(client)
    return client.post("/login", data={"csrf_token": token, "email": email, "password": password})


@pytest.fixture
def limited(make_app):
    return make_app(RATELIMIT_ENABLED=True)


# --- the storage ------------------------------------------------------------------------


def test_database_storage_is_the_default(limited):
    with limited.test_request_context():
        assert isinstance(limiter.storage, DatabaseStorage)


def test_storage_counts_per_key_and_starts_again_after_the_window(limited):
    with limited.app_context():
        storage = limiter.storage
        assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
        assert storage.incr("other", 60) == 1
        assert storage.get("k") == 3
        assert storage.get_expiry("k") > time.time() + 50
        assert storage.incr("short", 1) == 1
        time.sleep(1.1)
        assert storage.get("short") == 0
        assert storage.incr("short", 1) == 1  # a passed window starts again
        storage.clear("k")
        assert storage.get("k") == 0
        assert storage.check()


def test_storage_counts_every_concurrent_increment(limited):
    """Eight threads, each on its own connection, add 25 each: no count is lost."""
    errors = []

    def work():
        try:
            with limited.app_context():
                for _ in range(25):
                    limiter.storage.incr("race", 60)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with limited.app_context():
        assert limiter.storage.get("race") == 200


def test_stale_counters_are_deleted_on_write(limited, monkeypatch):
    from sqlalchemy import func, select

    from app import ratelimit
    from app.extensions import db

    with limited.app_context():
        storage = limiter.storage
        for i in range(5):
            storage.incr(f"old{i}", 1)
        time.sleep(1.1)
        monkeypatch.setattr(ratelimit.random, "randrange", lambda n: 0)
        storage.incr("new", 60)
        keys = db.session.scalars(select(ratelimit.RateLimitCounter.key)).all()
        assert keys == ["new"]
        assert db.session.scalar(select(func.count(ratelimit.RateLimitCounter.key))) == 1


def test_redis_uri_selects_the_redis_storage(make_app):
    pytest.importorskip("redis")
    from limits.storage import RedisStorage

    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1")
    with app.app_context():
        assert isinstance(limiter.storage, RedisStorage)


# --- sign-in ------------------------------------------------------------------------------


def test_delays_start_after_five_wrong_passwords_and_grow(limited):
    client = _client(limited, STRANGER)
    codes = [_sign_in(client, ACCOUNTS["principal"], "wrong").status_code for _ in range(7)]
    assert codes == [422] * 5 + [429, 429]
    refused = _sign_in(client, ACCOUNTS["principal"], "wrong")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 30
    page = refused.get_data(as_text=True)
    assert "För många försök" in page and "30 sekunder" in page


def test_the_delay_doubles_up_to_its_cap():
    from app.throttle import Rule

    rule = Rule(free=5, window=3600, first_delay=30, max_delay=900)
    assert [rule.delay(n) for n in range(5, 12)] == [30, 60, 120, 240, 480, 900, 900]


def test_after_the_delay_one_more_try_then_a_longer_delay(make_app):
    from app.throttle import RULES, Rule

    rules = {**RULES, "signin.account": Rule(free=2, window=3600, first_delay=1)}
    app = make_app(RATELIMIT_ENABLED=True, THROTTLE_RULES=rules)
    client = _client(app, STRANGER)

    def codes(n):
        return [_sign_in(client, ACCOUNTS["mentor"], "wrong").status_code for _ in range(n)]

    assert codes(3) == [422, 422, 429]
    time.sleep(1.1)
    assert codes(2) == [422, 429]  # the next delay is 2 s; a refused try is not counted
    refused = _sign_in(client, ACCOUNTS["mentor"], "wrong")
    assert refused.headers["Retry-After"] in {"1", "2"}
    time.sleep(2.1)
    assert codes(2) == [422, 429]


def test_stranger_cannot_lock_out_the_principal(limited):
    """25 wrong passwords from one address; the principal, from home, signs in at once."""
    stranger = _client(limited, STRANGER)
    codes = [_sign_in(stranger, ACCOUNTS["principal"], "wrong").status_code for _ in range(25)]
    assert 429 in codes
    principal = _client(limited, HOME)
    assert _sign_in(principal, ACCOUNTS["principal"], DEMO_PASSWORD).status_code == 303


def test_behind_a_proxy_the_forwarded_address_counts(make_app):
    app = make_app(RATELIMIT_ENABLED=True, PROXY_FIX_HOPS=1)
    client = app.test_client()

    def try_from(addr, password):
        token = csrf_token(client)
        return client.post(
            "/login",
            data={"csrf_token": token, "email": ACCOUNTS["mentor"], "password": password},
            headers={"X-Forwarded-For": addr},
        )

    assert [try_from(STRANGER, "wrong").status_code for _ in range(6)][-1] == 429
    assert try_from(HOME, DEMO_PASSWORD).status_code == 303


def test_known_and_unknown_accounts_are_limited_alike(limited):
    def codes(email):
        client = _client(limited, STRANGER)
        return [_sign_in(client, email, "wrong").status_code for _ in range(7)]

    assert codes(ACCOUNTS["mentor"]) == codes("nobody@example.org")


def test_a_right_password_starts_the_count_over(limited):
    client = _client(limited, HOME)
    for _ in range(4):
        assert _sign_in(client, ACCOUNTS["mentor"], "wrong").status_code == 422
    assert _sign_in(client, ACCOUNTS["mentor"], DEMO_PASSWORD).status_code == 303
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    codes = [_sign_in(client, ACCOUNTS["mentor"], "wrong").status_code for _ in range(5)]
    assert codes == [422] * 5


def test_one_address_cannot_spray_many_accounts(limited):
    client = _client(limited, STRANGER)
    codes = [_sign_in(client, f"user{i}@example.org", "wrong").status_code for i in range(52)]
    assert codes[:50] == [422] * 50
    assert codes[51] == 429
    # The same account from elsewhere is not affected.
    assert _sign_in(_client(limited, HOME), "user1@example.org", "x").status_code == 422


# --- links by e-mail and link tokens --------------------------------------------------------


@pytest.mark.parametrize("path", ["/login/link", "/password/forgot"])
def test_mail_links_are_limited_per_account_and_address(limited, path):
    def ask(client, email):
        return client.post(path, data={"csrf_token": csrf_token(client, path), "email": email})

    stranger = _client(limited, STRANGER)
    assert [ask(stranger, ACCOUNTS["guardian"]).status_code for _ in range(4)] == [200] * 3 + [429]
    assert [ask(stranger, "nobody@example.org").status_code for _ in range(4)] == [200] * 3 + [429]
    assert ask(_client(limited, HOME), ACCOUNTS["guardian"]).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/login/link/{}"), ("post", "/login/link/{}"), ("get", "/password/reset/{}")],
)
def test_guessing_link_tokens_is_limited_per_address(limited, method, path):
    stranger = _client(limited, STRANGER)
    token = csrf_token(stranger)
    codes = [
        getattr(stranger, method)(path.format(f"guess{i}"), data={"csrf_token": token}).status_code
        for i in range(21)
    ]
    assert 429 not in codes[:20]
    assert codes[20] == 429
    home = _client(limited, HOME)
    assert home.get(path.format("guess")).status_code != 429


def test_feed_guessing_is_limited_per_address_and_valid_links_per_link(make_app):
    from app.throttle import RULES, Rule

    rules = {**RULES, "feed.address": Rule(free=3, window=3600)}
    app = make_app(RATELIMIT_ENABLED=True, THROTTLE_RULES=rules)
    stranger = _client(app, STRANGER)
    codes = [stranger.get(f"/feeds/guess{i}.ics").status_code for i in range(5)]
    assert codes == [404, 404, 404, 429, 429]
    assert "Retry-After" in stranger.get("/feeds/guess.ics").headers
    assert _client(app, HOME).get("/feeds/guess.ics").status_code == 404


# --- several workers --------------------------------------------------------------------------


def _request(port: int, method: str, path: str, body: str = "", headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        headers = {"Connection": "close", **(headers or {})}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read().decode()
    finally:
        connection.close()


def _wrong_password(port: int) -> int:
    status, headers, page = _request(port, "GET", "/login")
    cookie = next(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie")
    token = CSRF_RE.search(page).group(1)
    body = urlencode({"csrf_token": token, "email": ACCOUNTS["principal"], "password": "wrong"})
    status, _, _ = _request(
        port,
        "POST",
        "/login",
        body,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    return status


@pytest.fixture
def gunicorn(databases):
    url = databases.new()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "RATELIMIT_ENABLED": "true",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST": "1024",
    }
    env.pop("RATELIMIT_STORAGE_URI", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "4", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start: " + server.stderr.read().decode())
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)
        databases.drop(url)


def test_four_workers_count_sign_in_tries_together(gunicorn):
    codes = [_wrong_password(gunicorn) for _ in range(12)]
    allowed = sum(code != 429 for code in codes)
    assert allowed == 5, codes
    assert codes[5] == 429
