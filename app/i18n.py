"""Language and time zone of a request."""

from __future__ import annotations

from functools import cache

import pytz
from babel import Locale
from flask import current_app, request, session
from flask_login import current_user

from app import languages


# Per process, safely: a Babel locale and a time zone are pure functions of their names,
# and the language a browser's Accept-Language header asks for is one of the header.
@cache
def _locale(identifier: str) -> Locale:
    return Locale.parse(identifier)


@cache
def _zone(name: str):
    return pytz.timezone(name)


_ASKED: dict[str, str] = {}
_ASKED_MAX = 1_000


def _browser_choice() -> str:
    header = request.headers.get("Accept-Language", "")
    chosen = _ASKED.get(header)
    if chosen is None:
        chosen = request.accept_languages.best_match(languages.UI_CODES) or languages.DEFAULT
        if len(_ASKED) >= _ASKED_MAX:
            _ASKED.clear()
        _ASKED[header] = chosen
    return chosen


def select_locale() -> Locale:
    """The user's own setting, then the browser's languages, then Swedish. (Objects kept
    per process rather than names: Flask-Babel would parse a name on every request.)"""
    pseudo = current_app.config["PSEUDO_LOCALE"]
    if getattr(current_user, "is_authenticated", False):
        chosen = languages.babel_locale(current_user.locale, pseudo)
        if chosen:
            return _locale(chosen)
    chosen = languages.babel_locale(session.get("locale"), pseudo)
    if chosen:
        return _locale(chosen)
    return _locale(_browser_choice())


def select_timezone():
    # Every school so far is in Sweden; a school's own zone is used where it matters.
    return _zone(current_app.config["BABEL_DEFAULT_TIMEZONE"])
