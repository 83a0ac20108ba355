"""Language and time zone of a request."""

from __future__ import annotations

from functools import cache

from babel import Locale
from flask import current_app, request, session
from flask_login import current_user

from app import languages


@cache  # per process, safely: a Babel locale is a pure function of its name
def _locale(identifier: str) -> Locale:
    return Locale.parse(identifier)


def select_locale() -> Locale:
    """The user's own setting, then the browser's languages, then Swedish. (A Locale
    object rather than its name: Flask-Babel would parse the name again on every
    request.)"""
    pseudo = current_app.config["PSEUDO_LOCALE"]
    if getattr(current_user, "is_authenticated", False):
        chosen = languages.babel_locale(current_user.locale, pseudo)
        if chosen:
            return _locale(chosen)
    chosen = languages.babel_locale(session.get("locale"), pseudo)
    if chosen:
        return _locale(chosen)
    return _locale(request.accept_languages.best_match(languages.UI_CODES) or languages.DEFAULT)


def select_timezone() -> str:
    # Every school so far is in Sweden; a school's own zone is used where it matters.
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
