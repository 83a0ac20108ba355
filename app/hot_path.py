"""What every page request runs, kept cheap.

Profiles of the home pages showed a third of a request's time outside the view's own
work: the session cookie signed and compressed again on every response, a fresh CSRF
token signed per request, and each `_()` in a template going through Jinja's generic
call path and several context lookups of Flask-Babel. The helpers here do the same things
with less work; nothing here holds anything that differs between workers (the CSRF token
cache maps a session's random value to its signature, which any worker computes alike).
"""

from __future__ import annotations

import hashlib
import os
import re
import weakref
from collections import ChainMap
from contextvars import ContextVar
from datetime import UTC, date, datetime
from types import FunctionType

import flask_babel
import jinja2
from babel import dates
from flask import Flask, current_app, g, request, session
from flask import url_for as flask_url_for
from flask.globals import _cv_app, _cv_request
from flask_babel import get_locale, get_timezone, get_translations
from flask_babel.speaklater import LazyString
from flask_limiter import Limiter as _Limiter
from flask_talisman import Talisman as _Talisman
from itsdangerous import URLSafeTimedSerializer
from jinja2 import pass_context
from jinja2.runtime import Context as JinjaContext
from jinja2.runtime import Macro, new_context
from jinja2.utils import _PassArg
from markupsafe import Markup, escape

try:
    from markupsafe import _escape_inner
except ImportError:  # pragma: no cover - an older MarkupSafe

    def _escape_inner(text: str) -> str:
        return str(escape(text))


from app import languages

# --- the session cookie: written when it changes, and refreshed once a day ----------------

REFRESHED_KEY = "_day"  # the day the cookie's 30-day life last started again


def keep_session_fresh() -> None:
    """Flask re-signs a permanent session's cookie on every response unless told not to
    (SESSION_REFRESH_EACH_REQUEST); we let it write only when the session changed, and
    change it once a day so the cookie's 30-day life still slides with use."""
    if session.permanent:
        today = date.today().toordinal()
        if session.get(REFRESHED_KEY) != today:
            session[REFRESHED_KEY] = today


# --- the CSRF token: signed once per session value and key ------------------------------

_CSRF_TOKENS: dict[tuple[str, str], str] = {}
_CSRF_TOKENS_MAX = 10_000


def csrf_token() -> str:
    """Flask-WTF's `csrf_token()` for templates without signing the session's random value
    again on every page: its signature depends only on that value and the secret key, and
    with no time limit on tokens (WTF_CSRF_TIME_LIMIT=None) one signature stays valid."""
    config = current_app.config
    if config.get("WTF_CSRF_TIME_LIMIT") is not None:
        from flask_wtf.csrf import generate_csrf

        return generate_csrf()
    cached = g.get("csrf_token")
    if cached is not None:
        return cached
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    raw = session.get(field)
    if not isinstance(raw, str):
        raw = session[field] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 - as Flask-WTF
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    key = (secret, raw)
    token = _CSRF_TOKENS.get(key)
    if token is None:
        if len(_CSRF_TOKENS) >= _CSRF_TOKENS_MAX:
            _CSRF_TOKENS.clear()
        token = URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)
        _CSRF_TOKENS[key] = token
    g.csrf_token = token
    return token


# --- the request's language, worked out once ---------------------------------------------


class Speech:
    """What a request's templates need of its language and time zone, worked out once
    per request (and again if either changes during it, as with Flask-Babel's
    force_locale): Flask-Babel's locale, zone and translations, the names that key the
    per-process caches below, and whether the page reads right to left."""

    __slots__ = ("locale", "zone", "translations", "locale_key", "zone_key", "rtl", "texts")

    def __init__(self, locale, zone, translations) -> None:
        self.locale, self.zone, self.translations = locale, zone, translations
        self.locale_key = str(locale) if locale is not None else None
        self.zone_key = getattr(zone, "zone", None) or str(zone)
        self.rtl = languages.direction(self.locale_key) == "rtl"
        self.texts = _texts_of(translations)


# The Speech of the template being rendered: a page asks for it some fifty times (each
# `_()`, date and time), and a render never changes its language part way (force_locale
# wraps whole renders: mails, calendars), so Template.render works it out once.
_RENDER_SPEECH: ContextVar[Speech | None] = ContextVar("render_speech", default=None)


