"""Forms of the talks pages. Times are entered in the school's local time."""

from __future__ import annotations

from datetime import time

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from app import hot_path, languages
from app.fields import Form, LongSelect, MultiCheckboxField
from app.talks.models import MODES

MODE_LABELS = {"site": _l("On site"), "video": _l("Video"), "phone": _l("Phone")}
# The home card's button names the term, so two open periods never read the same.
BOOK_LABELS = {
    "HT": _l("Book the autumn talk for %(name)s"),
    "VT": _l("Book the spring talk for %(name)s"),
}
BOOK_LABEL_ANY_TERM = _l("Book a time for %(name)s")


def mode_label(mode: str) -> str:
    return hot_path.text(MODE_LABELS[mode])


def book_label(term_kind: str, name: str) -> str:
    """The home card's button to book a talk period of that term for the child `name`."""
    return hot_path.text(BOOK_LABELS.get(term_kind, BOOK_LABEL_ANY_TERM)) % {"name": name}


class PeriodForm(Form):
    # Left empty (or as another term's suggested title), the chosen term names the period.
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    term_id = SelectField(_l("Term"), coerce=int)
    booking_opens_at = DateTimeLocalField(
        _l("Booking opens"), validators=[InputRequired(_l("Choose when booking opens."))]
    )
    booking_closes_at = DateTimeLocalField(
        _l("Booking closes"), validators=[InputRequired(_l("Choose when booking closes."))]
    )
    cancel_hours = IntegerField(
        _l("Guardians may cancel or move up to this many hours before the talk"),
        default=24,
        validators=[
            InputRequired(_l("Give a number of hours.")),
            NumberRange(0, 24 * 14, _l("Give between %(min)s and %(max)s hours.")),
        ],
    )
    talk_minutes = IntegerField(
        _l("Length of a talk (minutes)"),
        default=20,
        validators=[
            InputRequired(_l("Give the length in minutes.")),
            NumberRange(5, 180, _l("Give between %(min)s and %(max)s minutes.")),
        ],
    )

    def validate_booking_closes_at(self, field):
        if self.booking_opens_at.data and field.data and field.data <= self.booking_opens_at.data:
            raise ValidationError(_l("Booking must close after it opens."))


def _parse_times(text: str) -> list[tuple[time, time]]:
    """Breaks written as "11:30-12:15, 14:00-14:10"."""
    result = []
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        start, sep, end = part.replace("–", "-").partition("-")
        if not sep:
            raise ValueError(part)
        result.append(
            (time.fromisoformat(start.strip().zfill(5)), time.fromisoformat(end.strip().zfill(5)))
        )
    return result


class SlotGeneratorForm(Form):
    days = MultiCheckboxField(_l("Days"), coerce=str, validate_choice=False)
    extra_day = DateField(_l("Or another day"), validators=[Optional()])
    start = TimeField(_l("From"), validators=[InputRequired(_l("Choose a start time."))])
    end = TimeField(_l("To"), validators=[InputRequired(_l("Choose an end time."))])
    minutes = IntegerField(
        _l("Length (minutes)"),
        validators=[
            InputRequired(_l("Give the length in minutes.")),
            NumberRange(5, 180, _l("Give between %(min)s and %(max)s minutes.")),
        ],
    )
    pause = IntegerField(
        _l("Pause between talks (minutes)"),
        default=5,
        validators=[
            Optional(),
            NumberRange(0, 120, _l("Give between %(min)s and %(max)s minutes.")),
        ],
    )
    breaks = StringField(
        _l("Breaks"),
        validators=[Optional(), Length(max=200)],
        description=_l("For example 11:30-12:15 for lunch. Several: separate with commas."),
    )
    mode = SelectField(
        _l("Where"), choices=[SelectChoice(m, MODE_LABELS[m]) for m in MODES], default="site"
    )
    location = StringField(
        _l("Room, video link or phone note"),
        validators=[Length(max=300)],
    )
    # Filled by validate_breaks; an empty field (Optional) skips that validator.
    break_times: list = []

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The end must be after the start."))

    def validate_breaks(self, field):
        try:
            self.break_times = _parse_times(field.data or "")
        except ValueError:
            raise ValidationError(_l("Write breaks as 11:30-12:15.")) from None

    def validate_location(self, field):
        if self.mode.data in ("site", "video") and not field.data.strip():
            raise ValidationError(
                _l("Write the room.") if self.mode.data == "site" else _l("Paste the video link.")
            )

    def chosen_days(self):
        from datetime import date

        days = {date.fromisoformat(d) for d in self.days.data or []}
        if self.extra_day.data:
            days.add(self.extra_day.data)
        return sorted(days)


class BookingForm(Form):
    attendees = StringField(
        _l("Who comes to the talk?"),
        validators=[
            InputRequired(_l("Write who comes, e.g. the student and one guardian.")),
            Length(max=300),
        ],
    )
    needs_interpreter = BooleanField(_l("We need an interpreter"))
    # Choices (every language of the registry, named in the reader's language) are set by
    # the view; prefilled with the guardian's language for contact with school.
    interpreter_language = SelectField(
        _l("Language for the interpreter"), choices=[], validate_choice=False, widget=LongSelect()
    )
    message = TextAreaField(_l("Message to the mentor (optional)"), validators=[Length(max=2000)])

    def validate_interpreter_language(self, field):
        if not self.needs_interpreter.data:
            return
        if not field.data:
            raise ValidationError(_l("Choose which language the interpreter should speak."))
        if languages.get(field.data) is None:
            raise ValidationError(_l("Choose a language from the list."))


class CancelForm(Form):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Length(max=1000)])
    # The time the confirm page showed: only that booking is cancelled, never a surprise.
    slot = IntegerField(widget=HiddenInput(), validators=[Optional()])


class MoveForm(Form):
    # The time the guardian confirmed moving away from (see booking.move).
    from_slot = IntegerField(widget=HiddenInput(), validators=[Optional()])


class RemoveSlotForm(Form):
    reason = TextAreaField(
        _l("Reason, sent to the guardians if the time is booked"),
        validators=[Length(max=1000)],
    )


class TalkRecordForm(Form):
    held = SelectField(
        _l("Was the talk held?"),
        choices=[
            SelectChoice("", _l("Not yet recorded")),
            SelectChoice("yes", _l("Held")),
            SelectChoice("no", _l("Not held")),
        ],
        default="",
    )
    notes = TextAreaField(_l("Notes (staff only)"), validators=[Length(max=20000)])
    actions = TextAreaField(_l("Agreed actions"), validators=[Length(max=10000)])
    summary = TextAreaField(
        _l("Summary for the student and guardians"), validators=[Length(max=10000)]
    )
    summary_published = BooleanField(_l("Show the summary to the student and guardians"))
