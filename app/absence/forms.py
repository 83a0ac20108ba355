"""Forms and words of the absence pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FileField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app import hot_path
from app.fields import Form, MultiCheckboxField
from app.submissions import SendKeyMixin

# One absence kind as the pages name it (a sickness report shows as valid absence to
# everyone but the student's mentors).
KIND_LABELS = {
    "sick": _l("Sick (reported)"),
    "leave": _l("Approved leave"),
    "valid": _l("Valid absence"),
    "invalid": _l("Invalid absence"),
}
TREND_LABELS = {"up": _l("Rising"), "down": _l("Falling"), "steady": _l("Steady")}
REASON_LABELS = {
    "percent": _l("Absence over the limit"),
    "invalid": _l("Invalid absence"),
    "reports": _l("Many sickness reports"),
}
FIELD_ERRORS = {
    "time_missing": _l("Say from what time."),
    "until_missing": _l("Choose the last day."),
    "until_before": _l("The last day must be today or later."),
    "outside_year": _l("The days must be within the school year."),
    "end_before_start": _l("The last day must be the same as or after the first day."),
}
CONTACT_CHANNELS = {"phone": _l("Phone call"), "message": _l("Message")}


def kind_label(kind: str) -> str:
    return hot_path.text(KIND_LABELS[kind])


def trend_label(trend: str) -> str:
    return hot_path.text(TREND_LABELS[trend])


def reason_label(reason: str) -> str:
    return hot_path.text(REASON_LABELS[reason])


class ReportForm(SendKeyMixin, Form):
    students = MultiCheckboxField(_l("Who is sick?"), coerce=int, validate_choice=False)
    period = RadioField(_l("How long?"), default="today", validate_choice=False)
    until = DateField(_l("Sick until and with"), validators=[Optional()])
    from_time = TimeField(_l("Went home at"), validators=[Optional()])
    note = TextAreaField(
        _l("Note to the mentor (optional)"), validators=[Optional(), Length(max=1000)]
    )


class CorrectForm(Form):
    end_date = DateField(_l("Last day"), validators=[InputRequired(_l("Choose the last day."))])
    note = TextAreaField(
        _l("Note to the mentor (optional)"), validators=[Optional(), Length(max=1000)]
    )


class AnswerForm(SendKeyMixin, Form):
    note = TextAreaField(
        _l("Note to the mentor (optional)"), validators=[Optional(), Length(max=1000)]
    )


class ContactForm(SendKeyMixin, Form):
    channel = SelectField(
        _l("How"),
        choices=[SelectChoice(k, v) for k, v in CONTACT_CHANNELS.items()],
        default="phone",
    )
    with_whom = StringField(
        _l("With whom"), validators=[InputRequired(_l("Say with whom.")), Length(max=200)]
    )
    summary = TextAreaField(
        _l("What you talked about"),
        validators=[InputRequired(_l("Write a few words.")), Length(max=2000)],
    )
    follow_up_on = DateField(_l("Next follow-up (agreed date)"), validators=[Optional()])


class ReferralForm(SendKeyMixin, Form):
    reason = TextAreaField(
        _l("Why an investigation?"),
        validators=[InputRequired(_l("Write a short reason.")), Length(max=2000)],
    )


class CloseForm(Form):
    outcome = TextAreaField(
        _l("Outcome"), validators=[InputRequired(_l("Write the outcome.")), Length(max=2000)]
    )


class SettingsForm(Form):
    day_starts = TimeField(_l("The school day starts (reports after it are late)"))
    day_ends = TimeField(_l("The school day ends"))
    percent_limit = IntegerField(
        _l("Watch list: absence this term at least (percent)"),
        validators=[InputRequired(), NumberRange(1, 100)],
    )
    reports_limit = IntegerField(
        _l("Watch list: sickness reports in 30 days at least"),
        validators=[InputRequired(), NumberRange(1, 31)],
    )
    invalid_counts = BooleanField(_l("Watch list: any invalid absence"))


class RegisterUploadForm(Form):
    file = FileField(_l("CSV file"))
