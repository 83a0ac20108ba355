"""What must never leave its place: a protected student's details in another family's
e-mail or calendar, and a school's settings in the hands of another school's admin."""

from __future__ import annotations

from sqlalchemy import select

from app.contacts.models import ContactDetails
from app.extensions import db
from app.feeds import links
from app.outbox import OutboxMessage
from app.people.models import Guardianship, Student, User
from app.school.models import GroupMembership, MentorGroup, School
from app.talks.models import TalkPeriod
from app.talks.slots import future_open_slots
from tests.conftest import post_form


def test_protected_student_never_reaches_another_familys_mail_or_calendar(app, login_as):
    with app.app_context():
        protected = db.session.scalar(select(Student).where(Student.protected_identity))
        own = {g.guardian_id for g in protected.guardianships}
        secrets = [protected.name, protected.last_name]
        secrets += [
            d.street
            for d in db.session.scalars(
                select(ContactDetails).where(ContactDetails.user_id.in_(own))
            )
            if d.street
        ]
        assert len(secrets) > 2  # the name and at least one guardian's street
        period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group.has(name="7A")))
        slot = future_open_slots(period)[0]
        oskar = db.session.scalar(select(Student).where(Student.first_name == "Oskar"))
        others = db.session.scalars(
            select(User)
            .join(Guardianship, Guardianship.guardian_id == User.id)
            .join(GroupMembership, GroupMembership.student_id == Guardianship.student_id)
            .where(GroupMembership.group_id == period.group_id, User.id.notin_(own))
            .distinct()
        ).all()
        other_emails = {u.email for u in others}
        feed_paths = [f"/feeds/{links.create(u, None).secret}.ics" for u in others[:10]]
        db.session.commit()
        ids = {"period": period.id, "slot": slot.id, "oskar": oskar.id}

    # Another family books (mail and .ics to Oskar's guardians), the mentor reminds everyone.
    guardian = login_as("guardian")
    booked = post_form(
        guardian,
        f"/talks/periods/{ids['period']}/students/{ids['oskar']}/book/{ids['slot']}",
        {"attendees": "Anna"},
    )
    assert booked.status_code == 303
    booking_ics = guardian.get(booked.headers["Location"] + "/calendar.ics")
    assert booking_ics.status_code == 200
    mentor = login_as("mentor")
    assert post_form(
        mentor, f"/talks/periods/{ids['period']}/remind", {}, page=f"/talks/periods/{ids['period']}"
    ).status_code in (200, 303)

    with app.app_context():
        mails = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient.in_(other_emails))
        ).all()
    assert len(mails) > 5
    texts = [
        " ".join(filter(None, (m.subject, m.body_text, m.body_html, m.attachment))) for m in mails
    ]
    texts.append(booking_ics.get_data(as_text=True))
    client = app.test_client()
    texts += [client.get(path).get_data(as_text=True) for path in feed_paths]
    for text in texts:
        for secret in secrets:
            assert secret not in text


def test_school_admin_cannot_change_another_school_or_its_rules(app, login_as):
    with app.app_context():
        other = School(name="Norrskolan", unit_code="99999999", mentor_max_days=3)
        db.session.add(other)
        db.session.commit()
        other_id = other.id
        own_id = db.session.scalar(
            select(MentorGroup).where(MentorGroup.name == "7A")
        ).school_year.school_id
    admin = login_as("admin")
    school_form = {"name": "Kapad skola", "unit_code": "12345678", "time_zone": "Europe/Stockholm"}
    rules = {
        "mentor_max_days": "30",
        "leave_min_notice_days": "0",
        "talk_cancel_hours": "1",
        "contact_confirm_days": "365",
    }
    page = f"/admin/schools/{own_id}"
    for path, data in (
        (f"/admin/schools/{other_id}/edit", school_form),
        (f"/admin/schools/{other_id}/policy", rules),
    ):
        assert admin.get(path).status_code == 404
        assert post_form(admin, path, data, page=page).status_code == 404
    # A principal reads the school's administration but does not edit the school itself.
    principal = login_as("principal")
    assert (
        post_form(principal, f"/admin/schools/{own_id}/edit", school_form, page=page).status_code
        == 404
    )
    with app.app_context():
        other = db.session.get(School, other_id)
        assert (other.name, other.mentor_max_days, other.talk_cancel_hours) == (
            "Norrskolan",
            3,
            24,
        )
        assert db.session.get(School, own_id).name != "Kapad skola"
