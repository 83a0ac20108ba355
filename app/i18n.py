"""Language and time zone of a request."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user

from app import languages


def select_locale() -> str:
    """The user's own setting, then the browser's languages, then Swedish."""
    pseudo = current_app.config["PSEUDO_LOCALE"]
    if getattr(current_user, "is_authenticated", False):
        chosen = languages.babel_locale(current_user.locale, pseudo)
        if chosen:
            return chosen
    chosen = languages.babel_locale(session.get("locale"), pseudo)
    if chosen:
        return chosen
    return request.accept_languages.best_match(languages.UI_CODES) or languages.DEFAULT


def select_timezone() -> str:
    # Every school so far is in Sweden; a school's own zone is used where it matters.
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
