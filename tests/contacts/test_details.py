"""Validation and the rules for keeping details current."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import languages
from app.audit import AuditEvent
from app.contacts import details
from app.db_types import utcnow
from app.extensions import db
from tests.talks.helpers import user


@pytest.mark.parametrize(
    ("given", "stored", "shown"),
    [
        ("070-123 45 67", "+46701234567", "070-123 45 67"),
        ("0701234567", "+46701234567", "070-123 45 67"),
        ("+46 70 123 45 67", "+46701234567", "070-123 45 67"),
        ("0046701234567", "+46701234567", "070-123 45 67"),
        ("08-123 456 78", "+46812345678", "08-123 456 78"),
        ("+358 40 123 4567", "+358401234567", "+358 40 1234567"),
    ],
)
def test_phone_numbers_national_and_international(given, stored, shown):
    assert details.normalise_phone(given) == stored
    assert details.display_phone(stored) == shown


@pytest.mark.parametrize("given", ["12345", "070-12", "abc", "+46 70 123"])
def test_invalid_phone_numbers(given):
    with pytest.raises(ValueError):
        details.normalise_phone(given)


@pytest.mark.parametrize(
    ("given", "stored"), [("12345", "123 45"), ("123 45", "123 45"), (" 98765 ", "987 65")]
)
def test_postal_codes(given, stored):
    assert details.normalise_postal_code(given) == stored


@pytest.mark.parametrize("given", ["1234", "123456", "12a45", "123-45"])
def test_invalid_postal_codes(given):
    with pytest.raises(ValueError):
        details.normalise_postal_code(given)


def test_language_names_follow_the_ui_language():
    assert languages.name("so", "sv") == "somaliska"
    assert languages.name("so", "en") == "Somali"
    assert languages.name("prs", "sv") == "dari"
    assert ("ar", "arabiska") in languages.choices("sv")


def test_changes_are_audited_with_old_and_new_values(ctx):
    anna = user("guardian@example.org")
    old_mobile = details.details_for(anna).mobile
    changes = details.update_details(
        anna,
        {"mobile": "+46701740699", "town": "Lindbacka"}
        | {
            f: getattr(details.details_for(anna), f)
            for f in ("other_phone", "street", "postal_code", "language", "needs_interpreter")
        },
    )
    db.session.commit()
    assert changes == {"mobile": (old_mobile, "+46701740699")}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contact.changed"))
    assert event.detail == {"mobile": {"old": old_mobile, "new": "+46701740699"}}
    assert details.history(anna)[0].id == event.id


def test_confirmation_is_due_once_a_school_year_and_after_the_interval(ctx):
    anna = user("guardian@example.org")
    today = date(2026, 11, 23)
    d = details.details_for(anna)
    d.confirmed_at = utcnow().replace(year=2026, month=11, day=1)
    assert not details.needs_confirmation(anna, today)
    d.confirmed_at = utcnow().replace(year=2026, month=6, day=1)  # before this school year
    assert details.needs_confirmation(anna, today)
    d.confirmed_at = None
    assert details.needs_confirmation(anna, today)
    d.confirmed_at = utcnow().replace(year=2026, month=9, day=1)
    d.user.guardianships[0].student.school.contact_confirm_days = 30
    assert details.needs_confirmation(anna, today)
    assert not details.needs_confirmation(user("mentor@example.org"), today)  # not a guardian


def test_new_guardian_without_details_is_asked(ctx):
    johan = user("guardian2@example.org")
    db.session.delete(details.details_for(johan))
    db.session.flush()
    assert details.needs_confirmation(johan, date.today() + timedelta(days=1))
