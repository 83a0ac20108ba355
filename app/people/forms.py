"""Sign-in and account forms; messages are translated through Flask-Babel."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Length

from app.fields import Form
from app.languages import DEFAULT, ui_languages

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
    """The interface languages from the registry, each in its own name."""

    locale = SelectField(_l("Language"), default=DEFAULT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = [
            SelectChoice(
                lang.code, lang.own_name, render_kw={"lang": lang.code, "dir": lang.direction}
            )
            for lang in ui_languages(pseudo=current_app.config["PSEUDO_LOCALE"])
        ]
