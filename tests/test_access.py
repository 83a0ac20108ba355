"""Access for every route and every role. Anything a role may not see answers 404
(never 403, so ids cannot be probed); anonymous visitors are sent to sign in.

Every GET route of the app must be listed in ROUTES, or test_every_route_is_listed fails:
a new page cannot ship without its access rules written down here."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.school.models import MentorGroup

ROLES = [
    "anonymous",
    "guardian",
    "other_guardian",
    "student",
    "mentor",
    "comentor",
    "other_mentor",
    "principal",
    "admin",
]
EVERYONE = set(ROLES) - {"anonymous"}

# path → roles that get 200 (others get 404, anonymous a redirect to sign-in).
ROUTES: dict[str, set[str]] = {
    "/home/guardian": {"guardian", "other_guardian"},
    "/home/student": {"student"},
    "/home/mentor": {"mentor", "comentor", "other_mentor"},
    "/home/principal": {"principal"},
    "/home/admin": {"admin"},
    "/groups/{7A}": {"mentor", "comentor", "principal", "admin"},
    "/groups/{8B}": {"other_mentor", "principal", "admin"},
    "/account": EVERYONE,
}
# Open to everyone, signed in or not.
PUBLIC = [
    "/login",
    "/login/link",
    "/password/forgot",
    "/healthz",
    "/offline",
    "/manifest.webmanifest",
    "/sw.js",
]
# Routes whose access is covered by their own tests (path parameters that are secrets,
# redirects that depend on the user's roles).
COVERED_ELSEWHERE = {
    "/login/link/<token>": "people/test_signin.py",
    "/password/reset/<token>": "people/test_signin.py",
    "/": "home/test_home.py",
    "/no-role": "home/test_home.py",
    "/role/<role>": "home/test_home.py",
    "/static/<path:filename>": "test_web.py",
}


def _group_ids(app) -> dict[str, int]:
    with app.app_context():
        return {g.name: g.id for g in db.session.scalars(select(MentorGroup))}


def _resolve(path: str, ids: dict[str, int]) -> str:
    for name, gid in ids.items():
        path = path.replace("{" + name + "}", str(gid))
    return path


@pytest.mark.parametrize("role", ROLES)
def test_role_access_to_every_route(app, login_as, role):
    client = app.test_client() if role == "anonymous" else login_as(role)
    ids = _group_ids(app)
    for template, allowed in ROUTES.items():
        path = _resolve(template, ids)
        response = client.get(path)
        if role == "anonymous":
            assert response.status_code == 302, path
            assert response.headers["Location"].startswith("/login?next="), path
        elif role in allowed:
            assert response.status_code == 200, f"{role} should see {path}"
        else:
            assert response.status_code == 404, f"{role} must not see {path}"


@pytest.mark.parametrize("path", PUBLIC)
def test_public_routes(client, path):
    assert client.get(path).status_code == 200


def test_unknown_group_is_404_like_a_forbidden_one(login_as):
    client = login_as("mentor")
    missing = client.get("/groups/999999")
    assert missing.status_code == 404
    assert "Sidan finns inte" in missing.get_data(as_text=True)


def test_every_route_is_listed(app):
    listed = {t.replace("{7A}", "<int:group_id>").replace("{8B}", "<int:group_id>") for t in ROUTES}
    listed |= set(PUBLIC) | set(COVERED_ELSEWHERE)
    unlisted = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        if rule.rule not in listed:
            unlisted.append(rule.rule)
    assert unlisted == [], "add these routes to tests/test_access.py"


def test_unsafe_routes_need_csrf(app, login_as):
    """Every POST route refuses a request without the CSRF token."""
    client = login_as("guardian")
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or "<" in rule.rule:
            continue
        response = client.post(rule.rule, data={})
        assert response.status_code == 400, rule.rule
        assert "Formuläret har gått ut" in response.get_data(as_text=True)
