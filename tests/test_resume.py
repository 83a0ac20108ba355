"""Typed text survives an expired sign-in, and only that: a request that failed the CSRF
check, or that no page of ours sent, is never kept, shown again or replayed."""

from __future__ import annotations

import re

from sqlalchemy import func, select, update

from app.contacts.models import EmailChange
from app.db_types import utcnow
from app.extensions import db
from app.people.models import UserSession
from app.talks.models import TalkPeriod, TalkRecord
from tests.conftest import ACCOUNTS, csrf_token
from tests.talks.helpers import student

NOTE = "Lång anteckning från samtalet som inte får försvinna."
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def _record_path(app) -> str:
    with app.app_context():
        period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group.has(name="7A")))
        return f"/talks/periods/{period.id}/students/{student('Oskar').id}/record"


def _hidden(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))


def _expire_sessions(app) -> None:
    """The sign-in ran out on the server while the person was typing."""
    with app.app_context():
        db.session.execute(update(UserSession).values(expires_at=utcnow()))
        db.session.commit()


def _records(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(TalkRecord))


def test_expired_signin_keeps_the_text_to_read_and_send(app, login_as):
    path = _record_path(app)
    mentor = login_as("mentor")
    token = csrf_token(mentor, path)
    _expire_sessions(app)
    response = mentor.post(
        path,
        data={"csrf_token": token, "held": "yes", "summary_published": "y", "notes": NOTE},
        headers=SAME_ORIGIN,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Logga in igen för att spara det du skrev" in page and NOTE in page
    carried = _hidden(page)
    assert carried["resume_to"] == path and carried["resume__notes"] == NOTE

    # Wrong password first: still kept.
    wrong = mentor.post(
        "/login",
        data={**carried, "email": ACCOUNTS["mentor"], "password": "nope"},
        headers=SAME_ORIGIN,
    )
    assert wrong.status_code == 422 and NOTE in wrong.get_data(as_text=True)
    carried = _hidden(wrong.get_data(as_text=True))

    signed_in = mentor.post(
        "/login",
        data={**carried, "email": ACCOUNTS["mentor"], "password": "mentorskap"},
        headers=SAME_ORIGIN,
    )
    page = signed_in.get_data(as_text=True)
    # Shown filled in, in a field the person reads and may change; nothing sent yet.
    assert signed_in.status_code == 200 and "Läs igenom och skicka" in page
    assert re.search(r'<textarea id="resume-\d+" name="notes" rows="5">' + NOTE, page)
    assert re.search(r'type="checkbox" name="summary_published" value="y" checked', page)
    assert _hidden(page)["held"] == "yes"  # a choice, not typed text: kept as it was
    assert _records(app) == 0
    saved = mentor.post(path, data={**_hidden(page), "summary_published": "y", "notes": NOTE})
    assert saved.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(TalkRecord.notes)) == NOTE


def test_a_request_without_same_origin_evidence_is_not_kept(app, login_as):
    path = _record_path(app)
    mentor = login_as("mentor")
    token = csrf_token(mentor, path)
    _expire_sessions(app)
    response = mentor.post(path, data={"csrf_token": token, "notes": NOTE})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert NOTE not in mentor.get(response.headers["Location"]).get_data(as_text=True)
    other_site = mentor.post(
        path,
        data={"csrf_token": token, "notes": NOTE},
        headers={"Origin": "https://evil.example"},
    )
    assert other_site.status_code == 302 and NOTE not in other_site.get_data(as_text=True)


def test_failed_csrf_is_never_kept_or_offered_again(app, login_as):
    path = _record_path(app)
    mentor = login_as("mentor")
    response = mentor.post(path, data={"csrf_token": "stale", "notes": NOTE}, headers=SAME_ORIGIN)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert NOTE not in page and "resume__" not in page and "Skicka" not in page
    assert _records(app) == 0


def test_cross_site_write_is_refused_before_any_view(app, login_as):
    path = _record_path(app)
    mentor = login_as("mentor")
    token = csrf_token(mentor, path)
    response = mentor.post(
        path,
        data={"csrf_token": token, "notes": NOTE},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403 and NOTE not in response.get_data(as_text=True)
    assert _records(app) == 0


def test_the_takeover_replay_no_longer_works(app, login_as):
    """The reviewer's attack: another site posts a new contact e-mail address into the
    victim's browser; the victim signs in and is offered to send it. Now the forged form
    gets the plain expired-form page, with nothing of it kept."""
    guardian = login_as("guardian")
    _expire_sessions(app)
    forged = guardian.post(
        "/contact",
        data={"email": "attacker@evil.example", "mobile": "0701740605"},
        headers={"Origin": "https://evil.example"},
    )
    page = forged.get_data(as_text=True)
    assert forged.status_code in (400, 403)
    assert "attacker@evil.example" not in page and "resume__" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EmailChange)) == 0


def test_passwords_are_never_carried(app, login_as):
    user = login_as("mentor")
    token = csrf_token(user, "/account")
    _expire_sessions(app)
    response = user.post(
        "/account/password",
        data={"csrf_token": token, "current": "mentorskap", "password": "a-new-long-secret"},
        headers=SAME_ORIGIN,
    )
    # Nothing but passwords was typed: nothing is carried, an ordinary sign-in follows.
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = user.get(response.headers["Location"]).get_data(as_text=True)
    assert "a-new-long-secret" not in page and "mentorskap" not in _hidden(page).values()


def test_resume_only_targets_local_paths(client):
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={
            "csrf_token": token,
            "email": "mentor@example.org",
            "password": "mentorskap",
            "resume_to": "https://evil.example/x",
            "resume__notes": "x",
        },
        headers=SAME_ORIGIN,
    )
    assert response.status_code == 303  # an ordinary sign-in, nothing resent


def test_text_kept_for_one_person_is_not_shown_to_the_next(app, login_as):
    """A shared family computer: the mentor's sign-in ran out; the co-mentor signs in on
    the same browser. The mentor's text is not offered to them."""
    path = _record_path(app)
    mentor = login_as("mentor")
    token = csrf_token(mentor, path)
    _expire_sessions(app)
    kept = mentor.post(path, data={"csrf_token": token, "notes": NOTE}, headers=SAME_ORIGIN)
    carried = _hidden(kept.get_data(as_text=True))
    assert kept.status_code == 401 and carried["resume__notes"] == NOTE
    other = mentor.post(
        "/login",
        data={**carried, "email": ACCOUNTS["comentor"], "password": "mentorskap"},
        headers=SAME_ORIGIN,
    )
    assert other.status_code == 303 and NOTE not in other.get_data(as_text=True)
