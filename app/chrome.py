"""The frame of every page: the head, the header with the menu, and the footer with the
language buttons (templates/_chrome/).

The frame is the same for every page a role sees in a language, apart from the session's
CSRF token and the page's own path, yet rendering it took as long as a guardian's whole
list of children. So each process renders each frame once, for each language, set of
roles and menu entry the page is, with markers where the token and path go, and a request
only fills those in. Nothing here differs between workers or holds anything personal: a
frame is a pure function of its key (templates and translations are fixed for a release),
and every worker renders the same text for the same key.
"""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user
from markupsafe import Markup, escape

from app import hot_path, languages
from app.access import current_roles

PARTS = ("start", "header", "footer")
CSRF_MARK = "@@csrf-token@@"
PATH_MARK = "@@page-path@@"
_MAX_FRAMES = 2_000

# Menu entries marked as the current page (aria-current); any other page has none.
_MENU_ENDPOINTS = frozenset({"feeds.calendar", "people.account"})


def _menu_entry(endpoint: str | None) -> str | None:
    from app.web import ROLE_HOMES

    if endpoint in _MENU_ENDPOINTS or endpoint in ROLE_HOMES.values():
        return endpoint
    return None


def _render(part: str, locale: str, signed_in: bool, roles: tuple, endpoint: str | None):
    """The part with markers in place of the token and the path, split at them."""
    page_code = languages.code_for(locale)
    html = current_app.jinja_env.get_template(f"_chrome/{part}.html").render(
        page_code=page_code,
        page_dir=languages.direction(locale),
        signed_in=signed_in,
        roles=roles,
        endpoint=endpoint,
        csrf=CSRF_MARK,
        next=PATH_MARK,
    )
    pieces = []
    for i, chunk in enumerate(html.split(CSRF_MARK)):
        if i:
            pieces.append(CSRF_MARK)
        for j, inner in enumerate(chunk.split(PATH_MARK)):
            if j:
                pieces.append(PATH_MARK)
            pieces.append(inner)
    return tuple(pieces)


def _this_request() -> list:
    """What the three parts' keys and fillings share, worked out at the first part of a
    request: (script root, signed in, roles, menu entry, escaped token or None, escaped
    path). The token is only read when a frame has a place for it."""
    this = request._get_current_object()
    found = this.__dict__.get("chrome_parts")
    if found is None:
        signed_in = bool(getattr(current_user, "is_authenticated", False))
        roles = tuple(current_roles()) if signed_in else ()
        found = this.chrome_parts = [
            this.script_root,
            signed_in,
            roles,
            _menu_entry(this.endpoint),
            None,
            str(escape(this.full_path.rstrip("?"))),
        ]
    return found


def chrome(part: str) -> Markup:
    """One part of the frame for this request (see the module's docstring)."""
    locale = hot_path.speech().locale_key
    found = _this_request()
    root, signed_in, roles, endpoint = found[0], found[1], found[2], found[3]
    if part == "header":
        key = (part, locale, root, signed_in, roles, endpoint)
    else:
        key = (part, locale, root, signed_in, (), None)
    app = current_app._get_current_object()
    frames: dict = app.extensions.setdefault("chrome_frames", {})
    pieces = frames.get(key)
    if pieces is None or app.debug:
        pieces = _render(part, locale, signed_in, key[4], key[5])
        if len(frames) >= _MAX_FRAMES:
            frames.clear()
        frames[key] = pieces
    if len(pieces) == 1:
        return Markup(pieces[0])
    token = found[4]
    if token is None and CSRF_MARK in pieces:
        token = found[4] = str(escape(hot_path.csrf_token()))
    path = found[5]
    return Markup(
        "".join(
            token if piece is CSRF_MARK else path if piece is PATH_MARK else piece
            for piece in pieces
        )
    )
