"""Swedish by default, English second: catalogues complete, locale chosen in the right order."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po
from sqlalchemy import select

from app.extensions import db
from app.people.models import User
from tests.conftest import post_form

TRANSLATIONS = Path(__file__).resolve().parent.parent / "app" / "translations"


def _read(path: Path):
    with open(path, "rb") as f:
        return read_po(f)


def _catalog(locale: str):
    return _read(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")


def test_swedish_catalog_translates_every_string():
    catalog = _catalog("sv")
    template = _read(TRANSLATIONS / "messages.pot")
    assert {m.id for m in template if m.id} <= {m.id for m in catalog if m.id}, (
        "run make translations-extract"
    )
    untranslated = [
        m.id
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert untranslated == []
    assert not [m.id for m in catalog if m.id and m.fuzzy]


def test_english_catalog_covers_the_template():
    template = _read(TRANSLATIONS / "messages.pot")
    assert {m.id for m in template if m.id} <= {m.id for m in _catalog("en") if m.id}


def test_catalogs_are_compiled():
    for locale in ("sv", "en"):
        assert (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").exists(), locale


def test_swedish_is_the_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="sv" dir="ltr">' in page and "Logga in i Mentorskap" in page


def test_browser_language_is_used_when_nothing_is_chosen(client):
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(
        as_text=True
    )
    assert '<html lang="en" dir="ltr">' in page and "Sign in to Mentorskap" in page
    other = client.get("/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert "Logga in i Mentorskap" in other


def test_footer_switch_works_for_anonymous_visitors(client):
    response = post_form(client, "/language", {"locale": "en", "next": "/login"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert "Sign in to Mentorskap" in client.get("/login").get_data(as_text=True)


def test_users_own_setting_wins_and_is_saved(app, login_as):
    client = login_as("guardian")
    post_form(client, "/language", {"locale": "en", "next": "/home/guardian"}, page="/account")
    page = client.get("/home/guardian", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Hello Anna" in page and "Your 2 children at school" in page
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "guardian@example.org"))
        assert user.locale == "en"


def test_language_switch_ignores_unknown_locales(client):
    post_form(client, "/language", {"locale": "xx"})
    assert "Logga in i Mentorskap" in client.get("/login").get_data(as_text=True)


def test_dates_are_formatted_in_swedish(login_as):
    page = login_as("principal").get("/home/principal").get_data(as_text=True)
    assert "2 nov. – fre 6 nov." in page or "mån 2 nov. – fre 6 nov." in page
