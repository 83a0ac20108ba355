"""Forms for goals and follow-ups."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app import hot_path
from app.fields import Form
from app.submissions import SendKeyMixin

AREA_LABELS = {"knowledge": _l("Knowledge"), "social": _l("Social"), "personal": _l("Personal")}
STATUS_LABELS = {
    "not_started": _l("Not started"),
    "under_way": _l("Under way"),
    "reached": _l("Reached"),
    "changed": _l("Changed"),
}


def area_label(area: str) -> str:
    return hot_path.text(AREA_LABELS[area])


def goal_status_label(status: str) -> str:
    return hot_path.text(STATUS_LABELS[status])


class GoalForm(SendKeyMixin, Form):
    area = SelectField(_l("Area"), choices=[SelectChoice(k, v) for k, v in AREA_LABELS.items()])
    subject = StringField(_l("Subject (optional)"), validators=[Length(max=100)])
    text = TextAreaField(
        _l("The goal"),
        validators=[InputRequired(_l("Write the goal in plain words.")), Length(max=2000)],
    )
    steps = TextAreaField(_l("Concrete steps"), validators=[Length(max=4000)])
    target_date = DateField(_l("Reached by (optional)"), validators=[Optional()])


class FollowUpForm(SendKeyMixin, Form):
    status = SelectField(
        _l("Status"), choices=[SelectChoice(k, v) for k, v in STATUS_LABELS.items()]
    )
    comment = TextAreaField(_l("Comment"), validators=[Length(max=4000)])
