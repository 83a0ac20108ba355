"""Forms of the administration pages."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from app.admin.csvfile import MAX_FILE_BYTES, UploadError, decode
from app.fields import Form, MultiCheckboxField

ROLE_CHOICES = [
    SelectChoice("teacher", _l("Teacher")),
    SelectChoice("principal", _l("Principal")),
    SelectChoice("admin", _l("School administrator")),
]
DAY_OFF_KINDS = [
    SelectChoice("break", _l("Break (lov)")),
    SelectChoice("study_day", _l("Study day")),
]


def optional_int(value) -> int | None:
    """Coerce for a select with an empty "choose" option."""
    return int(value) if value not in ("", None) else None


DAYS = _l("Give between %(min)s and %(max)s days.")


class SchoolForm(Form):
    name = StringField(
        _l("Name"), validators=[InputRequired(_l("Give the school's name.")), Length(max=200)]
    )
    unit_code = StringField(
        _l("Unit code (skolenhetskod)"),
        validators=[
            InputRequired(_l("Give the unit code.")),
            Regexp(r"^\d{8}$", message=_l("The unit code has 8 digits.")),
        ],
    )
    time_zone = StringField(_l("Time zone"), default="Europe/Stockholm")

    def validate_time_zone(self, field):
        if field.data not in available_timezones():
            raise ValidationError(_l("Give a time zone like Europe/Stockholm."))


class YearForm(Form):
    name = StringField(
        _l("Name"),
        validators=[
            InputRequired(_l("Give the school year a name.")),
            Regexp(r"^\d{4}/\d{2}$", message=_l("Write the name like 2027/28.")),
        ],
    )
    start_date = DateField(_l("First day"), validators=[InputRequired(_l("Choose the first day."))])
    end_date = DateField(_l("Last day"), validators=[InputRequired(_l("Choose the last day."))])
    ht_start = DateField(_l("Autumn term starts"), validators=[InputRequired(_l("Choose a date."))])
    ht_end = DateField(_l("Autumn term ends"), validators=[InputRequired(_l("Choose a date."))])
    vt_start = DateField(_l("Spring term starts"), validators=[InputRequired(_l("Choose a date."))])
    vt_end = DateField(_l("Spring term ends"), validators=[InputRequired(_l("Choose a date."))])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        ok = True
        if self.end_date.data <= self.start_date.data:
            self.end_date.errors.append(_l("The last day comes after the first."))
            return False
        for start, end in ((self.ht_start, self.ht_end), (self.vt_start, self.vt_end)):
            if end.data <= start.data:
                end.errors.append(_l("A term ends after it starts."))
                ok = False
            for f in (start, end):
                if not self.start_date.data <= f.data <= self.end_date.data:
                    f.errors.append(_l("Choose a date within the school year."))
                    ok = False
        if ok and self.vt_start.data <= self.ht_end.data:
            self.vt_start.errors.append(_l("The spring term starts after the autumn term."))
            ok = False
        return ok


class CopyYearForm(YearForm):
    copy_groups = BooleanField(_l("Copy the mentor groups and their mentors (without students)"))


class DayOffForm(Form):
    name = StringField(
        _l("Name"), validators=[InputRequired(_l("Give a name, like Höstlov.")), Length(max=100)]
    )
    kind = SelectField(_l("Kind"), choices=DAY_OFF_KINDS, default="break")
    start_date = DateField(_l("From"), validators=[InputRequired(_l("Choose the first day."))])
    end_date = DateField(_l("To and with (empty: one day)"), validators=[Optional()])

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("The last day cannot come before the first."))


class GroupForm(Form):
    name = StringField(
        _l("Name"),
        validators=[InputRequired(_l("Give the group a name, like 7A.")), Length(max=50)],
    )
    mentor = SelectField(
        _l("Mentor"), coerce=optional_int, validators=[InputRequired(_l("Choose the mentor."))]
    )
    co_mentors = MultiCheckboxField(_l("Co-mentors"), coerce=int)


class MoveForm(Form):
    group = SelectField(_l("Group"), coerce=int)


class InviteStaffForm(Form):
    name = StringField(
        _l("Name"), validators=[InputRequired(_l("Give the person's name.")), Length(max=200)]
    )
    email = StringField(
        _l("E-mail"),
        validators=[
            InputRequired(_l("Give an e-mail address.")),
            Email(_l("Enter an e-mail address like name@example.se."), check_deliverability=False),
        ],
    )
    roles = MultiCheckboxField(_l("Roles"), choices=ROLE_CHOICES, default=["teacher"])

    def validate_roles(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one role."))


class RolesForm(Form):
    roles = MultiCheckboxField(_l("Roles"), choices=ROLE_CHOICES)


class PolicyForm(Form):
    mentor_max_days = IntegerField(
        _l("School days per school year that the mentor may grant"),
        validators=[InputRequired(_l("Give a number of days.")), NumberRange(0, 60, DAYS)],
    )
    leave_max_days_per_request = IntegerField(
        _l("Longest request the mentor may grant (school days, empty: no limit)"),
        validators=[Optional(), NumberRange(1, 60, DAYS)],
    )
    leave_min_notice_days = IntegerField(
        _l("Apply at least this many days ahead (later requests are flagged)"),
        validators=[InputRequired(_l("Give a number of days.")), NumberRange(0, 90, DAYS)],
    )
    leave_requires_all_guardians = BooleanField(_l("Every guardian must agree before a decision"))
    talk_cancel_hours = IntegerField(
        _l("Guardians may cancel or move a talk up to this many hours before (default)"),
        validators=[
            InputRequired(_l("Give a number of hours.")),
            NumberRange(0, 24 * 14, _l("Give between %(min)s and %(max)s hours.")),
        ],
    )
    students_write_goals = BooleanField(_l("Students may write their own goals"))
    contact_confirm_days = IntegerField(
        _l("Ask guardians to confirm their contact details when older than (days)"),
        validators=[InputRequired(_l("Give a number of days.")), NumberRange(30, 730, DAYS)],
    )


UPLOAD_ERRORS = {
    "too_large": _l("%(file)s is larger than %(mb)s MB. Split it into smaller files."),
    "binary": _l(
        "%(file)s is not a CSV text file. In Excel, choose Save as and the type CSV UTF-8."
    ),
}


class ImportForm(Form):
    school_year = SelectField(_l("School year"), coerce=int)
    files = MultipleFileField(_l("CSV files"))

    def validate_files(self, field):
        """Every file must be a CSV text file; the decoded texts are kept in `self.texts`."""
        files = [f for f in field.data or [] if getattr(f, "filename", "")]
        if not files:
            raise ValidationError(_l("Choose one or more CSV files."))
        self.texts = []
        for f in files:
            try:
                text = decode(f.read(MAX_FILE_BYTES + 1))
            except UploadError as error:
                raise ValidationError(
                    (UPLOAD_ERRORS[error.code]) % {"file": f.filename, "mb": MAX_FILE_BYTES >> 20}
                ) from None
            self.texts.append({"name": f.filename, "text": text})


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter

    who = StringField(_l("Who (name or e-mail)"), validators=[Optional(), Length(max=100)])
    action = SelectField(_l("What"), validate_choice=False, default="")
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To and with"), validators=[Optional()])
