"""The pseudo-locale: accented, 40% longer, placeholders intact; offered only where on."""

from __future__ import annotations

from app.pseudo import pseudo
from tests.conftest import post_form


def test_pseudo_text_is_longer_accented_and_keeps_placeholders():
    source = "Book a time for %(name)s"
    text = pseudo(source)
    assert "%(name)s" in text and "Ɓööķ" in text
    assert len(text) >= len(source) * 1.4


def test_pseudo_locale_only_where_switched_on(make_app):
    plain = make_app(PSEUDO_LOCALE=False).test_client()
    assert "[Ƥşéûđö]" not in plain.get("/login").get_data(as_text=True)
    post_form(plain, "/language", {"locale": "en-XA", "next": "/login"})
    assert '<html lang="sv"' in plain.get("/login").get_data(as_text=True)

    dev = make_app(PSEUDO_LOCALE=True).test_client()
    assert "[Ƥşéûđö]" in dev.get("/login").get_data(as_text=True)
    post_form(dev, "/language", {"locale": "en-XA", "next": "/login"})
    page = dev.get("/login").get_data(as_text=True)
    assert '<html lang="en-XA" dir="ltr">' in page
    assert pseudo("Sign in to Mentorskap") in page
