"""Talk pages over HTTP: what mentors and guardians do, and what everyone else sees."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from app.db_types import utcnow
from app.extensions import db
from app.outbox import OutboxMessage
from app.talks.models import TalkBooking, TalkPeriod, TalkRecord, TalkSlot
from app.talks.slots import future_open_slots
from tests.conftest import post_form
from tests.talks.helpers import student, weekday_after


@pytest.fixture
def demo(app):
    """Ids of the demo's 7A talk period, Oskar and a free slot."""
    with app.app_context():
        period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group.has(name="7A")))
        free = future_open_slots(period)
        return {
            "period": period.id,
            "group": period.group_id,
            "oskar": student("Oskar").id,
            "slot": free[0].id,
            "slot2": free[1].id,
        }


def _mails(app, to=None):
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if to:
            query = query.where(OutboxMessage.recipient == to)
        return db.session.scalars(query).all()


def _book(client, demo, slot="slot", **data):
    path = f"/talks/periods/{demo['period']}/students/{demo['oskar']}/book/{demo[slot]}"
    return post_form(client, path, {"attendees": "Oskar och Anna", **data})


def _booking_id(response) -> int:
    return int(response.headers["Location"].rsplit("/", 1)[1])


# --- guardian -------------------------------------------------------------------------


def test_home_card_offers_booking(login_as, demo):
    page = login_as("guardian").get("/home/guardian").get_data(as_text=True)
    assert "Boka tid för Oskar" in page
    assert f"/talks/periods/{demo['period']}/students/{demo['oskar']}/book" in page


def test_slot_list_groups_free_times_by_day(login_as, demo):
    page = (
        login_as("guardian")
        .get(f"/talks/periods/{demo['period']}/students/{demo['oskar']}/book")
        .get_data(as_text=True)
    )
    assert "Boka samtal för Oskar" in page
    assert page.count('class="slot"') >= 20
    assert re.search(r"<h2[^>]*>(Måndag|Tisdag|Onsdag|Torsdag|Fredag) \d+ \w+</h2>", page)


def test_booking_mails_both_guardians_with_calendar_file(app, login_as, demo):
    response = _book(login_as("guardian"), demo, message="Vi kommer båda")
    assert response.status_code == 303
    anna = _mails(app, "guardian@example.org")[-1]
    johan = _mails(app, "guardian2@example.org")[-1]
    assert anna.subject.startswith("Utvecklingssamtal bokat: Oskar")
    assert "Du har bokat utvecklingssamtalet för Oskar." in anna.body_text
    assert "Anna Karlsson har bokat utvecklingssamtalet för Oskar." in johan.body_text
    calendar = Calendar.from_ical(johan.attachment)
    event = calendar.walk("VEVENT")[0]
    assert johan.attachment_type == "text/calendar"
    assert str(event["uid"]).startswith("talk-booking-")
    assert event["dtstart"].dt.tzinfo.key == "Europe/Stockholm"
    assert calendar.walk("VTIMEZONE"), "the calendar carries its time zone"


def test_booking_page_and_second_guardian(login_as, demo):
    response = _book(login_as("guardian"), demo)
    booking_id = _booking_id(response)
    johan = login_as("other_guardian")
    page = johan.get(f"/talks/bookings/{booking_id}").get_data(as_text=True)
    assert "Utvecklingssamtal för Oskar" in page and "Flytta till en annan tid" in page
    assert "Visa, flytta eller avboka" in johan.get("/home/guardian").get_data(as_text=True)


