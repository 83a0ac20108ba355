"""What every page shares: security headers, caching, htmx fragments, static files."""

from __future__ import annotations

import re

from tests.conftest import post_form


def test_strict_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP in tests


def test_hsts_behind_https(client):
    response = client.get("/login", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_no_inline_scripts_or_styles(login_as):
    client = login_as("guardian")
    for path in ("/home/guardian", "/account", "/login"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path
        assert " style=" not in page and not re.search(r" on[a-z]+=", page), path


def test_html_is_never_cached_by_shared_caches(client, login_as):
    anonymous = client.get("/login")
    assert anonymous.headers["Cache-Control"] == "private, no-cache"
    assert "HX-Request" in anonymous.headers["Vary"]
    signed_in = login_as("guardian").get("/home/guardian")
    assert signed_in.headers["Cache-Control"] == "private, no-store"


def test_static_files_have_hashed_urls_and_long_cache(client):
    page = client.get("/login").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', page).group(1)
    js = re.search(r'src="(/static/vendor/htmx\.min\.js\?v=[0-9a-f]{12})"', page).group(1)
    for url in (css, js):
        response = client.get(url)
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "max-age=300" in client.get("/static/css/app.css").headers["Cache-Control"]


def test_htmx_vendor_is_htmx_2(client):
    page = client.get("/login").get_data(as_text=True)
    url = re.search(r'src="(/static/vendor/htmx\.min\.js\?v=[0-9a-f]+)"', page).group(1)
    assert b'version:"2.0.' in client.get(url).data


def test_targeted_htmx_request_gets_fragment_with_422(login_as):
    client = login_as("mentor")
    response = post_form(
        client,
        "/account/password",
        {"current": "wrong", "password": "x", "confirm": "y"},
        page="/account",
        headers={"HX-Request": "true", "HX-Target": "password-form"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert body.lstrip().startswith("<form")
    assert "<html" not in body
    assert "Använd minst 10 tecken." in body


def test_boosted_and_history_restore_requests_get_full_page(login_as):
    client = login_as("mentor")
    for header in ("HX-Boosted", "HX-History-Restore-Request"):
        response = client.get("/account", headers={"HX-Request": "true", header: "true"})
        assert "<html" in response.get_data(as_text=True), header
    # An HX-Location follow-up swaps the body: it has no HX-Target and gets the whole page.
    follow_up = client.get("/account", headers={"HX-Request": "true"})
    assert "<html" in follow_up.get_data(as_text=True)


def test_htmx_success_redirects_with_hx_location(login_as):
    client = login_as("mentor")
    response = post_form(
        client,
        "/account/password",
        {
            "current": "mentorskap",
            "password": "a long new password",
            "confirm": "a long new password",
        },
        page="/account",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Location"] == "/account"
    assert "Ditt lösenord är bytt." in client.get("/account").get_data(as_text=True)


def test_error_pages_are_translated_and_keep_navigation(login_as):
    client = login_as("guardian")
    page = client.get("/no/such/page").get_data(as_text=True)
    assert "Sidan finns inte" in page and "Mitt konto" in page and "Logga ut" in page
    english = client.get("/no/such/page", headers={"Accept-Language": "en"})
    # No language saved on the account: the browser's language decides.
    assert "Page not found" in english.get_data(as_text=True)


def test_405_page(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "Inte tillåtet" in response.get_data(as_text=True)
    assert "POST" in response.headers["Allow"]  # the styled page keeps what HTTP requires


def test_healthz(app, client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_healthz_reports_a_broken_database(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent/dir/db.sqlite3")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503


def test_form_fields_carry_no_empty_aria(client):
    page = client.get("/login").get_data(as_text=True)
    assert '="None"' not in page
    errors = post_form(client, "/login", {"email": "", "password": ""}).get_data(as_text=True)
    assert 'aria-describedby="email-error"' in errors and 'aria-invalid="true"' in errors


def test_server_error_page_is_styled_and_rolled_back(make_app):
    app = make_app(TESTING=False)

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Något gick fel" in page and "Felkod 500" in page
    assert "secret detail" not in page and "RuntimeError" not in page


def test_ensure_sync_is_worked_out_once_per_function(app, monkeypatch):
    """Flask asks of every hook on every request whether it is a coroutine function; the
    app keeps the answer."""
    import flask.app

    asked = []
    real = flask.app.iscoroutinefunction
    monkeypatch.setattr(flask.app, "iscoroutinefunction", lambda f: asked.append(f) or real(f))

    def plain():
        return "plain"

    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(plain) is plain
    assert asked == [plain]


def _session_cookie_with_probe(app) -> str:
    """The session cookie `app` sets on a response that put "probe" into the session."""
    from flask import session

    @app.get("/_set")
    def _set():
        session["probe"] = "kept"
        return "set"

    client = app.test_client()
    client.get("/_set")
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def test_session_cookie_keeps_flasks_signing_and_key_rotation(make_app):
    """The session interface makes its signer once per key set: a cookie signed with the
    old key still opens while that key is a fallback, a changed key is taken at once, and
    a cookie signed with a key no longer configured is refused."""
    old = make_app(SECRET_KEY="old-" + "k" * 40)
    cookie = _session_cookie_with_probe(old)

    rotated = make_app(SECRET_KEY="new-" + "k" * 40, SECRET_KEY_FALLBACKS=["old-" + "k" * 40])
    with rotated.test_request_context(
        headers={"Cookie": f"{rotated.config['SESSION_COOKIE_NAME']}={cookie}"}
    ):
        from flask import request

        opened = rotated.session_interface.open_session(rotated, request)
        assert opened.get("probe") == "kept"
        rotated.config["SECRET_KEY_FALLBACKS"] = []
        rotated.secret_key = "newer-" + "k" * 40
        refused = rotated.session_interface.open_session(rotated, request)
        assert refused.get("probe") is None


def test_session_cookie_is_checked_once_but_still_ages_and_is_each_requests_own(
    make_app, monkeypatch
):
    """A cookie already accepted is not decoded again, yet its age limit holds on every
    request, each request changes only its own copy, and a tampered copy is refused."""
    import time

    from flask import request
    from itsdangerous import URLSafeTimedSerializer

    from app import cookie_session

    app = make_app()
    cookie = _session_cookie_with_probe(app)
    name = app.config["SESSION_COOKIE_NAME"]
    loads = []
    real_loads = URLSafeTimedSerializer.loads
    monkeypatch.setattr(
        URLSafeTimedSerializer,
        "loads",
        lambda s, *a, **k: loads.append(1) or real_loads(s, *a, **k),
    )

    def opened(value):
        with app.test_request_context(headers={"Cookie": f"{name}={value}"}):
            return app.session_interface.open_session(app, request)

    first = opened(cookie)
    first["probe"] = "changed by one request"
    assert opened(cookie)["probe"] == "kept"
    assert opened(cookie)["probe"] == "kept"
    assert len(loads) == 1  # decoded and checked once

    tampered = cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB")
    assert opened(tampered).get("probe") is None

    lifetime = app.permanent_session_lifetime.total_seconds()
    later = time.time() + lifetime + 60
    monkeypatch.setattr(cookie_session.time, "time", lambda: later)
    assert opened(cookie).get("probe") is None  # too old, though kept
