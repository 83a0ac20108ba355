"""Keeping a guardian's contact details current: validation, changes with history,
yearly confirmation, and changing the sign-in address by a confirmed link."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import phonenumbers
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from app import audit, hot_path
from app.contacts.models import ContactDetails, EmailChange
from app.db_types import utcnow
from app.extensions import db
from app.outbox import queue_mail
from app.people import account, sessions, tokens
from app.people.models import Guardianship, Student, User
from app.school.calendar import current_year
from app.school.models import School
from app.sql import Prepared
from app.web import absolute_url

EDITABLE = (
    "mobile",
    "other_phone",
    "street",
    "postal_code",
    "town",
    "language",
    "needs_interpreter",
)
# A person's details as histories and imports name them.
FIELD_LABELS = {
    "mobile": _l("Mobile phone"),
    "other_phone": _l("Other phone"),
    "street": _l("Street address"),
    "postal_code": _l("Postal code"),
    "town": _l("Town"),
    "language": _l("Language for contact with school"),
    "needs_interpreter": _l("I need an interpreter"),
    "email": _l("E-mail address"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "personnummer": _l("Personnummer"),
    "external_id": _l("External id"),
    "protected_identity": _l("Protected personal details"),
}
EMAIL_NEEDS_RECENT_SIGNIN = _l(
    "For your safety, a new sign-in address needs a fresh sign-in: sign out, sign in again "
    "and change it within 15 minutes. Your other details are not saved yet."
)
POSTAL_CODE = re.compile(r"^(\d{3})\s?(\d{2})$")


def normalise_phone(value: str) -> str:
    """A Swedish or international number in E.164, or ValueError."""
    try:
        number = phonenumbers.parse(value, "SE")
    except phonenumbers.NumberParseException as error:
        raise ValueError("not a phone number") from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str | None) -> str:
    """Swedish numbers in national form (070-123 45 67), others internationally."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 46
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def field_label(name: str) -> str:
    return hot_path.text(FIELD_LABELS.get(name, name))


def normalise_postal_code(value: str) -> str:
    """Swedish postal codes as NNN NN, or ValueError."""
    match = POSTAL_CODE.match(value.strip())
    if not match:
        raise ValueError("not a postal code")
    return f"{match.group(1)} {match.group(2)}"


def _contact_language_statement():
    return select(ContactDetails.language).where(ContactDetails.user_id == bindparam("user"))


# Run on the cursor (app/sql.py): the booking's confirm page asks it on every view.
_CONTACT_LANGUAGE = Prepared(_contact_language_statement)


def contact_language(user: User) -> str | None:
    """The language the guardian wants for contact with school (a registry code)."""
    found = _CONTACT_LANGUAGE.first(user=user.id)
    return found[0] if found else None


def details_for(user: User) -> ContactDetails:
    """The user's details to change: the saved row, or a new one added to the session."""
    details = db.session.scalar(select(ContactDetails).where(ContactDetails.user_id == user.id))
    if details is None:
        details = ContactDetails(user_id=user.id)
        db.session.add(details)
    return details


def details_to_show(user: User) -> ContactDetails:
    """The user's details for a page: the saved row, or blank ones that are not saved
    (their `id` is None) and are not added to the session, so showing writes nothing."""
    details = db.session.scalar(select(ContactDetails).where(ContactDetails.user_id == user.id))
    return details if details is not None else ContactDetails(user_id=user.id)


@dataclass(frozen=True)
class Saved:
    """What became of saving the guardian's own details: "saved" (`new_email`: the new
    sign-in address a confirmation link went to, if it changes), or "refused" with the
    reason to show next to the e-mail field; a refusal wrote nothing."""

    result: str
    reason: object = None
    new_email: str | None = None

    @property
    def ok(self) -> bool:
        return self.result != "refused"


def email_change_refusal(user: User, email: str | None):
    """Why the address typed in the form cannot replace the sign-in address now, or None
    (it is the same address, or the sign-in is recent enough)."""
    if (email or "").strip().lower() != user.email and not may_change_email(user):
        return EMAIL_NEEDS_RECENT_SIGNIN
    return None


def save_details(user: User, values: dict, email: str) -> Saved:
    """The guardian saves their details form: changed fields with their history (saving
    confirms them), and a new sign-in address asked for by a link sent to it; committed.
    A new address without a recent sign-in refuses the whole save."""
    refusal = email_change_refusal(user, email)
    if refusal is not None:
        return Saved("refused", refusal)
    update_details(user, values)
    new_email = email.strip().lower()
    changes_email = new_email != user.email
    if changes_email:
        request_email_change(user, new_email, email_link)
    db.session.commit()
    return Saved("saved", new_email=new_email if changes_email else None)


def update_details(user: User, values: dict, now: datetime | None = None) -> dict:
    """Save changed fields, with one audit row holding each old and new value.
    Saving counts as confirming. Returns {field: (old, new)}."""
    now = now or utcnow()
    details = details_for(user)
    changes = {}
    for field in EDITABLE:
        old, new = getattr(details, field), values.get(field)
        if field == "needs_interpreter":
            new = bool(new)
        elif new is not None:
            new = new.strip() or None
        if old != new:
            changes[field] = (old, new)
            setattr(details, field, new)
    details.confirmed_at = now
    if changes:
        details.updated_at = now
        db.session.flush()
        audit.record(
            "contact.changed",
            details,
            {f: {"old": o, "new": n} for f, (o, n) in changes.items()},
            actor=user,
        )
    else:
        audit.record("contact.confirmed", details, {}, actor=user)
    return changes


