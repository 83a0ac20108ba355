"""The page frame (app/chrome.py) is rendered once per language, roles and menu entry,
yet each page carries its own session's CSRF token and its own path."""

from __future__ import annotations

import re

from tests.conftest import CSRF_RE, post_form

SIGN_OUT = re.compile(
    r'action="/logout"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"'
)
HX_HEADERS = re.compile(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'")
NEXT = re.compile(r'name="next" value="([^"]*)"')


def _tokens(html: str) -> set[str]:
    return {*CSRF_RE.findall(html), *HX_HEADERS.findall(html)}


def test_each_session_gets_its_own_token_in_the_shared_frame(login_as):
    first, second = login_as("guardian"), login_as("guardian")
    pages = [c.get("/home/guardian").get_data(as_text=True) for c in (first, second)]
    tokens = [_tokens(html) for html in pages]
    # One token per page (header, sign-out form and footer agree), a different one per session.
    assert len(tokens[0]) == 1 and len(tokens[1]) == 1
    assert tokens[0] != tokens[1]
    assert SIGN_OUT.search(pages[0]).group(1) in tokens[0]
    # And each works for its own session only: sign out of the first with its token.
    response = first.post("/logout", data={"csrf_token": next(iter(tokens[1]))})
    assert response.status_code == 400
    response = first.post("/logout", data={"csrf_token": next(iter(tokens[0]))})
    assert response.status_code in (302, 303)


def test_the_language_form_returns_to_this_page_escaped(client):
    html = client.get('/login?x="><b>bold</b>').get_data(as_text=True)
    assert "<b>bold</b>" not in html
    assert NEXT.search(html).group(1) == "/login?x=&#34;&gt;&lt;b&gt;bold&lt;/b&gt;"
    html = client.get("/login").get_data(as_text=True)
    assert NEXT.search(html).group(1) == "/login"


def test_the_menu_marks_the_page_the_user_is_on(login_as):
    client = login_as("guardian")
    home = client.get("/home/guardian").get_data(as_text=True)
    calendar = client.get("/calendar").get_data(as_text=True)
    current = re.compile(r'<a href="([^"]+)" aria-current="page"')
    assert current.findall(home) == ["/role/guardian"]
    assert current.findall(calendar) == ["/calendar"]


def test_the_frame_follows_the_language(login_as):
    client = login_as("guardian")
    post_form(
        client, "/language", {"locale": "sv", "next": "/home/guardian"}, page="/home/guardian"
    )
    swedish = client.get("/home/guardian").get_data(as_text=True)
    post_form(
        client, "/language", {"locale": "ar", "next": "/home/guardian"}, page="/home/guardian"
    )
    arabic = client.get("/home/guardian").get_data(as_text=True)
    assert '<html lang="sv" dir="ltr">' in swedish and "Logga ut" in swedish
    assert '<html lang="ar" dir="rtl">' in arabic and "Logga ut" not in arabic
