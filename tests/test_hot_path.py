"""The cheaper per-request helpers of app/hot_path.py say exactly what Flask-Babel and
Flask-WTF say."""

from __future__ import annotations

from datetime import UTC, datetime

import flask_babel
import pytest
from flask import render_template_string, session
from flask_babel import force_locale
from flask_wtf.csrf import validate_csrf

from app import hot_path

MOMENTS = [
    datetime(2026, 3, 14, 13, 5, tzinfo=UTC),  # winter time: 14:05 in Stockholm
    datetime(2026, 7, 1, 22, 30, tzinfo=UTC),  # summer time, the next day in Stockholm
    datetime(2026, 10, 25, 0, 59),  # naive values are UTC; the night clocks go back
]
TIME_PATTERNS = ["HH:mm", "H.mm", "short", None]
PATTERNS = ["EEEE d MMMM", "EEEE d MMMM HH:mm", "d MMM yyyy", "short", None]


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_dates_and_times_format_as_flask_babel_does(app, locale):
    with app.test_request_context("/"), force_locale(locale):
        for moment in MOMENTS:
            for pattern in TIME_PATTERNS:
                assert hot_path.format_time(moment, pattern) == flask_babel.format_time(
                    moment, pattern
                )
            for pattern in PATTERNS:
                assert hot_path.format_datetime(moment, pattern) == flask_babel.format_datetime(
                    moment, pattern
                )
                if "HH" not in (pattern or ""):
                    assert hot_path.format_date(moment, pattern) == flask_babel.format_date(
                        moment, pattern
                    )
                    day = moment.date()
                    assert hot_path.format_date(day, pattern) == flask_babel.format_date(
                        day, pattern
                    )


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_template_gettext_and_labels_translate_as_flask_babel_does(app, locale):
    from app.talks.forms import MODE_LABELS

    with app.test_request_context("/"), force_locale(locale):
        for label in MODE_LABELS.values():
            assert hot_path.text(label) == str(label)
        page = render_template_string(
            "{{ _('Sign out') }}|{{ _('Book a time for %(name)s', name='<Ida>') }}"
        )
        assert page == "|".join(
            [
                flask_babel.gettext("Sign out"),
                flask_babel.gettext("Book a time for %(name)s", name="&lt;Ida&gt;"),
            ]
        )


def test_csrf_token_is_valid_and_the_same_for_the_session(app):
    with app.test_request_context("/"):
        token = hot_path.csrf_token()
        validate_csrf(token)  # raises if not valid
        raw = session["csrf_token"]
    with app.test_request_context("/"):
        session["csrf_token"] = raw
        assert hot_path.csrf_token() == token


def test_a_form_takes_the_sessions_kept_token_and_signs_nothing_again(app, monkeypatch):
    """A form's hidden CSRF field carries the token the page's chrome carries, signed
    once per session value and process: building a form signs nothing again."""
    import itsdangerous

    from app.talks.forms import BookingForm

    signed = []
    dumps = itsdangerous.URLSafeTimedSerializer.dumps

    def counting(self, *args, **kwargs):
        signed.append(self.salt)
        return dumps(self, *args, **kwargs)

    with app.test_request_context("/"):
        token = hot_path.csrf_token()
        raw = session["csrf_token"]
    monkeypatch.setattr(itsdangerous.URLSafeTimedSerializer, "dumps", counting)
    with app.test_request_context("/"):
        session["csrf_token"] = raw
        form = BookingForm()
        assert form.csrf_token.current_token == token
        validate_csrf(form.csrf_token.current_token)
    assert signed == []


SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Strict-Transport-Security",
)


@pytest.mark.parametrize("base_url", ["http://localhost", "https://localhost"])
def test_security_headers_are_flask_talismans(app, login_as, base_url):
    """The headers worked out once per process are what Flask-Talisman itself sets on
    each response (HSTS only over https)."""
    from flask import Response
    from flask_talisman import Talisman

    talisman = app.extensions["talisman"]
    client = login_as("guardian")
    for path in ("/home/guardian", "/login", "/healthz", "/static/css/app.css"):
        response = client.get(path, base_url=base_url)
        with app.test_request_context(path, base_url=base_url):
            expected = Talisman._set_response_headers(talisman, Response()).headers
        for name in SECURITY_HEADERS:
            assert response.headers.get(name) == expected.get(name), (path, name)
    assert ("Strict-Transport-Security" in response.headers) == base_url.startswith("https")


