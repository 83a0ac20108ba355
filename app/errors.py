"""Styled, translated error pages that keep the navigation."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, render_template, request
from flask_babel import format_timedelta
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.web import safe_next

MESSAGES = {
    400: (_l("Something in the request was wrong"), _l("Go back and try again.")),
    403: (_l("Not allowed"), _l("You do not have access to this page.")),
    404: (
        _l("Page not found"),
        _l("The page does not exist, or you do not have access to it."),
    ),
    405: (_l("Not allowed"), _l("That action is not possible on this page.")),
    429: (
        _l("Too many attempts"),
        _l("Wait a minute and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("The error has been logged. Try again in a moment."),
    ),
}


def _page(code: int, title=None, text=None):
    default_title, default_text = MESSAGES.get(code, MESSAGES[500])
    return (
        render_template(
            "errors/error.html", code=code, title=title or default_title, text=text or default_text
        ),
        code,
    )


RESUME_PREFIX = "resume__"


def carried_fields(form) -> list[tuple[str, str]]:
    """What the person typed into a form, without its spent CSRF token."""
    return [(k, v) for k, v in form.items(multi=True) if k != "csrf_token"]


def resume_page(target: str, fields: list[tuple[str, str]], status: int = 400, form=None):
    """The typed text comes back with a way to send it again: a sign-in form when the
    session is gone, otherwise one button that resends it with a fresh token."""
    from app.people.forms import LoginForm

    if current_user.is_authenticated:
        form = None
    elif form is None:
        form = LoginForm(formdata=None)
    return (
        render_template(
            "errors/resume.html",
            target=target,
            fields=fields,
            prefix=RESUME_PREFIX,
            form=form,
        ),
        status,
    )


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error):
        # An expired session (or a token from before a sign-in) fails here, before any
        # view runs. The typed text must not be lost: offer to send it again.
        fields = carried_fields(request.form) if request.method == "POST" else []
        target = safe_next(request.full_path.rstrip("?"))
        if fields and target and request.endpoint not in ("people.login", "people.logout"):
            return resume_page(target, fields)
        return _page(
            400,
            _l("The form has expired"),
            _l("Reload the page and send the form again. Nothing was saved."),
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code not in MESSAGES:
            return error
        text = None
        retry_after = getattr(error, "retry_after", None)
        if error.code == 429 and isinstance(retry_after, int):
            wait = format_timedelta(timedelta(seconds=retry_after), threshold=1.0)
            text = _l("Too many attempts in a row. Try again in %(wait)s.", wait=wait)
        body, code = _page(error.code, text=text)
        # The exception's own headers stay: Allow on 405, Retry-After on 429.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return body, code, headers

    @app.errorhandler(InternalServerError)
    def _server(_error):
        db.session.rollback()
        return _page(500)