def confirm(user: User, now: datetime | None = None) -> None:
    """The guardian confirms their details are still right: audited and committed."""
    details = details_for(user)
    details.confirmed_at = now or utcnow()
    db.session.flush()
    audit.record("contact.confirmed", details, {}, actor=user)
    db.session.commit()


def history(user: User) -> list[audit.AuditEvent]:
    """The guardian's own changes, newest first."""
    details = db.session.scalar(select(ContactDetails).where(ContactDetails.user_id == user.id))
    if details is None:
        return []
    return list(
        db.session.scalars(
            select(audit.AuditEvent)
            .where(
                audit.AuditEvent.object_type == "contact_details",
                audit.AuditEvent.object_id == details.id,
                audit.AuditEvent.action.in_(("contact.changed", "email.changed")),
            )
            .order_by(audit.AuditEvent.id.desc())
        )
    )


def needs_confirmation(user: User, today: date) -> bool:
    """A guardian confirms once per school year, and whenever the details are older than
    the school's interval (the shortest among the schools of their children)."""
    schools = db.session.scalars(
        select(School)
        .join(Student, Student.school_id == School.id)
        .join(Guardianship, Guardianship.student_id == Student.id)
        .where(Guardianship.guardian_id == user.id)
        .distinct()
    ).all()
    if not schools:
        return False
    details = db.session.scalar(select(ContactDetails).where(ContactDetails.user_id == user.id))
    return confirmation_due(details.confirmed_at if details else None, schools, today)


def confirmed_at_column(user_id):
    """When the user last confirmed their details, as a column for another select."""
    return (
        select(ContactDetails.confirmed_at)
        .where(ContactDetails.user_id == user_id)
        .scalar_subquery()
        .label("contact_confirmed_at")
    )


def confirmation_due(confirmed_at, schools, today: date) -> bool:
    """needs_confirmation over what a caller loaded: the confirmation time (or None) and
    the schools of the guardian's children, with their school years."""
    if not schools:
        return False
    if confirmed_at is None:
        return True
    confirmed = confirmed_at.date()
    if today - confirmed > timedelta(days=min(s.contact_confirm_days for s in schools)):
        return True
    years = [y for s in schools if (y := current_year(s.school_years, today))]
    return any(confirmed < y.start_date <= today for y in years)


# --- changing the sign-in address ---------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_change_email(user: User) -> bool:
    """A new sign-in address is asked for only right after a sign-in, so that a copied
    cookie or an unlocked phone cannot move someone's account to another address."""
    return sessions.signed_in_recently()


def request_email_change(user: User, new_email: str, link_for) -> None:
    """Send a confirmation link to the new address and a notice to the old one.
    The sign-in address changes only when the link is used."""
    new_email = new_email.strip().lower()
    secret = secrets.token_urlsafe(32)
    db.session.add(
        EmailChange(
            user_id=user.id,
            new_email=new_email,
            token_hash=_digest(secret),
            expires_at=utcnow() + timedelta(hours=24),
        )
    )
    queue_mail(new_email, "email_confirm", locale=user.locale, to_user=user, link=link_for(secret))
    queue_mail(user.email, "email_notice", locale=user.locale, to_user=user, new_email=new_email)
    audit.record("email.change_requested", user, {"new": new_email}, actor=user)


def pending_email_change(user: User) -> EmailChange | None:
    return db.session.scalar(
        select(EmailChange)
        .where(
            EmailChange.user_id == user.id,
            EmailChange.used_at.is_(None),
            EmailChange.expires_at > utcnow(),
        )
        .order_by(EmailChange.id.desc())
    )


def confirm_email_change(secret: str, user: User) -> tuple[User | None, str]:
    """Use the link once, signed in as the account that asked for the change. Returns
    (user, "ok") or (None, "invalid" | "taken"). A link opened by another account is
    "invalid" and stays unused. The new address ends the account's other sessions and
    every one-time link sent to the old address (the caller rotates the sessions)."""
    now = utcnow()
    change = db.session.scalar(select(EmailChange).where(EmailChange.token_hash == _digest(secret)))
    if (
        change is None
        or change.user_id != user.id
        or change.used_at is not None
        or change.expires_at <= now
    ):
        return None, "invalid"
    used = db.session.execute(
        update(EmailChange)
        .where(EmailChange.id == change.id, EmailChange.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        db.session.rollback()
        return None, "invalid"
    user = change.user
    old = user.email
    user.email = change.new_email
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None, "taken"
    tokens.revoke_all(user)  # links sent to the old address; sessions: the view rotates
    audit.record(
        "email.changed", details_for(user), {"email": {"old": old, "new": user.email}}, actor=user
    )
    return user, "ok"


@dataclass(frozen=True)
class EmailChanged:
    """What became of using an e-mail change link: "changed" (`remember`: whether this
    device stays remembered in its new session), or "invalid" / "taken" with nothing
    changed."""

    result: str
    remember: bool = False

    @property
    def ok(self) -> bool:
        return self.result == "changed"


def use_email_link(secret: str, user: User, user_agent: str | None) -> EmailChanged:
    """The signed-in account that asked for a new sign-in address uses its link: the
    address changes, every session of the account ends and this device gets a fresh one
    (for login_user, as after a new password), committed."""
    changed, result = confirm_email_change(secret, user)
    if changed is None:
        return EmailChanged(result)
    return EmailChanged("changed", account.renew_session(changed, user_agent))


def email_link(secret: str) -> str:
    return absolute_url("contacts.confirm_email", token=secret)
