"""What every page shares: rendering a page or its htmx fragment, redirects after a
successful POST, content-hashed static URLs, caching headers and the navigation."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user
from htmx_flask import make_response as htmx_response
from jinja2_fragments.flask import render_block
from markupsafe import Markup
from werkzeug.routing import IntegerConverter, UnicodeConverter

from app import hot_path, languages
from app.access import ROLES, current_roles, may_decide_leave, may_write_goal, role_label
from app.chrome import chrome
from app.db_types import utcnow
from app.fields import CONTROL_CHARACTERS, in_date_range
from app.submissions import ALREADY_SENT
from app.submissions import new_key as new_send_key

ROLE_HOMES = {role: f"home.{role}" for role in ROLES}


def _text(lazy) -> str:
    return hot_path.text(lazy)


def wants_fragment() -> bool:
    """A targeted htmx swap (hx-target on an element with an id). Boosted navigation,
    history restores and HX-Location follow-ups (which swap the body) get the full page."""
    hx = request.htmx
    return bool(hx) and bool(hx.target) and not hx.boosted and not hx.history_restore_request


def render(template: str, block: str | None = None, status: int = 200, **context):
    """The full page, or only `block` of it for a targeted htmx request."""
    if block and wants_fragment():
        return render_block(template, block, **context), status
    return render_template(template, **context), status


def redirect_after_post(url: str):
    """303 for a plain form; for htmx a 200 with HX-Location, so history is right."""
    if request.htmx:
        return htmx_response("", 200, location=url)
    return redirect(url, 303)


# --- input from URLs: one converter for ids, no control characters in path segments --------

MAX_ID = 2**31 - 1  # PostgreSQL's integer; SQLite holds more, but both hold this


class IdConverter(IntegerConverter):
    """`<id:group_id>`: a database id, 1..2**31-1. Anything else matches no route (404),
    so an id past the database's integer range never reaches a query."""

    def __init__(self, map, *args, **kwargs) -> None:
        super().__init__(map, min=1, max=MAX_ID)


class TextConverter(UnicodeConverter):
    """The default converter for path segments (tokens, dates), without control characters:
    a NUL would reach the database (PostgreSQL refuses it)."""

    def __init__(self, map, *args, **kwargs) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f]")


def register_converters(app: Flask) -> None:
    """Before any blueprint adds its rules."""
    app.url_map.converters.update(id=IdConverter, default=TextConverter, string=TextConverter)


def arg_id(name: str) -> int | None:
    """An id from the query string (?student=3), or None when absent or out of range."""
    value = request.args.get(name, type=int)
    return value if value is not None and 1 <= value <= MAX_ID else None


def form_id(name: str) -> int | None:
    """An id from a posted field outside a form class: None when absent, and no such
    thing (404) when out of range, like an id in the path."""
    value = request.form.get(name, type=int)
    if value is not None and not 1 <= value <= MAX_ID:
        abort(404)
    return value


def arg_page(name: str = "page") -> int:
    """A page number from the query string: 1 when absent, bounded so no OFFSET overflows."""
    value = request.args.get(name, 1, type=int)
    return min(max(value, 1), 100_000)


def arg_text(name: str, max_length: int = 200) -> str:
    """Free text from the query string (a search): control characters removed, bounded."""
    return CONTROL_CHARACTERS.sub("", request.args.get(name, ""))[:max_length].strip()


def arg_date(name: str) -> date | None:
    """A date from the query string (?from=2026-08-17), or None when absent, malformed or
    outside the dates the app handles (no date arithmetic may overflow near year 9999)."""
    try:
        value = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    return value if in_date_range(value) else None


# --- redirects: only to this site ----------------------------------------------------------


def after_create(url: str, first: bool, done: str):
    """The answer to a creating form sent with a send key: to what it made, saying so, or,
    for a second send of the same form, to what the first made, saying that."""
    if first:
        flash(done, "success")
    else:
        flash(str(ALREADY_SENT), "info")
    return redirect_after_post(url)


