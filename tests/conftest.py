"""Fixtures: a fresh app on its own copy of the demo database for every test,
a test client, and `login_as(role)` over the demo accounts."""

from __future__ import annotations

import re

import pytest
from flask_migrate import upgrade

from app import create_app
from app.demo import DEMO_PASSWORD, build_demo
from app.extensions import db
from tests.databases import PostgresDatabases, SQLiteDatabases

# The demo accounts by the role they play in the tests.
ACCOUNTS = {
    "guardian": "guardian@example.org",
    "other_guardian": "guardian2@example.org",
    "student": "student@example.org",
    "mentor": "mentor@example.org",
    "comentor": "comentor@example.org",
    "other_mentor": "mentor8b@example.org",
    "principal": "principal@example.org",
    "admin": "admin@example.org",
    "site_admin": "kommun@example.org",
    "teacher": "teacher@example.org",  # teaching (issue 19): Maja Berg, 7A and 8B
}

TEST_CONFIG = {
    "TESTING": True,
    "PSEUDO_LOCALE": False,  # tests that need it switch it on
    "RATELIMIT_ENABLED": False,
    # Cheap hashing keeps sign-in tests fast; production uses RFC 9106 parameters.
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 1024,
    "SERVER_NAME": None,
}


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="database to run the tests on (postgresql starts a throwaway cluster)",
    )


@pytest.fixture(scope="session")
def databases(request):
    kind = request.config.getoption("--db")
    dbs = PostgresDatabases() if kind == "postgresql" else SQLiteDatabases()
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": dbs.template_url})
    with app.app_context():
        upgrade()
        build_demo()
        db.session.remove()
        db.engine.dispose()
    dbs.seal_template()
    yield dbs
    dbs.close()


@pytest.fixture
def make_app(databases):
    """Build an app on a fresh copy of the demo database; extra config may be given."""
    made = []

    def factory(**config):
        url = databases.new()
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **config})
        made.append((app, url))
        return app

    yield factory
    for app, url in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        databases.drop(url)


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(client, page: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page as a browser would."""
    response = client.get(page)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def post_form(client, url: str, data: dict, page: str | None = None, **kwargs):
    """POST a form with the CSRF token a browser would send along."""
    return client.post(url, data={"csrf_token": csrf_token(client, page or url), **data}, **kwargs)


def sign_in(client, email: str, password: str = DEMO_PASSWORD, **extra):
    return post_form(client, "/login", {"email": email, "password": password, **extra})


@pytest.fixture
def login_as(app):
    """`login_as("guardian")` returns a client signed in as that demo account."""

    def login(role: str):
        client = app.test_client()
        response = sign_in(client, ACCOUNTS[role])
        assert response.status_code == 303, f"{role} could not sign in"
        return client

    return login


@pytest.fixture
def ctx(app):
    """An application context for tests that call domain logic directly."""
    with app.app_context():
        yield app
