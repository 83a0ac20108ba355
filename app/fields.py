"""Form fields shared by several packages, and `Form`, the base of every form.

`Form` holds the input rules that every field follows, so no form can forget them:
- text fields refuse control characters (NUL and the other C0 characters, and DEL);
  multi-line fields (textareas) keep tab and line breaks;
- date and date-time fields accept only dates from 2000 to 2100: a school's dates
  are never outside that, and Python's date arithmetic overflows near year 9999.
Both are refused with a message next to the field, and the typed input is kept.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.fields import DateField, DateTimeField, DateTimeLocalField
from wtforms.fields.core import UnboundField
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget, Select

from app import hot_path

# C0 control characters and DEL; multi-line text keeps tab, LF and CR (browsers send CRLF).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_CHARACTERS_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2100, 12, 31)


def in_date_range(value: date | datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return FIRST_DATE <= day <= LAST_DATE


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes: easier to tap than a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NoControlCharacters:
    """Refuses text with control characters: they are invisible, break exports and
    e-mail headers, and a NUL cannot be stored in PostgreSQL."""

    def __init__(self, multiline: bool = False) -> None:
        self.pattern = CONTROL_CHARACTERS_MULTILINE if multiline else CONTROL_CHARACTERS

    def __call__(self, form, field) -> None:
        if isinstance(field.data, str) and self.pattern.search(field.data):
            raise StopValidation(
                _l("The text contains invisible control characters. Remove them and try again.")
            )


class _BoundedDate:
    """A date (or date and time) from a form, refused outside FIRST_DATE..LAST_DATE the
    same way as a malformed one: data None and a message next to the field."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not in_date_range(self.data):
            self.data = None
            raise ValueError(
                _(
                    "Choose a date in the years %(first)d–%(last)d.",
                    first=FIRST_DATE.year,
                    last=LAST_DATE.year,
                )
            )


class BoundedDateField(_BoundedDate, DateField):
    pass


class BoundedDateTimeField(_BoundedDate, DateTimeField):
    pass


class BoundedDateTimeLocalField(_BoundedDate, DateTimeLocalField):
    pass


BOUNDED = {
    DateField: BoundedDateField,
    DateTimeField: BoundedDateTimeField,
    DateTimeLocalField: BoundedDateTimeLocalField,
}


def _text_or_empty(value):
    return "" if value is None else value


class Form(FlaskForm):
    """The base of every form in the app (a test checks that none uses FlaskForm directly)."""

    def __init__(self, *args, **kwargs):
        meta = kwargs.get("meta") or {}
        if meta.get("csrf", current_app.config.get("WTF_CSRF_ENABLED", True)):
            # The session's signed token as the page's chrome gets it, kept per process
            # (app/hot_path.py): Flask-WTF finds it in `g` and does not sign the session's
            # value again for this form.
            hot_path.csrf_token()
        super().__init__(*args, **kwargs)

    class Meta:
        def bind_field(self, form, unbound_field, options):
            bounded = BOUNDED.get(unbound_field.field_class)
            if bounded is not None:
                unbound_field = UnboundField(
                    bounded, *unbound_field.args, name=unbound_field.name, **unbound_field.kwargs
                )
            field = unbound_field.bind(form=form, **options)
            if isinstance(field, StringField):
                check = NoControlCharacters(multiline=isinstance(field, TextAreaField))
                field.validators = [check, *field.validators]
                # A text field left out of a sent form (a hand-made request) is empty text,
                # as a browser would send it, never None for the domain to store.
                field.filters = (*field.filters, _text_or_empty)
            return field


class LongSelect(Select):
    """WTForms' Select for long lists (every language of the registry): each option's HTML
    is kept per process, since it is a pure function of its value, label (in the reader's
    language) and whether it is selected; options with extra attributes are rendered as
    WTForms renders them."""

    _options: dict = {}
    _MAX = 20_000

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        label = choice.label
        key = (
            type(choice.value),
            choice.value,
            None if label is None else str(label),
            bool(choice.selected),
        )
        html = cls._options.get(key)
        if html is None:
            html = super().render_option(choice)
            if len(cls._options) >= cls._MAX:
                cls._options.clear()
            cls._options[key] = html
        return html


def focus_first_error(form) -> str | None:
    """The name of the form's first field (in form order) with an error, which also gets
    `autofocus`: a page loaded with errors puts the cursor there, and so does an htmx swap
    of a form region (htmx focuses an [autofocus] element in swapped content). A list of
    checkboxes renders its own markup: the template puts the focus on its error."""
    for field in form:
        if field.errors:
            if not isinstance(field, MultiCheckboxField):
                field.render_kw = {**(field.render_kw or {}), "autofocus": True}
            return field.name
    return None
