"""Forms for contact details and contact notes; validators normalise what they accept."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, TelField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app import hot_path
from app.contacts.details import normalise_phone, normalise_postal_code
from app.contacts.log import WITH_WHOM_MAX
from app.fields import Form, LongSelect, MultiCheckboxField
from app.people.forms import email_field
from app.submissions import SendKeyMixin

CHANNEL_LABELS = {
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "meeting": _l("Meeting"),
    "message": _l("Message"),
}


def channel_label(channel: str) -> str:
    return hot_path.text(CHANNEL_LABELS[channel])


def _phone(form, field):
    if field.data and field.data.strip():
        try:
            field.data = normalise_phone(field.data)
        except ValueError:
            raise ValidationError(
                _l(
                    "Write a phone number like 070-123 45 67, "
                    "or with a country code like +358 40 123 4567."
                )
            ) from None


def _postal_code(form, field):
    if field.data and field.data.strip():
        try:
            field.data = normalise_postal_code(field.data)
        except ValueError:
            raise ValidationError(
                _l("Write the postal code as five digits, like 123 45.")
            ) from None


class ContactForm(Form):
    # type="tel" and a numeric keypad for the postal code: the phone shows the right keys.
    mobile = TelField(_l("Mobile phone"), validators=[Optional(), Length(max=30), _phone])
    other_phone = TelField(_l("Other phone"), validators=[Optional(), Length(max=30), _phone])
    email = email_field()
    street = StringField(_l("Street address"), validators=[Optional(), Length(max=200)])
    postal_code = StringField(
        _l("Postal code"),
        validators=[Optional(), _postal_code],
        render_kw={"inputmode": "numeric"},
    )
    town = StringField(_l("Town"), validators=[Optional(), Length(max=100)])
    language = SelectField(
        _l("Language for contact with school"), validators=[Optional()], widget=LongSelect()
    )
    needs_interpreter = BooleanField(_l("I need an interpreter"))

    def validate_town(self, field):
        if self.postal_code.data and not (field.data or "").strip():
            raise ValidationError(_l("Write the town that goes with the postal code."))


class ContactNoteForm(SendKeyMixin, Form):
    occurred_on = DateField(_l("Date"), validators=[InputRequired(_l("Choose the date."))])
    channel = SelectField(
        _l("How"), choices=[SelectChoice(k, v) for k, v in CHANNEL_LABELS.items()], default="phone"
    )
    # Choices (the student's guardians, by name) are set by the view.
    guardians = MultiCheckboxField(_l("With whom"), coerce=str, validate_choice=False)
    with_whom = StringField(
        _l("Someone else"),
        validators=[Length(max=WITH_WHOM_MAX)],
        description=_l("For example the student, an interpreter or a relative."),
    )
    summary = TextAreaField(
        _l("Summary"), validators=[InputRequired(_l("Write a short summary.")), Length(max=5000)]
    )
    follow_up_on = DateField(_l("Follow up on (optional)"), validators=[Optional()])

    def validate_guardians(self, field):
        known = {str(value) for value, _label in field.choices or []}
        if any(chosen not in known for chosen in field.data or []):
            raise ValidationError(_l("Choose from the list."))

    def validate_with_whom(self, field):
        if not self.guardians.data and not (field.data or "").strip():
            raise ValidationError(_l("Tick a guardian or write who you were in contact with."))
