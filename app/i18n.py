"""Language and time zone of a request."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user

from app.languages import UI_CODES


def select_locale() -> str:
    """The user's own setting, then the browser's languages, then Swedish."""
    languages = UI_CODES
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def select_timezone() -> str:
    # Every school so far is in Sweden; a school's own zone is used where it matters.
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
