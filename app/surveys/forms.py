"""The survey form: one 1–5 question per item of the audience, and an optional comment."""

from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.fields import Form
from app.surveys.items import AUDIENCES, SCALE, items_for
from app.surveys.survey import COMMENT_MAX

FIELD_ERRORS = {
    "missing": _l("Choose a number from 1 to 5."),
    "too_long": _l("At most %(max)d characters.", max=COMMENT_MAX),
}


@cache  # per process, safely: built from the item list, which is code
def form_class(audience: str) -> type[Form]:
    """A form class for the audience's items (field names are the items' keys)."""
    assert audience in AUDIENCES
    fields = {
        item.key: RadioField(
            getattr(item, audience),
            choices=[SelectChoice(str(n), str(n)) for n in SCALE],
            validators=[InputRequired(FIELD_ERRORS["missing"])],
            validate_choice=False,  # the domain checks the scale, with our message
        )
        for item in items_for(audience)
    }
    fields["comment"] = TextAreaField(
        _l("Anything else you want to say? (optional)"),
        validators=[Optional(), Length(max=COMMENT_MAX, message=FIELD_ERRORS["too_long"])],
    )
    return type(f"{audience.title()}SurveyForm", (Form,), fields)


def scores(form: Form, audience: str) -> dict[str, int]:
    return {
        item.key: int(getattr(form, item.key).data)
        for item in items_for(audience)
        if (getattr(form, item.key).data or "").isdigit()
    }