def speech() -> Speech:
    """This request's Speech. Each app keeps one per locale and zone it met (Flask-Babel's
    objects, which the selectors in app/i18n.py keep per process): the translations of
    a locale are the app's, fixed for a release."""
    rendering = _RENDER_SPEECH.get()
    if rendering is not None:
        return rendering
    app_ctx = _cv_app.get(None)
    if app_ctx is None:  # no locale, no zone: Flask-Babel's untranslated texts
        return Speech(None, None, get_translations())
    babel_ctx = app_ctx.g.__dict__.get("_flask_babel")
    if babel_ctx is not None:
        found = babel_ctx.__dict__
        known = found.get("fast_speech")
        if (
            known is not None
            and known.locale is found.get("babel_locale")
            and known.zone is found.get("babel_tzinfo")
        ):
            return known
    locale, zone = get_locale(), get_timezone()
    if locale is None:
        return Speech(locale, zone, get_translations())
    speeches = app_ctx.app.extensions.setdefault("speeches", {})
    key = (id(locale), id(zone))
    known = speeches.get(key)
    if known is None or known.locale is not locale or known.zone is not zone:
        if len(speeches) >= 64:  # force_locale parses a new Locale each time
            speeches.clear()
        known = speeches[key] = Speech(locale, zone, get_translations())
    app_ctx.g._flask_babel.fast_speech = known
    return known


def _translations():
    return speech().translations


# --- gettext in templates -----------------------------------------------------------------

# Per process, safely: the text of a message without inserted values is a pure function of
# the translations (fixed for a release) and the message, kept per translations object.
_TEXTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_TEXTS_MAX = 20_000


def _texts_of(translations) -> dict:
    try:
        texts = _TEXTS.get(translations)
        if texts is None:
            texts = _TEXTS[translations] = {}
    except TypeError:  # an object that takes no weak reference: nothing kept
        return {}
    if len(texts) >= _TEXTS_MAX:
        texts.clear()
    return texts


# "%(name)s" and "%(name)d" placeholders and "%%", nothing else: such a message is
# formatted below without Markup's per-value wrapper objects, to the same text.
_SIMPLE_FORMAT = re.compile(r"(?:[^%]|%%|%\([^()]+\)[sd])*", re.DOTALL)
_INT_PLACEHOLDER = re.compile(r"%\(([^()]+)\)d")
_FORMATS: dict[str, tuple[str, ...] | None] = {}


def _int_names(message: str) -> tuple[str, ...] | None:
    """The names a message formats with %d, or None if it is not a simple format."""
    try:
        return _FORMATS[message]
    except KeyError:
        pass
    found = tuple(_INT_PLACEHOLDER.findall(message)) if _SIMPLE_FORMAT.fullmatch(message) else None
    if len(_FORMATS) >= _TEXTS_MAX:
        _FORMATS.clear()
    _FORMATS[message] = found
    return found


def _formatted(message: str, variables: dict, autoescape: bool, rtl: bool):
    """`message % variables` as Jinja's newstyle gettext does it (escaped into Markup with
    autoescape), each inserted text direction-isolated (languages.isolate_in)."""
    isolated = {key: languages.isolate_in(value, rtl) for key, value in variables.items()}
    if not autoescape:
        return message % isolated
    int_names = _int_names(message)
    if int_names is None or any(type(isolated.get(name)) is not int for name in int_names):
        return Markup(message) % isolated
    # What Markup's % does for "%(name)s": str(escape(value)); "%(name)d" takes an int.
    for key, value in isolated.items():
        if key not in int_names:
            isolated[key] = _escape_output(value)
    return Markup(message % isolated)


@pass_context
def _gettext(context, string: str, **variables) -> str:
    """Jinja's newstyle gettext (autoescaped, always %-formatted), without its two
    generic context.call hops per call; inserted values are direction-isolated."""
    autoescape = context.eval_ctx.autoescape
    found = speech()
    if not variables:
        key = (string, autoescape)
        text = found.texts.get(key)
        if text is None:
            message = found.translations.ugettext(string)
            text = found.texts[key] = (Markup(message) if autoescape else message) % {}
        return text
    return _formatted(found.translations.ugettext(string), variables, autoescape, found.rtl)


