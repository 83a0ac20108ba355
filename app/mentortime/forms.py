"""Forms for mentor time."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app import hot_path
from app.fields import Form
from app.submissions import SendKeyMixin

WEEKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"))


def weekday_name(weekday: int) -> str:
    return hot_path.text(WEEKDAYS[weekday])


class MentorTimeForm(SendKeyMixin, Form):
    weekday = SelectField(
        _l("Weekday"), coerce=int, choices=[SelectChoice(i, d) for i, d in enumerate(WEEKDAYS)]
    )
    start = TimeField(_l("Starts"), validators=[InputRequired(_l("Choose a start time."))])
    minutes = IntegerField(
        _l("Length (minutes)"),
        default=40,
        validators=[
            InputRequired(_l("Give the length in minutes.")),
            NumberRange(5, 240, _l("Give between %(min)s and %(max)s minutes.")),
        ],
    )
    room = StringField(_l("Room"), validators=[Length(max=100)])


class OccurrenceForm(SendKeyMixin, Form):
    agenda = TextAreaField(
        _l("Agenda"), validators=[Length(max=5000)], description=_l("One item per line.")
    )
    cancelled = BooleanField(_l("Cancelled this week"))
    moved_date = DateField(_l("Moved to the day"), validators=[Optional()])
    moved_start = TimeField(_l("Moved to the time"), validators=[Optional()])
    moved_room = StringField(_l("Moved to the room"), validators=[Optional(), Length(max=100)])
    change_note = TextAreaField(_l("Note about the change"), validators=[Length(max=1000)])
    decisions = TextAreaField(_l("What was decided"), validators=[Length(max=5000)])