def test_confirm_form_errors_keep_the_input(login_as, demo):
    path = f"/talks/periods/{demo['period']}/students/{demo['oskar']}/book/{demo['slot']}"
    response = post_form(
        login_as("guardian"),
        path,
        {
            "attendees": "",
            "needs_interpreter": "y",
            "interpreter_language": "",
            "message": "Viktigt meddelande",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Skriv vem som kommer" in page and "Välj vilket språk tolken ska tala." in page
    assert "Viktigt meddelande" in page


def test_second_booking_for_the_same_child_goes_to_the_existing_one(login_as, demo):
    first = _book(login_as("guardian"), demo)
    second = _book(login_as("other_guardian"), demo, slot="slot2")
    assert second.status_code == 303 and second.headers["Location"] == first.headers["Location"]


def test_a_double_tap_on_book_shows_the_booking_made(login_as, demo):
    guardian = login_as("guardian")
    first = _book(guardian, demo)
    second = _book(guardian, demo)
    assert second.status_code == 303 and second.headers["Location"] == first.headers["Location"]
    page = guardian.get(second.headers["Location"]).get_data(as_text=True)
    assert "Det här var redan skickat" in page and "redan ett bokat samtal" not in page


def test_cancel_tells_the_other_guardian(app, login_as, demo):
    booking_id = _booking_id(_book(login_as("guardian"), demo))
    johan = login_as("other_guardian")
    response = post_form(
        johan,
        f"/talks/bookings/{booking_id}/cancel",
        {"reason": "Sjuk"},
        page=f"/talks/bookings/{booking_id}",
    )
    assert response.status_code == 303
    mail = _mails(app, "guardian@example.org")[-1]
    assert "Johan Lindqvist har avbokat utvecklingssamtalet för Oskar" in mail.body_text
    assert "Anledning: Sjuk" in mail.body_text
    assert "STATUS:CANCELLED" in mail.attachment
    page = johan.get(f"/talks/bookings/{booking_id}").get_data(as_text=True)
    assert "är avbokat" in page and "Boka en ny tid" in page


def test_move_keeps_uid_and_bumps_sequence(app, login_as, demo):
    anna = login_as("guardian")
    booking_id = _booking_id(_book(anna, demo))
    response = post_form(
        anna,
        f"/talks/bookings/{booking_id}/move/{demo['slot2']}",
        {},
        page=f"/talks/bookings/{booking_id}/move",
    )
    assert response.status_code == 303
    with app.app_context():
        booking = db.session.get(TalkBooking, booking_id)
        assert booking.slot_id == demo["slot2"] and booking.sequence == 1
    ics = Calendar.from_ical(anna.get(f"/talks/bookings/{booking_id}/calendar.ics").data)
    event = ics.walk("VEVENT")[0]
    assert str(event["uid"]) == f"talk-booking-{booking_id}@mentorskap" and event["sequence"] == 1
    assert "har flyttat" in _mails(app, "guardian2@example.org")[-1].body_text


def test_move_to_a_taken_slot_keeps_the_booking(app, login_as, demo):
    anna = login_as("guardian")
    booking_id = _booking_id(_book(anna, demo))
    with app.app_context():
        taken = db.session.scalar(
            select(TalkBooking.active_slot_id).where(
                TalkBooking.id != booking_id, TalkBooking.active_slot_id.is_not(None)
            )
        )
    response = post_form(
        anna,
        f"/talks/bookings/{booking_id}/move/{taken}",
        {},
        page=f"/talks/bookings/{booking_id}/move",
    )
    assert response.status_code == 409
    assert "Någon annan hann boka den tiden" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(TalkBooking, booking_id).slot_id == demo["slot"]


def test_no_changes_after_the_deadline(app, login_as, demo):
    anna = login_as("guardian")
    booking_id = _booking_id(_book(anna, demo))
    with app.app_context():
        slot = db.session.get(TalkSlot, demo["slot"])
        slot.starts_at = utcnow() + timedelta(hours=3)
        slot.ends_at = slot.starts_at + timedelta(minutes=20)
        db.session.commit()
    page = anna.get(f"/talks/bookings/{booking_id}").get_data(as_text=True)
    assert "Sista tiden att ändra bokningen har passerat" in page and "Avboka samtalet" not in page
    response = post_form(anna, f"/talks/bookings/{booking_id}/cancel", {}, page="/account")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(TalkBooking, booking_id).active
    assert anna.get(f"/talks/bookings/{booking_id}/move").status_code == 302


def test_student_sees_own_talk_without_change_links(app, login_as):
    from app.talks import booking as logic
    from tests.talks.helpers import user

    with app.app_context():
        period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group.has(name="9C")))
        logic.book(
            user("guardian@example.org"), student("Elsa"), period, future_open_slots(period)[0].id
        )
        db.session.commit()
    page = login_as("student").get("/home/student").get_data(as_text=True)
    assert "Klassrum 9C" in page and "Visa, flytta eller avboka" not in page


