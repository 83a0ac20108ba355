"""Forms of the concern pages; their choices come from the lists in concerns.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.fields import Form
from app.submissions import SendKeyMixin
from app.teaching.concerns import ERRORS, KIND_LABELS, OUTCOME_LABELS
from app.teaching.models_concerns import FOLLOW_UP_MAX, GUARDIAN_MESSAGE_MAX, TEXT_MAX
from app.teaching.subjects import subject_label


class _TooLong(Length):
    """Length whose message is translated when shown (the limit filled in then)."""

    def __init__(self, limit: int):
        super().__init__(max=limit)
        self.limit = limit

    def __call__(self, form, field):
        self.message = str(ERRORS["text_long"]) % {"num": self.limit}
        super().__call__(form, field)


class ConcernForm(SendKeyMixin, Form):
    kind = RadioField(
        _l("What kind of concern?"),
        choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()],
        validators=[InputRequired(ERRORS["kind"])],
        validate_choice=False,  # the domain checks it, with its own words
    )
    subject = SelectField(
        _l("Subject"), validators=[InputRequired(ERRORS["subject"])], validate_choice=False
    )
    text = TextAreaField(
        _l("A few words to the mentor"),
        validators=[InputRequired(ERRORS["text_missing"]), _TooLong(TEXT_MAX)],
    )

    def set_subjects(self, subjects: list[str]) -> None:
        self.subject.choices = [SelectChoice(s, subject_label(s)) for s in subjects]
        if len(subjects) == 1 and not self.subject.data:
            self.subject.data = subjects[0]


class FollowUpForm(Form):
    follow_up = TextAreaField(
        _l("Follow-up (staff only)"), validators=[Optional(), _TooLong(FOLLOW_UP_MAX)]
    )


class TellGuardiansForm(Form):
    confirm = BooleanField(
        _l("Yes, tell the guardians that the school has a concern"),
        validators=[InputRequired(_l("Tick the box to tell the guardians."))],
    )
    message = TextAreaField(
        _l("Message to the guardians (optional)"),
        validators=[Optional(), _TooLong(GUARDIAN_MESSAGE_MAX)],
    )


class CloseForm(Form):
    outcome = RadioField(
        _l("Outcome"),
        choices=[SelectChoice(k, v) for k, v in OUTCOME_LABELS.items()],
        validators=[InputRequired(ERRORS["outcome"])],
        validate_choice=False,  # the domain checks it, with its own words
    )
    note = TextAreaField(
        _l("Note on the outcome (optional)"), validators=[Optional(), _TooLong(FOLLOW_UP_MAX)]
    )
