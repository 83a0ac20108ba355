"""Forms of the leave pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from app.fields import Form, MultiCheckboxField
from app.submissions import SendKeyMixin

REASON_LABELS = {
    "travel": _l("Travel"),
    "family": _l("Family event"),
    "religious": _l("Religious holiday"),
    "sports": _l("Sports or competition"),
    "other": _l("Other"),
}


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