def test_a_view_with_its_own_talisman_options_gets_them(make_app):
    app = make_app()
    talisman = app.extensions["talisman"]

    @app.get("/framed")
    @talisman(frame_options="SAMEORIGIN", content_security_policy={"default-src": "'none'"})
    def framed():
        return "framed"

    response = app.test_client().get("/framed")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_default_rate_limit_still_applies_to_every_page(make_app):
    """The limiter skips its check before views only while no limit could apply there."""
    from app.extensions import limiter

    try:
        app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute")
        client = app.test_client()
        assert [client.get("/login").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        # The limiter is one object for every app of the process: later apps get none.
        limiter.limit_manager.set_default_limits([])


def test_urls_in_templates_are_flasks(app):
    """Built once per process, keyed by the script root and the values with their types."""
    from flask import url_for

    calls = [
        ("home.index", {}),
        ("leave.new", {"student": 3}),
        ("leave.new", {"student": True}),
        ("leave.new", {"student": "3"}),
        ("goals.student_goals", {"student_id": 7}),
        ("people.switch_role", {"role": "mentor"}),
        ("leave.new", {"student": 3, "from": "x"}),  # query arguments in the order given
        ("leave.new", {"from": "x", "student": 3}),
        ("leave.new", {"student": 3.0}),
    ]
    for root in ("", "/sub"):
        with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": root}):
            for _ in range(2):  # built, then remembered
                for endpoint, values in calls:
                    assert hot_path.url_for(endpoint, **values) == url_for(endpoint, **values)
            assert hot_path.url_for("home.index") == f"{root}/"
            assert hot_path.url_for("leave.new", student=True) == f"{root}/leave/new?student=True"
            assert hot_path.url_for("home.index", _anchor="x") == f"{root}/#x"


def test_long_select_renders_as_wtforms_does(app):
    """The options kept per process are WTForms' own HTML, per label language and selection."""
    from wtforms import Form, SelectField
    from wtforms.widgets import Select

    from app import languages
    from app.fields import LongSelect

    class Plain(Form):
        pick = SelectField(choices=[], widget=Select())

    class Long(Form):
        pick = SelectField(choices=[], widget=LongSelect())

    for locale in ("sv", "en", "ar"):
        choices = [("", "—")] + languages.choices(locale)
        for selected in ("", "ar", "so", "nope"):
            for _ in range(2):  # rendered, then from what was kept
                forms = []
                for cls in (Plain, Long):
                    form = cls(data={"pick": selected})
                    form.pick.choices = choices
                    forms.append(str(form.pick()))
                assert forms[0] == forms[1]
                assert f'selected value="{selected}"' in forms[1] or selected == "nope"


def test_template_calls_pass_what_jinja_passes(app):
    """The shorter call path hands functions the context, eval context or environment as
    Jinja's own Context does, loop variables included."""
    from jinja2 import pass_context, pass_environment, pass_eval_context
    from jinja2.runtime import Context as JinjaContext

    @pass_context
    def seen(context, name):
        return context.get(name)

    @pass_environment
    def env_kind(environment):
        return type(environment).__name__

    @pass_eval_context
    def escaping(eval_ctx):
        return eval_ctx.autoescape

    def plain(*args, **kwargs):
        return f"{args}{sorted(kwargs.items())}"

    source = (
        "{% for x in [1, 2] %}{{ seen('x') }}{% endfor %}|{% set y = 5 %}{{ seen('y') }}|"
        "{{ env_kind() }}|{{ escaping() }}|{{ plain(1, b=2) }}|{{ seen('outer') }}|"
        "{% macro m(a, b=2) %}{{ a }}{{ b }}{{ caller() if caller }}{% endmacro %}"
        "{% for x in [1] %}{{ m(x, b=3) }}{% call m(x) %}<{{ seen('x') }}>{% endcall %}{% endfor %}"
    )
    env = app.jinja_env
    results = []
    for context_class in (hot_path.Context, JinjaContext):
        env.context_class = context_class
        try:
            template = env.from_string(source)
            results.append(
                template.render(
                    seen=seen, env_kind=env_kind, escaping=escaping, plain=plain, outer="o"
                )
            )
        finally:
            env.context_class = hot_path.Context
    assert results[0] == results[1]
    assert "|5|Environment|True|(1,)" in results[0] and results[0].endswith("|o|1312<None>")


def test_templates_render_as_jinjas_own(app):
    """hot_path.Template (globals read as one dict, output escaped to text) renders what
    Jinja's Template renders: escaping, markup, macros, imports, includes, blocks, and
    globals of a template's own or added to the environment later."""
    import jinja2
    from markupsafe import Markup

    class Html:
        def __html__(self):
            return "<b>kept</b>"

    assert app.jinja_env.template_class is hot_path.Template
    sources = {
        "macros.html": (
            "{% macro card(x) %}<p>{{ x }}</p>{{ caller() if caller }}{% endmacro %}"
            "{% macro seen() %}{{ late }}|{{ own }}{% endmacro %}"
        ),
        "part.html": "<i>{{ value }}</i>{{ marked }}",
        "base.html": "<main>{% block body %}{% endblock %}</main>",
        "page.html": (
            '{% extends "base.html" %}{% from "macros.html" import card, seen %}'
            '{% import "macros.html" as m with context %}{% block body %}'
            "{{ value }}|{{ marked }}|{{ html }}|{{ 5 }}|{{ none }}|{{ value ~ marked }}|"
            "{% call card(value) %}{{ marked }}{% endcall %}|{{ m.card(marked) }}|"
            "{% set kept %}{{ value }}{% endset %}{{ kept }}|{{ card(value)|length }}|"
            '{% include "part.html" %}|{% filter upper %}{{ value }}{% endfilter %}|'
            "{{ seen() }}|{{ late }}|{{ own }}{% endblock %}"
        ),
    }
    values = {"value": "<a & 'b'>", "marked": Markup("<em>ok</em>"), "html": Html(), "none": None}
    pages = []
    for template_class in (hot_path.Template, jinja2.Template):
        env = jinja2.Environment(loader=jinja2.DictLoader(sources), autoescape=True)
        env.template_class = template_class
        page = env.get_template("page.html", globals={"own": "mine"})
        env.globals["late"] = "<late>"  # after loading: still seen, as with Jinja
        pages.append(page.render(**values))
        pages.append(page.render(**values))  # the imported modules are cached now
        module = env.get_template("macros.html").module
        assert type(module.card("<x>")) is Markup
        pages.append(str(module.card("<x>")))
    assert pages[:3] == pages[3:]
    assert "&lt;a &amp; &#39;b&#39;&gt;|<em>ok</em>|<b>kept</b>|5|None|" in pages[0]
    assert "|&lt;late&gt;|mine</main>" in pages[0]


@pytest.mark.parametrize("locale", ["sv", "ar", "en"])
def test_template_gettext_formats_every_message_as_jinja_does(app, locale):
    """Every message of the catalogue, with and without autoescape, with text, markup and
    numbers inserted: the same text as Jinja's newstyle gettext over direction-isolated
    values (a message is kept per process after its first use, so each is asked twice)."""
    import re
    from types import SimpleNamespace

    from markupsafe import Markup

    from app import languages

    placeholder = re.compile(r"%\((\w+)\)([sd])")
    samples = ["<Ida & 'Åsa'>", "علي", Markup("<b>x</b>"), "", 7]

    def values_for(message: str, turn: int) -> dict:
        values = {}
        for i, (name, kind) in enumerate(placeholder.findall(message)):
            values[name] = 3 if kind == "d" else samples[(turn + i) % len(samples)]
        return values

    def expected(message: str, values: dict, autoescape: bool):
        isolated = {k: languages.isolate(v, locale) for k, v in values.items()}
        return (Markup(message) if autoescape else message) % isolated

    with app.test_request_context("/"), force_locale(locale):
        translations = hot_path.speech().translations
        assert translations._catalog
        for msgid in translations._catalog:
            for autoescape in (True, False):
                context = SimpleNamespace(eval_ctx=SimpleNamespace(autoescape=autoescape))
                for turn in range(2):
                    if isinstance(msgid, tuple):  # (singular, plural index)
                        if msgid[1]:
                            continue
                        singular = msgid[0]
                        plural = translations._catalog.get((singular, 1), singular)
                        for n in (1, 2, 5):
                            values = values_for(singular, turn)
                            values.pop("num", None)
                            got = hot_path._ngettext(context, singular, plural, n, **values)
                            message = translations.ungettext(singular, plural, n)
                            assert got == expected(message, {**values, "num": n}, autoescape)
                        continue
                    if not msgid:
                        continue
                    values = values_for(msgid, turn)
                    got = hot_path._gettext(context, msgid, **values)
                    want = expected(translations.ugettext(msgid), values, autoescape)
                    assert got == want and type(got) is type(want), msgid


def test_texts_outside_any_app_context_are_the_untranslated_ones():
    """As Flask-Babel: no app, no locale, the message itself (a label built at import)."""
    from flask_babel import lazy_gettext

    assert hot_path.text(lazy_gettext("Sign out")) == "Sign out"


def test_a_render_speaks_its_own_language_and_leaves_none_behind(app):
    """A template works out its language once per render: a render inside force_locale
    (a mail, a calendar) speaks that language, one inside another render its own, and
    after each the request's language is back."""
    from flask import render_template_string

    from app import hot_path

    with app.test_request_context("/"), force_locale("sv"):
        swedish = render_template_string("{{ _('Goals') }}")
        assert swedish == "Mål"
        with force_locale("en"):
            assert render_template_string("{{ _('Goals') }}") == "Goals"

        def inner():
            with force_locale("en"):
                return render_template_string("{{ _('Goals') }}")

        assert render_template_string("{{ inner() }} {{ _('Goals') }}", inner=inner) == (
            "Goals Mål"
        )
        assert render_template_string("{{ _('Goals') }}") == swedish
        assert hot_path.speech().locale_key == "sv"
