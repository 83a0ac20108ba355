"""Every interface language: catalogues complete and consistent, the locale chosen in the
right order, one registry of languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from sqlalchemy import select, update

from app import languages
from app.extensions import db
from app.people.models import User
from tests.conftest import post_form

TRANSLATIONS = Path(__file__).resolve().parent.parent / "app" / "translations"


def _read(path: Path):
    with open(path, "rb") as f:
        return read_po(f)


def _catalog(locale: str):
    return _read(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
TRANSLATED = [lang.code for lang in languages.UI_LANGUAGES if lang.code != "en"]


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_catalog_translates_every_string(locale):
    """CI fails when a catalogue misses a message the templates or code use."""
    catalog = _catalog(locale)
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


@pytest.mark.parametrize("locale", TRANSLATED)
def test_placeholders_match_the_source(locale):
    """A translation names exactly the source's placeholders (a plural form may leave
    out the number where the language writes it as a word)."""
    wrong = []
    for message in _catalog(locale):
        if not message.id:
            continue
        ids = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for text in strings:
            found = set(PLACEHOLDER.findall(text))
            if found != wanted and not (message.pluralizable and found <= wanted):
                wrong.append((locale, ids[0]))
    assert wrong == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_plural_forms_follow_the_language(locale):
    catalog = _catalog(locale)
    expected = Catalog(locale=locale).num_plurals if locale != "ti" else 2
    assert catalog.num_plurals == expected
    assert all(len(m.string) == catalog.num_plurals for m in catalog if m.id and m.pluralizable)


@pytest.mark.parametrize("locale", [c for c in TRANSLATED if c != "sv"])
def test_machine_drafts_are_marked_for_native_review(locale):
    header = (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").read_text()[:2000]
    assert "awaiting review by a native speaker" in header or "Reviewed by" in header


def test_english_catalog_covers_the_template():
    template = _read(TRANSLATIONS / "messages.pot")
    assert {m.id for m in template if m.id} <= {m.id for m in _catalog("en") if m.id}


def test_catalogs_are_compiled():
    for locale in languages.UI_CODES:
        assert (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").exists(), locale


def test_the_registry_is_the_only_list_of_languages():
    """No other module or template spells out the interface languages."""
    root = TRANSLATIONS.parent.parent
    spelled = re.compile(r"""["'](?:sv|en)["']\s*,\s*["'](?:sv|en)["']""")
    offenders = [
        str(path.relative_to(root))
        for folder in ("app", "templates")
        for path in (root / folder).rglob("*")
        if path.suffix in (".py", ".html")
        and path.name != "languages.py"
        and spelled.search(path.read_text())
    ]
    assert offenders == []


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


def test_mail_is_in_the_recipients_language(app, login_as):
    """Anna books in Swedish; Oskar's other guardian reads Somali and gets Somali."""
    from flask_babel import force_locale, gettext

    from app.outbox import OutboxMessage
    from app.talks.models import TalkPeriod
    from app.talks.slots import future_open_slots
    from tests.talks.helpers import student

    with app.app_context():
        db.session.execute(
            update(User).where(User.email == "guardian2@example.org").values(locale="so")
        )
        db.session.commit()
        period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group.has(name="7A")))
        slot = future_open_slots(period)[0].id
        oskar = student("Oskar").id
    path = f"/talks/periods/{period.id}/students/{oskar}/book/{slot}"
    assert post_form(login_as("guardian"), path, {"attendees": "Anna"}).status_code == 303
    with app.app_context(), app.test_request_context():
        mails = {
            m.recipient: m
            for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        }
        subject = "Development talk booked: %(name)s, %(when)s"
        with force_locale("so"):
            somali = gettext(subject, name="Oskar", when="|").split("|")[0]
        with force_locale("sv"):
            swedish = gettext(subject, name="Oskar", when="|").split("|")[0]
    assert somali != swedish
    assert mails["guardian@example.org"].subject.startswith(swedish)
    assert mails["guardian2@example.org"].subject.startswith(somali)


def test_names_keep_their_own_direction_inside_sentences(app, login_as):
    """A Latin name in an Arabic sentence and an Arabic name in a Swedish sentence are
    isolated (U+2068 … U+2069); Latin in Swedish stays exactly as it was."""
    client = login_as("guardian")
    assert "<h1>Hej Anna</h1>" in client.get("/home/guardian").get_data(as_text=True)
    with app.app_context():
        anna = db.session.scalar(select(User).where(User.email == "guardian@example.org"))
        anna.name = "أمينة Karlsson"
        db.session.commit()
    page = client.get("/home/guardian").get_data(as_text=True)
    assert "<h1>Hej \u2068أمينة\u2069</h1>" in page
    with app.app_context():
        anna = db.session.scalar(select(User).where(User.email == "guardian@example.org"))
        anna.name, anna.locale = "Anna Karlsson", "ar"
        db.session.commit()
    page = client.get("/home/guardian").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page and "\u2068Anna\u2069" in page


def test_the_switch_offers_every_interface_language_in_its_own_name(client):
    page = client.get("/login").get_data(as_text=True)
    for language in languages.UI_LANGUAGES:
        assert f'value="{language.code}" lang="{language.code}" dir="{language.direction}"' in page
        assert f">{language.own_name}</button>" in page
    assert "[Ƥşéûđö]" not in page  # the pseudo-locale only where switched on
