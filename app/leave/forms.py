"""Forms of the leave pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.fields import MultiCheckboxField

REASON_LABELS = {
    "travel": _l("Travel"),
    "family": _l("Family event"),
    "religious": _l("Religious holiday"),
    "sports": _l("Sports or competition"),
    "other": _l("Other"),
}


class LeaveForm(FlaskForm):
    students = MultiCheckboxField(_l("For whom?"), coerce=int, validate_choice=False)
    start_date = DateField(_l("First day"), validators=[InputRequired(_l("Choose the first day."))])
    end_date = DateField(_l("Last day"), validators=[InputRequired(_l("Choose the last day."))])
    reason = SelectField(
        _l("Reason"),
        choices=[SelectChoice(k, v) for k, v in REASON_LABELS.items()],
        default="travel",
    )
    note = TextAreaField(_l("More about the leave (optional)"), validators=[Length(max=2000)])


class DecisionForm(FlaskForm):
    comment = TextAreaField(_l("Comment to the guardians"), validators=[Length(max=2000)])


class PolicyForm(FlaskForm):
    mentor_max_days = IntegerField(
        _l("School days per school year that the mentor may grant"),
        validators=[
            InputRequired(_l("Give a number of days.")),
            NumberRange(0, 60, _l("Give between %(min)s and %(max)s days.")),
        ],
    )
    leave_max_days_per_request = IntegerField(
        _l("Longest request the mentor may grant (school days, empty: no limit)"),
        validators=[Optional(), NumberRange(1, 60, _l("Give between %(min)s and %(max)s days."))],
    )
    leave_min_notice_days = IntegerField(
        _l("Apply at least this many days ahead (later requests are flagged)"),
        validators=[
            InputRequired(_l("Give a number of days.")),
            NumberRange(0, 90, _l("Give between %(min)s and %(max)s days.")),
        ],
    )
    leave_requires_all_guardians = BooleanField(_l("Every guardian must agree before a decision"))