# --- mentor ---------------------------------------------------------------------------


def test_mentor_overview_shows_booked_and_not_booked(login_as, demo):
    page = login_as("mentor").get(f"/talks/periods/{demo['period']}").get_data(as_text=True)
    assert "<strong>12</strong> bokade" in page and "<strong>16</strong> inte bokade" in page
    assert "Påminn vårdnadshavarna till 16 elever som inte har bokat" in page


def test_principal_reads_but_does_not_manage(login_as, demo):
    page = login_as("principal").get(f"/talks/periods/{demo['period']}").get_data(as_text=True)
    assert "bokade" in page and "Lägg till tider" not in page and "Ta bort tiden" not in page


def test_reminder_goes_to_guardians_of_unbooked_students(app, login_as, demo):
    before = len(_mails(app))
    response = post_form(
        login_as("mentor"),
        f"/talks/periods/{demo['period']}/remind",
        {},
        page=f"/talks/periods/{demo['period']}",
    )
    assert response.status_code == 303
    new = _mails(app)[before:]
    assert new and all(m.subject.startswith("Boka utvecklingssamtalet för") for m in new)
    assert any(m.recipient == "guardian2@example.org" for m in new)  # Oskar is not booked


def test_removing_a_booked_slot_tells_the_guardians(app, login_as, demo):
    _book(login_as("guardian"), demo)
    response = post_form(
        login_as("mentor"),
        f"/talks/slots/{demo['slot']}/remove",
        {"reason": "Mentorn är sjuk"},
        page=f"/talks/periods/{demo['period']}",
    )
    assert response.status_code == 303
    mail = _mails(app, "guardian2@example.org")[-1]
    assert "Karin Lund har avbokat" in mail.body_text and "Mentorn är sjuk" in mail.body_text


def test_new_period_form_errors_and_duplicate_term(login_as, demo):
    mentor = login_as("mentor")
    path = f"/talks/groups/{demo['group']}/periods/new"
    page = mentor.get(path).get_data(as_text=True)
    term_ids = re.findall(r'<option (?:selected )?value="(\d+)"', page)
    bad = post_form(
        mentor,
        path,
        {
            "title": "VT-samtal",
            "term_id": term_ids[-1],
            "booking_opens_at": "2027-03-10T18:00",
            "booking_closes_at": "2027-03-01T18:00",
            "cancel_hours": "24",
            "talk_minutes": "20",
        },
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Bokningen måste stänga efter att den öppnar." in text and 'value="VT-samtal"' in text
    with mentor.application.app_context():
        used = db.session.scalar(select(TalkPeriod.term_id).where(TalkPeriod.id == demo["period"]))
    duplicate = post_form(
        mentor,
        path,
        {
            "title": "Igen",
            "term_id": str(used),
            "booking_opens_at": "2027-03-01T18:00",
            "booking_closes_at": "2027-03-10T18:00",
            "cancel_hours": "24",
            "talk_minutes": "20",
        },
    )
    assert "Gruppen har redan en samtalsperiod den här terminen." in duplicate.get_data(
        as_text=True
    )


def test_generator_preview_publish_and_conflict(app, login_as, demo):
    mentor = login_as("mentor")
    path = f"/talks/periods/{demo['period']}/slots/new"
    day = weekday_after(40).isoformat()
    form = {
        "extra_day": day,
        "start": "08:00",
        "end": "09:00",
        "minutes": "20",
        "pause": "0",
        "breaks": "",
        "mode": "site",
        "location": "Rum 4",
    }
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(TalkSlot))
    preview = post_form(mentor, path, {**form, "action": "preview"})
    assert preview.status_code == 200 and "Publicera 3 tider" in preview.get_data(as_text=True)
    published = post_form(mentor, path, {**form, "action": "publish"})
    assert published.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TalkSlot)) == before + 3
    again = post_form(mentor, path, {**form, "action": "publish"})
    assert again.status_code == 422
    assert "3 tider krockar med samtal du redan har" in again.get_data(as_text=True)
    no_day = post_form(mentor, path, {**form, "extra_day": "", "action": "preview"})
    assert "Välj minst en dag." in no_day.get_data(as_text=True)
    bad_break = post_form(mentor, path, {**form, "breaks": "lunch", "action": "preview"})
    assert "Skriv raster som 11:30-12:15." in bad_break.get_data(as_text=True)


