"""Typed text survives an expired session: sign in again and send it, nothing lost."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.talks.models import TalkPeriod, TalkRecord
from tests.conftest import csrf_token
from tests.talks.helpers import student

NOTE = "Lång anteckning från samtalet som inte får försvinna."


def _record_path(app) -> str:
    with app.app_context():
        period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group.has(name="7A")))
        return f"/talks/periods/{period.id}/students/{student('Oskar').id}/record"


def _hidden(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))


def test_expired_session_keeps_the_text_through_sign_in(app, login_as):
    path = _record_path(app)
    mentor = login_as("mentor")
    token = csrf_token(mentor, path)
    mentor.delete_cookie("session")  # the session ran out while the mentor was typing
    response = mentor.post(path, data={"csrf_token": token, "held": "yes", "notes": NOTE})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Logga in igen för att spara det du skrev" in page and NOTE in page
    carried = _hidden(page)
    assert carried["resume_to"] == path and carried["resume__notes"] == NOTE

    # Wrong password first: still kept.
    wrong = mentor.post(
        "/login", data={**carried, "email": "mentor@example.org", "password": "nope"}
    )
    assert wrong.status_code == 422 and NOTE in wrong.get_data(as_text=True)
    carried = _hidden(wrong.get_data(as_text=True))

    signed_in = mentor.post(
        "/login", data={**carried, "email": "mentor@example.org", "password": "mentorskap"}
    )
    page = signed_in.get_data(as_text=True)
    assert signed_in.status_code == 200 and "Skicka igen" in page
    resend = _hidden(page)
    assert resend["notes"] == NOTE
    saved = mentor.post(path, data=resend)
    assert saved.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(TalkRecord.notes)) == NOTE


def test_stale_token_while_signed_in_offers_to_send_again(app, login_as):
    path = _record_path(app)
    mentor = login_as("mentor")
    response = mentor.post(path, data={"csrf_token": "stale", "notes": NOTE})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Skicka igen" in page
    assert mentor.post(path, data=_hidden(page)).status_code == 303


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
    )
    assert response.status_code == 303  # an ordinary sign-in, nothing resent
