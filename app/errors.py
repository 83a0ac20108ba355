"""Styled, translated error pages that keep the navigation."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, render_template
from flask_babel import format_timedelta
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.web import typed_field

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
# Fields that carry no typed text and are never carried or shown again.
NOT_CARRIED = {"csrf_token", "resume_to"}


def _carried(name: str) -> bool:
    found = typed_field(name)
    return name not in NOT_CARRIED and (found is None or found[1] != "password")


def carried_fields(form) -> list[tuple[str, str]]:
    """What the person typed into a form, without its spent CSRF token and passwords."""
    return [(k, v) for k, v in form.items(multi=True) if _carried(k)]


def resumed_fields(form) -> list[tuple[str, str]]:
    """The typed text carried through the sign-in form (as `resume__<name>` fields)."""
    return [
        (name, value)
        for key, value in form.items(multi=True)
        if key.startswith(RESUME_PREFIX) and _carried(name := key.removeprefix(RESUME_PREFIX))
    ]


def resume_page(target: str, fields: list[tuple[str, str]], status: int = 401, form=None):
    """Typed text comes back when the sign-in ran out while the person was writing: first
    with a sign-in form that carries it, then, signed in, filled into a form that the person
    reads and sends themselves. Only ever for a request that passed the CSRF check."""
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
        # A request without a valid token may come from another site: nothing of it is
        # kept, shown again or replayed. (An expired sign-in keeps its token, because the
        # token lives in the longer-lived cookie; see the unauthorized handler.)
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