def test_talk_record_is_staff_only_until_published(app, login_as, demo):
    booking_id = _booking_id(_book(login_as("guardian"), demo))
    mentor = login_as("mentor")
    path = f"/talks/periods/{demo['period']}/students/{demo['oskar']}/record"
    data = {
        "held": "yes",
        "notes": "Hemlig anteckning om hemmet",
        "actions": "Läxhjälp tisdagar",
        "summary": "Oskar har kommit igång bra.",
    }
    assert post_form(mentor, path, data).status_code == 303
    anna = login_as("guardian")
    assert "Hemlig anteckning" not in anna.get(f"/talks/bookings/{booking_id}").get_data(
        as_text=True
    )
    assert "kommit igång bra" not in anna.get("/home/guardian").get_data(as_text=True)
    post_form(mentor, path, {**data, "summary_published": "y"})
    page = anna.get(f"/talks/bookings/{booking_id}").get_data(as_text=True)
    assert "kommit igång bra" in page and "Läxhjälp tisdagar" in page
    assert "Hemlig anteckning" not in page
    assert "Hemlig anteckning" not in anna.get("/home/guardian").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(TalkRecord.held)) is True


def test_interpreter_language_is_chosen_from_the_registry_and_prefilled(app, login_as, demo):
    from app.contacts.models import ContactDetails
    from app.people.models import User

    with app.app_context():
        anna = db.session.scalar(select(User).where(User.email == "guardian@example.org"))
        details = db.session.scalar(select(ContactDetails).where(ContactDetails.user_id == anna.id))
        if details is None:
            details = ContactDetails(user_id=anna.id)
            db.session.add(details)
        details.language = "so"
        db.session.commit()
    guardian = login_as("guardian")
    path = f"/talks/periods/{demo['period']}/students/{demo['oskar']}/book/{demo['slot']}"
    page = guardian.get(path).get_data(as_text=True)
    assert '<option selected value="so">somaliska</option>' in page
    assert '<option value="prs">dari</option>' in page
    refused = _book(guardian, demo, needs_interpreter="y", interpreter_language="klingon")
    assert refused.status_code == 422
    assert "Välj ett språk i listan." in refused.get_data(as_text=True)
    booked = _book(guardian, demo, needs_interpreter="y", interpreter_language="so")
    assert booked.status_code == 303
    assert "somaliska" in guardian.get(booked.headers["Location"]).get_data(as_text=True)


def test_booking_page_lines_up_a_siblings_talk(app, login_as, demo):
    """Elsa (9C) has her talk at the time of 7A's first free slot: Oskar's booking page
    lists her talk and marks that slot."""
    from app.talks import booking as logic
    from tests.talks.helpers import user

    with app.app_context():
        first = db.session.get(TalkSlot, demo["slot"])
        period = db.session.scalar(select(TalkPeriod).where(TalkPeriod.group.has(name="9C")))
        mentor_id = db.session.scalar(select(TalkSlot.mentor_id).where(TalkSlot.period == period))
        same_time = TalkSlot(
            period=period, mentor_id=mentor_id, starts_at=first.starts_at, ends_at=first.ends_at
        )
        db.session.add(same_time)
        db.session.flush()
        logic.book(user("guardian@example.org"), student("Elsa"), period, same_time.id)
        db.session.commit()
    client = login_as("guardian")
    page = client.get(f"/talks/periods/{demo['period']}/students/{demo['oskar']}/book")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Dina andra barns samtal" in text
    assert re.search(r"<li>Elsa: [^<]+<bdi", text)
    assert text.count("Samma tid som samtalet för Elsa") == 1
