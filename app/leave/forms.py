"""Forms of the leave pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from app import hot_path
from app.fields import Form, MultiCheckboxField
from app.submissions import SendKeyMixin

REASON_LABELS = {
    "travel": _l("Travel"),
    "family": _l("Family event"),
    "religious": _l("Religious holiday"),
    "sports": _l("Sports or competition"),
    "other": _l("Other"),
}

# A leave status as a word in a sentence ("…, is approved").
STATUS_WORDS = {
    "pending": _l("waiting for a decision"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "withdrawn": _l("withdrawn"),
}


def reason_label(reason: str) -> str:
    return hot_path.text(REASON_LABELS.get(reason, reason))


def status_label(status: str) -> str:
    return hot_path.text(STATUS_WORDS[status])


class LeaveForm(SendKeyMixin, Form):
    students = MultiCheckboxField(_l("For whom?"), coerce=int, validate_choice=False)
    start_date = DateField(_l("First day"), validators=[InputRequired(_l("Choose the first day."))])
    end_date = DateField(_l("Last day"), validators=[InputRequired(_l("Choose the last day."))])
    reason = SelectField(
        _l("Reason"),
        choices=[SelectChoice(k, v) for k, v in REASON_LABELS.items()],
        default="travel",
    )
    note = TextAreaField(_l("More about the leave (optional)"), validators=[Length(max=2000)])


class DecisionForm(Form):
    comment = TextAreaField(_l("Comment to the guardians"), validators=[Length(max=2000)])
