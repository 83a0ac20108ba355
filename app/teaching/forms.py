"""Forms of the teaching pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length

from app.fields import Form
from app.teaching.models import COMMENT_MAX, STATUS_LABELS, STATUSES
from app.teaching.subjects import SUBJECTS


class InputForm(Form):
    """One student's row on the input page: a status from the list and a short comment."""

    status = RadioField(
        _l("Status"),
        choices=[SelectChoice(k, v) for k, v in STATUS_LABELS.items()],
        validate_choice=False,
        validators=[
            InputRequired(_l("Choose a status.")),
            AnyOf(STATUSES, message=_l("Choose a status.")),
        ],
    )
    comment = TextAreaField(
        _l("Comment (optional)"),
        validators=[
            Length(
                max=COMMENT_MAX,
                message=_l("At most %(max)d characters.", max=COMMENT_MAX),
            )
        ],
    )


class AssignmentForm(Form):
    """The admin's teaching assignment on a group's page: a subject and a teacher."""

    subject = SelectField(_l("Subject"), choices=[SelectChoice(k, v) for k, v in SUBJECTS.items()])
    teacher = SelectField(
        _l("Teacher"), coerce=int, validators=[InputRequired(_l("Choose a teacher."))]
    )