@pass_context
def _ngettext(context, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    found = speech()
    message = found.translations.ungettext(singular, plural, num)
    return _formatted(message, variables, context.eval_ctx.autoescape, found.rtl)


def text(lazy) -> str:
    """str() of a lazy_gettext string, through this request's cached translations."""
    if (
        isinstance(lazy, LazyString)
        and lazy._func is flask_babel.gettext
        and not lazy._kwargs
        and len(lazy._args) == 1
    ):
        return _translations().ugettext(lazy._args[0])
    return str(lazy)


# --- calls from templates -----------------------------------------------------------------


class Context(JinjaContext):
    """Jinja's template context with a shorter path for the commonest call in a template,
    a plain Python function (`_()`, `url_for()`, ...): the same arguments are passed as
    Jinja's own Context.call passes them (a function cannot be a callable class, so only
    its own pass_context/pass_eval_context/pass_environment mark counts)."""

    def call(__self, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        kind = type(__obj)
        if kind is FunctionType:
            pass_arg = __obj.__dict__.get("jinja_pass_arg")
            if pass_arg is _PassArg.context:
                if kwargs:
                    if kwargs.get("_loop_vars"):
                        __self = __self.derived(kwargs["_loop_vars"])
                    if kwargs.get("_block_vars"):
                        __self = __self.derived(kwargs["_block_vars"])
                args = (__self, *args)
            elif pass_arg is _PassArg.eval_context:
                args = (__self.eval_ctx, *args)
            elif pass_arg is _PassArg.environment:
                args = (__self.environment, *args)
        elif kind is not Macro:  # a macro takes none of them, as its __call__ says
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )


# --- templates: the environment's globals read as one dict, output escaped to text --------


def _escape_output(value) -> str:
    """What a template writes for `{{ value }}` with autoescape on: the same text as
    markupsafe.escape, as a plain str. Compiled templates only ever join what they
    write and wrap the whole in Markup where it must stay markup (a macro's result, a
    `{% set %}` block, an imported template), so the Markup object escape() makes for
    every single value was work thrown away."""
    if type(value) is str:
        return _escape_inner(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape_inner(str(value))


class Template(jinja2.Template):
    """Jinja's Template, with less work per render and per `{% from ... import %}`.

    A template's globals are a ChainMap of its own (nearly always none) over the
    environment's; Jinja copies them into every new context and compares their keys at
    every import, and a ChainMap does that key by key in Python (40 µs each time with
    our 70 globals). With no globals of its own, the environment's dict is the same
    mapping and is read at C speed. And the compiled code escapes output with
    `_escape_output` (see there)."""

    @classmethod
    def from_code(cls, environment, code, globals, uptodate=None):
        template = super().from_code(environment, code, globals, uptodate)
        render_globals = template.root_render_func.__globals__
        if render_globals.get("escape") is escape:
            render_globals["escape"] = _escape_output
        return template

    def render(self, *args, **kwargs) -> str:
        token = _RENDER_SPEECH.set(None)  # this render's own, not an enclosing one's
        try:
            _RENDER_SPEECH.set(speech())
            return super().render(*args, **kwargs)
        finally:
            _RENDER_SPEECH.reset(token)

    def _flat_globals(self):
        found = self.globals
        if type(found) is ChainMap and len(found.maps) == 2 and not found.maps[0]:
            return found.maps[1]
        return found

    def new_context(self, vars=None, shared=False, locals=None):
        return new_context(
            self.environment, self.name, self.blocks, vars, shared, self._flat_globals(), locals
        )

    def _get_default_module(self, ctx=None):
        # As Jinja's: a module of its own where the importing context has globals this
        # template lacks, else the cached one.
        if ctx is not None:
            keys = ctx.globals_keys - self._flat_globals().keys()
            if keys:
                return self.make_module({k: ctx.parent[k] for k in keys})
        if self._module is None:
            self._module = self.make_module()
        return self._module


# --- dates and times in templates ---------------------------------------------------------

NAMED_FORMATS = frozenset({"short", "medium", "long", "full"})


def _local(value: datetime, zone) -> datetime:
    """Flask-Babel's to_user_timezone: naive values are UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(zone)
    return zone.normalize(value) if hasattr(zone, "normalize") else value


def format_time(value=None, format=None, rebase=True):
    """Flask-Babel's format_time, the same text with less lookup per call ("HH:mm", the
    pattern of every time on the booking pages, needs no Babel at all)."""
    if not isinstance(value, datetime) or not rebase or format is None or format in NAMED_FORMATS:
        return flask_babel.format_time(value, format, rebase)
    found = speech()
    if format == "HH:mm":
        key = (value, found.zone_key)
        text = _CLOCK.get(key)
        if text is None:
            local = _local(value, found.zone)
            text = _keep(_CLOCK, key, f"{local.hour:02d}:{local.minute:02d}")
        return text
    return dates.format_time(value, format, tzinfo=found.zone, locale=found.locale)


# Per process, safely: a formatted date or time is a pure function of the value, the
# pattern, the locale and the zone (keyed by their names), and the same few dates (a
# period's days, a week's mentor time) are shown to everyone. (pytz's conversion to the
# local time alone takes 10 µs.)
_CLOCK: dict = {}
_DATES: dict = {}
_DATES_MAX = 4096


def _keep(cache: dict, key, text: str) -> str:
    if len(cache) >= _DATES_MAX:
        cache.clear()
    cache[key] = text
    return text


def format_datetime(value=None, format=None, rebase=True):
    if not isinstance(value, datetime) or not rebase or format is None or format in NAMED_FORMATS:
        return flask_babel.format_datetime(value, format, rebase)
    found = speech()
    key = (value, format, found.zone_key, found.locale_key)
    text = _DATES.get(key)
    if text is None:
        text = dates.format_datetime(value, format, tzinfo=found.zone, locale=found.locale)
        _keep(_DATES, key, text)
    return text


def format_date(value=None, format=None, rebase=True):
    if format is None or format in NAMED_FORMATS or not isinstance(value, date):
        return flask_babel.format_date(value, format, rebase)
    found = speech()
    if rebase and isinstance(value, datetime):
        value = _local(value, found.zone)
    if type(value) is not date:  # equal datetimes may fall on different local days
        return dates.format_date(value, format, locale=found.locale)
    key = (value, format, found.locale_key)
    text = _DATES.get(key)
    if text is None:
        text = _keep(_DATES, key, dates.format_date(value, format, locale=found.locale))
    return text


# --- URLs in templates: built once per process --------------------------------------------

_URLS_MAX = 20_000


def url_for(endpoint: str, **values) -> str:
    """Flask's url_for for templates, remembering what it built: a path is a pure function
    of the route map (code), the script root and the values, so each process keeps the
    paths it built (keyed by those, the values' types included) and builds each once.
    Blueprint-relative endpoints, options (_external, _anchor, ...) and apps with
    url_defaults go through Flask every time (they are never kept, so never found)."""
    request_ctx = _cv_request.get(None)
    if request_ctx is None:
        return flask_url_for(endpoint, **values)
    app = request_ctx.app
    urls = app.extensions.get("built_urls")
    if urls is None:
        return flask_url_for(endpoint, **values)
    try:
        root = request_ctx.request.script_root
        key = (root, endpoint, *values.items(), *map(type, values.values()))
        url = urls.get(key)
    except TypeError:  # an unhashable value (a list for the query string)
        return flask_url_for(endpoint, **values)
    if url is None:
        url = flask_url_for(endpoint, **values)
        if (
            endpoint[:1] != "."
            and not any(k[:1] == "_" for k in values)
            and not app.url_default_functions
        ):
            if len(urls) >= _URLS_MAX:
                urls.clear()
            urls[key] = url
    return url


def init_app(app: Flask) -> None:
    app.jinja_env.context_class = Context
    app.jinja_env.template_class = Template
    # Jinja keeps loaded templates in an LRU cache of 400 that reorders a deque on every
    # lookup (five a page); the templates are a fixed set of files, so a dict keeps them.
    if app.jinja_env.cache is not None:
        app.jinja_env.cache = dict(app.jinja_env.cache.items())
    app.extensions["built_urls"] = {}
    app.jinja_env.globals["url_for"] = url_for
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    app.before_request(keep_session_fresh)
    app.jinja_env.globals.update(
        csrf_token=csrf_token, _=_gettext, gettext=_gettext, ngettext=_ngettext
    )
    # Flask-WTF also puts its csrf_token into every template's context (which wins over
    # globals): that processor gives way to one with ours.
    from flask_wtf.csrf import csrf_meta_tag

    processors = app.template_context_processors[None]
    processors[:] = [p for p in processors if getattr(p, "__module__", "") != "flask_wtf.csrf"]
    processors.append(lambda: {"csrf_token": csrf_token, "csrf_meta_tag": csrf_meta_tag})


# --- security headers: computed once, not per response -------------------------------------


class Talisman(_Talisman):
    """Flask-Talisman with its headers worked out once per process instead of on every
    response (its after_request parses the CSP dict and looks up the view's options each
    time). The headers are the same: a response gets exactly what Talisman would set; a
    view with its own Talisman options, or a CSP nonce, goes through Talisman itself."""

    def init_app(self, app: Flask, **kwargs) -> None:
        super().init_app(app, **kwargs)
        app.extensions["talisman"] = self
        # Worked out now, outside any request: Talisman's setters read the request (is it
        # secure?), and a request context pushed during a live request would run the
        # app's teardown functions in the middle of it.
        self._fixed: dict[bool, tuple[tuple[str, str], ...]] = {}
        for secure in (False, True):
            self._fixed[secure] = self._work_out_headers(secure)

    def plain_for(self, endpoint: str | None) -> bool:
        """Whether a request to `endpoint` uses the configured options alone (no per-view
        options and no nonce), so that its headers are the fixed ones."""
        view = self.app.view_functions.get(endpoint)
        return (
            getattr(view, "talisman_view_options", None) is None
            and not self.content_security_policy_nonce_in
        )

    def _plain(self) -> bool:
        return self.plain_for(request.endpoint)

    @staticmethod
    def hsts_applies(environ: dict) -> bool:
        """Talisman's rule for Strict-Transport-Security: a secure request, or one whose
        X-Forwarded-Proto says https."""
        return (
            environ.get("wsgi.url_scheme") == "https"
            or environ.get("HTTP_X_FORWARDED_PROTO", "http") == "https"
        )

    def fixed_headers(self, secure: bool) -> tuple[tuple[str, str], ...]:
        """The headers every plain response gets, with or without HSTS."""
        return self._fixed[secure]

    def _work_out_headers(self, secure: bool) -> tuple[tuple[str, str], ...]:
        from werkzeug.datastructures import Headers

        options = {
            "frame_options": self.frame_options,
            "frame_options_allow_from": self.frame_options_allow_from,
            "content_security_policy": self.content_security_policy,
            "content_security_policy_nonce_in": [],
            "permissions_policy": self.permissions_policy,
            "document_policy": self.document_policy,
            "feature_policy": self.feature_policy,
        }
        headers = Headers()
        base_url = "https://localhost" if secure else "http://localhost"
        with self.app.test_request_context(base_url=base_url):
            self._set_feature_policy_headers(headers, options)
            self._set_permissions_policy_headers(headers, options)
            self._set_document_policy_headers(headers, options)
            self._set_frame_options_headers(headers, options)
            self._set_content_security_policy_headers(headers, options)
            self._set_hsts_headers(headers)
            self._set_referrer_policy_headers(headers)
        return tuple(headers.items())

    def _set_response_headers(self, response):
        if not self._plain():
            return super()._set_response_headers(response)
        fixed = self.fixed_headers(self.hsts_applies(request.environ))
        headers = response.headers
        present = {name.lower() for name, _ in headers.items()}
        for name, value in fixed:
            if name.lower() in present:
                headers[name] = value  # Talisman replaces a header a view set
            else:
                headers.add(name, value)
        return response

    def _force_https(self):
        if self._plain() and not self.force_https:
            # What Talisman's check does besides redirecting.
            if self.session_cookie_secure and not self.app.debug:
                self.app.config["SESSION_COOKIE_SECURE"] = True
            return None
        return super()._force_https()

    def _make_nonce(self):
        if self._plain():
            return None  # no nonce is configured
        return super()._make_nonce()


# --- rate limits: no work for a request no limit applies to --------------------------------


class Limiter(_Limiter):
    """Flask-Limiter, skipping its before_request check when it cannot find a limit: with
    no application, default or blueprint limits and no in-memory fallback, the check
    before the view never applies any (a route's own @limit is checked by its decorator,
    which runs as before). Any such limit configured brings the full check back."""

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        if in_middleware and callable_name is None and self._nothing_before_views():
            return None
        return super()._check_request_limit(callable_name, in_middleware)

    def _nothing_before_views(self) -> bool:
        manager = self.limit_manager
        return not (
            manager._application_limits
            or manager._default_limits
            or manager._blueprint_limits
            or self._in_memory_fallback
        )
