"""Sign-in and account forms; messages are translated through Flask-Babel."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Length

from app.fields import Form
from app.languages import DEFAULT, UI_LANGUAGES

MIN_PASSWORD = 10


def email_field() -> EmailField:
    """A person's own e-mail address: for signing in and in their contact details."""
    return EmailField(
        _l("E-mail address"),
        validators=[
            InputRequired(_l("Enter your e-mail address.")),
            Email(_l("Enter an e-mail address like name@example.se."), check_deliverability=False),
            Length(max=254),
        ],
    )


class EmailForm(Form):
    email = email_field()


class LoginForm(EmailForm):
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Stay signed in on this device for 30 days"), default=True)


def _new_password_fields():
    return (
        PasswordField(
            _l("New password"),
            validators=[
                InputRequired(_l("Choose a password.")),
                Length(
                    min=MIN_PASSWORD,
                    max=200,
                    message=_l("Use at least %(num)d characters.", num=MIN_PASSWORD),
                ),
            ],
        ),
        PasswordField(
            _l("Repeat the new password"),
            validators=[
                InputRequired(_l("Repeat the password.")),
                EqualTo("password", _l("The passwords are not the same.")),
            ],
        ),
    )


class ResetPasswordForm(Form):
    password, confirm = _new_password_fields()


class ChangePasswordForm(Form):
    current = PasswordField(_l("Current password"))
    password, confirm = _new_password_fields()


class LanguageForm(Form):
    locale = SelectField(
        _l("Language"),
        choices=[
            SelectChoice(
                lang.code, lang.own_name, render_kw={"lang": lang.code, "dir": lang.direction}
            )
            for lang in UI_LANGUAGES
        ],
        default=DEFAULT,
    )