def safe_next(target: str | None) -> str | None:
    """A `next`/`back` target if it is a path on this site, else None. Every redirect to a
    target from the request goes through here.

    Browsers read `//host`, `/\\host` and `\\host` as another host, and strip tabs and
    newlines from URLs, so a target must start with a single `/`, hold no backslash and
    no control character (which also keeps CR/LF out of the Location header)."""
    if not target or len(target) > 2000:
        return None
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def same_origin_request() -> bool:
    """Whether the browser says the request comes from one of our own pages: the Fetch
    metadata header where sent (every current browser), else a matching Origin."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    return origin is not None and origin == request.host_url.rstrip("/")


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def active_role() -> str | None:
    from flask import session

    roles = current_roles()
    if not roles:
        return None
    chosen = session.get("role")
    return chosen if chosen in roles else roles[0]


def home_url() -> str:
    role = active_role()
    return url_for(ROLE_HOMES[role]) if role else url_for("people.no_role")


def typed_field(name: str) -> tuple[str, str] | None:
    """How a field of any of the app's forms is shown again when its text is carried
    through a sign-in: (label, "text" | "textarea" | "check" | "password"), or None for fields that
    carry no typed text (ids, keys, choices), which stay hidden."""
    # Per process, safely: the table is read from the form classes, which are code.
    fields = current_app.extensions.get("typed_fields")
    if fields is None:
        fields = current_app.extensions["typed_fields"] = _typed_fields()
    found = fields.get(name)
    return (str(found[0]), found[1]) if found else None


def _typed_fields() -> dict:
    from flask_wtf import FlaskForm
    from wtforms import fields as wt
    from wtforms.fields.core import UnboundField

    kinds = (
        (wt.PasswordField, "password"),
        (wt.BooleanField, "check"),
        (wt.TextAreaField, "textarea"),
        ((wt.StringField, wt.DateField, wt.TimeField, wt.DateTimeLocalField), "text"),
    )
    found: dict = {}
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        for attr in dir(form):
            unbound = getattr(form, attr, None)
            if not isinstance(unbound, UnboundField) or attr == "csrf_token":
                continue
            cls = unbound.field_class
            if issubclass(cls, wt.HiddenField):
                continue
            kind = next((k for types, k in kinds if issubclass(cls, types)), None)
            label = unbound.kwargs.get("label", unbound.args[0] if unbound.args else None)
            # A name that is a password in any form is never carried.
            if kind and label is not None and (kind == "password" or attr not in found):
                found[attr] = (label, kind)
    return found


def capfirst(text) -> str:
    """Capitalise a sentence's first letter and leave the rest as the locale writes it
    (Jinja's `capitalize` would turn "Tuesday 1 December" into "Tuesday 1 december")."""
    text = str(text)
    return text[:1].upper() + text[1:]


def ltr(text) -> Markup | str:
    """Phone numbers and e-mail addresses read left to right inside right-to-left text."""
    if not text:
        return ""
    return Markup('<bdi dir="ltr">%s</bdi>') % text


def absolute_url(endpoint: str, **values) -> str:
    """A full link for e-mail, on the public address of the deployment."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(endpoint, **values)


def static_url(filename: str) -> str:
    """URL of a static file with its content hash, so it can be cached for a year."""
    # Per process, safely: a file's content (and so its hash) is fixed for a release, and
    # every instance of a release computes the same hash. The URL is kept per script root
    # (the path the app is mounted at), the only part of it a request can change.
    urls: dict[tuple[str, str], str] = current_app.extensions.setdefault("static_urls", {})
    key = (request.script_root if has_request_context() else None, filename)
    url = urls.get(key)
    if url is None or current_app.debug:
        path = Path(current_app.static_folder) / filename
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        except FileNotFoundError:
            digest = "missing"
        url = urls[key] = url_for("static", filename=filename, v=digest)
    return url


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        static_url=static_url,
        get_locale=get_locale,
        current_roles=current_roles,
        home_url=home_url,
        ROLE_HOMES=ROLE_HOMES,
        role_label=role_label,
        typed_field=typed_field,
        absolute_url=absolute_url,
        now_utc=utcnow,
        may_decide_leave=may_decide_leave,
        may_write_goal=may_write_goal,
        new_send_key=new_send_key,
        chrome=chrome,
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    # Babel formats in the user's language and the school's zone ("fre 14 mars", "14:30").
    app.jinja_env.filters.update(
        format_date=hot_path.format_date,
        format_time=hot_path.format_time,
        format_datetime=hot_path.format_datetime,
        ltr=ltr,
        capfirst=capfirst,
    )
    app.jinja_env.globals.update(
        language_name=languages.name,
        text_direction=languages.direction,
        ui_languages=lambda: languages.ui_languages(current_app.config["PSEUDO_LOCALE"]),
        page_lang=lambda: languages.code_for(get_locale()),
    )

    @app.before_request
    def _refuse_cross_site_writes():
        # Defence in depth beside the CSRF token: a browser that says a write comes from
        # another site (Fetch metadata) is refused before any view runs.
        if request.method in UNSAFE_METHODS and request.headers.get("Sec-Fetch-Site") in (
            "cross-site",
            "same-site",
        ):
            abort(403)

    @app.after_request
    def _caching_headers(response):
        if response.mimetype == "text/html":
            # Pages may differ for htmx requests, and are never kept by shared caches.
            if "Vary" in response.headers:
                response.vary.add("HX-Request")
                response.vary.add("Cookie")
            else:  # the common case, without parsing and writing the header twice
                response.headers["Vary"] = "HX-Request, Cookie"
            # Anyone signed in: is_anonymous reads nothing of the user, so a page that
            # committed (which expires the user's values) does not load them again here.
            if not getattr(current_user, "is_anonymous", True):
                response.headers["Cache-Control"] = "private, no-store"
            else:
                response.headers["Cache-Control"] = "private, no-cache"
        return response
