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
from tests.talks.helpers import make_period, student, weekday_after


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


# New texts are checked in English (the source language) until they are translated.
EN = {"Accept-Language": "en"}
SEASON = {"HT": "autumn", "VT": "spring"}


def _card(page: str, student_id: int) -> str:
    """One child's card on the guardian's home page."""
    return page.split(f'id="student-{student_id}"', 1)[1].split("</article>", 1)[0]


def test_home_card_offers_booking(app, login_as, demo):
    page = login_as("guardian").get("/home/guardian", headers=EN).get_data(as_text=True)
    card = _card(page, demo["oskar"])
    with app.app_context():
        kind = db.session.get(TalkPeriod, demo["period"]).term.kind
    assert f"Book the {SEASON[kind]} talk for Oskar" in card  # the button names the term
    assert f"/talks/periods/{demo['period']}/students/{demo['oskar']}/book" in card
    assert "Due now" not in card  # one period to book: nothing to choose between


def test_two_open_periods_are_named_and_the_one_closing_first_is_due_first(app, login_as, demo):
    """Autumn and spring both open for Oskar: two buttons that say which term, the period
    whose booking closes first marked "Due now" and shown first."""
    with app.app_context():
        other = make_period("7A")  # the group's other term; closes in 30 days, the demo's in 21
        other_id, other_kind = other.id, other.term.kind
        demo_kind = db.session.get(TalkPeriod, demo["period"]).term.kind
    guardian = login_as("guardian")
    card = _card(guardian.get("/home/guardian", headers=EN).get_data(as_text=True), demo["oskar"])
    demo_button = card.index(f"Book the {SEASON[demo_kind]} talk for Oskar")
    other_button = card.index(f"Book the {SEASON[other_kind]} talk for Oskar")
    assert card.count("Due now") == 1
    assert card.index("Due now") < demo_button < other_button

    with app.app_context():
        db.session.get(TalkPeriod, other_id).booking_closes_at = utcnow() + timedelta(days=2)
        db.session.commit()
    card = _card(guardian.get("/home/guardian", headers=EN).get_data(as_text=True), demo["oskar"])
    demo_button = card.index(f"Book the {SEASON[demo_kind]} talk for Oskar")
    other_button = card.index(f"Book the {SEASON[other_kind]} talk for Oskar")
    assert card.count("Due now") == 1
    assert card.index("Utvecklingssamtal 7A") < card.index("Due now") < other_button < demo_button


def test_the_demo_shows_two_open_periods_on_elsas_card(app, login_as):
    """The demo opens 9C's next term early, so the demo guardian sees the case above."""
    with app.app_context():
        elsa = student("Elsa").id
        kinds = db.session.scalars(
            select(TalkPeriod)
            .where(TalkPeriod.group.has(name="9C"))
            .order_by(TalkPeriod.booking_closes_at)
        ).all()
        kinds = [p.term.kind for p in kinds]
    page = login_as("guardian").get("/home/guardian", headers=EN).get_data(as_text=True)
    card = _card(page, elsa)
    if len(kinds) == 1:  # the demo was built in the school year's last term: nothing later
        assert "Due now" not in card
        return
    assert kinds == ["HT", "VT"]
    autumn, spring = (card.index(f"Book the {s} talk for Elsa") for s in ("autumn", "spring"))
    assert card.index("Due now") < autumn < spring


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
        {"reason": "Sjuk", "slot": demo["slot"]},
        page=f"/talks/bookings/{booking_id}/cancel",
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
        {"from_slot": demo["slot"]},
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
        {"from_slot": demo["slot"]},
        page=f"/talks/bookings/{booking_id}/move",
    )
    assert response.status_code == 409
    assert "Någon annan hann boka den tiden" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(TalkBooking, booking_id).slot_id == demo["slot"]


def _time(app, slot_id) -> str:
    """A slot's start as pages show it (HH:MM in the school's zone)."""
    from zoneinfo import ZoneInfo

    with app.app_context():
        starts = db.session.get(TalkSlot, slot_id).starts_at
    return starts.astimezone(ZoneInfo("Europe/Stockholm")).strftime("%H:%M")


def _moved_mails(app) -> int:
    return sum("har flyttat" in m.body_text for m in _mails(app, "guardian2@example.org"))


def test_moving_asks_to_confirm_showing_the_old_and_the_new_time(app, login_as, demo):
    anna = login_as("guardian")
    booking_id = _booking_id(_book(anna, demo))
    confirm = f"/talks/bookings/{booking_id}/move/{demo['slot2']}"
    # The list of free times links to the confirm page; tapping a time moves nothing.
    times = anna.get(f"/talks/bookings/{booking_id}/move").get_data(as_text=True)
    assert f'href="{confirm}"' in times and f'action="{confirm}"' not in times
    response = anna.get(confirm, headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Now booked" in page and "New time" in page
    assert _time(app, demo["slot"]) in page and _time(app, demo["slot2"]) in page
    assert f'name="from_slot" type="hidden" value="{demo["slot"]}"' in page
    assert "Move to the new time" in page and "Keep the booked time" in page
    with app.app_context():
        assert db.session.get(TalkBooking, booking_id).slot_id == demo["slot"]
    # A send without the confirmed time (an old page) shows the confirm page, moves nothing.
    response = post_form(anna, confirm, {}, page=confirm, headers=EN)
    assert response.status_code == 200 and "Move to the new time" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(TalkBooking, booking_id).slot_id == demo["slot"]

    first = post_form(anna, confirm, {"from_slot": demo["slot"]}, page=confirm)
    second = post_form(anna, confirm, {"from_slot": demo["slot"]}, page="/account")  # 2nd tap
    assert first.status_code == second.status_code == 303
    page = anna.get(second.headers["Location"]).get_data(as_text=True)
    assert "Det här var redan skickat" in page
    assert _moved_mails(app) == 1
    with app.app_context():
        booking = db.session.get(TalkBooking, booking_id)
        assert booking.slot_id == demo["slot2"] and booking.sequence == 1


def test_a_move_confirmed_from_a_time_that_changed_meanwhile_moves_nothing(app, login_as, demo):
    """The other guardian moved the talk after this confirm page was shown: no surprise."""
    from app.talks import booking as logic
    from tests.talks.helpers import user

    anna = login_as("guardian")
    booking_id = _booking_id(_book(anna, demo))
    with app.app_context():
        third = future_open_slots(db.session.get(TalkPeriod, demo["period"]))[2].id
        logic.move(db.session.get(TalkBooking, booking_id), user("guardian2@example.org"), third)
        db.session.commit()
    confirm = f"/talks/bookings/{booking_id}/move/{demo['slot2']}"
    response = post_form(anna, confirm, {"from_slot": demo["slot"]}, page=confirm)
    assert response.status_code == 303
    page = anna.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bokningen ändrades under tiden" in page
    with app.app_context():
        assert db.session.get(TalkBooking, booking_id).slot_id == third


def test_cancelling_asks_to_confirm_showing_the_time(app, login_as, demo):
    anna = login_as("guardian")
    booking_id = _booking_id(_book(anna, demo))
    booking_page = anna.get(f"/talks/bookings/{booking_id}", headers=EN).get_data(as_text=True)
    assert f'href="/talks/bookings/{booking_id}/cancel"' in booking_page
    assert 'id="change"' in booking_page and 'aria-live="polite"' in booking_page
    page = anna.get(f"/talks/bookings/{booking_id}/cancel", headers=EN).get_data(as_text=True)
    assert "Cancel this talk?" in page and _time(app, demo["slot"]) in page
    assert f'name="slot" type="hidden" value="{demo["slot"]}"' in page
    assert "Yes, cancel the talk" in page and "Keep the talk" in page
    # With htmx the confirm step replaces the section in place; its heading takes the focus.
    fragment = anna.get(
        f"/talks/bookings/{booking_id}/cancel",
        headers={**EN, "HX-Request": "true", "HX-Target": "change"},
    ).get_data(as_text=True)
    assert "<html" not in fragment and "<h1" not in fragment
    assert 'id="change-heading" tabindex="-1" autofocus' in fragment
    with app.app_context():
        assert db.session.get(TalkBooking, booking_id).active

    cancel = f"/talks/bookings/{booking_id}/cancel"
    first = post_form(anna, cancel, {"slot": demo["slot"], "reason": "Sjuk"}, page=cancel)
    second = post_form(anna, cancel, {"slot": demo["slot"], "reason": "Sjuk"}, page="/account")
    assert first.status_code == second.status_code == 303
    page = anna.get(second.headers["Location"]).get_data(as_text=True)
    assert "Det här var redan skickat" in page and "är avbokat" in page
    cancelled = [m for m in _mails(app, "guardian2@example.org") if "har avbokat" in m.body_text]
    assert len(cancelled) == 1


def test_a_too_long_cancel_reason_is_kept_with_its_error(app, login_as, demo):
    anna = login_as("guardian")
    booking_id = _booking_id(_book(anna, demo))
    cancel = f"/talks/bookings/{booking_id}/cancel"
    reason = "lång " * 201
    for headers in ({}, {"HX-Request": "true", "HX-Target": "change"}):
        response = post_form(
            anna, cancel, {"slot": demo["slot"], "reason": reason}, page=cancel, headers=headers
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert reason.strip() in page and 'aria-invalid="true"' in page
        assert 'id="reason-error"' in page
        assert re.search(r'<textarea[^>]* autofocus[^>]* id="reason"', page)  # focus on the error
    with app.app_context():
        assert db.session.get(TalkBooking, booking_id).active


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
    # The confirm pages refuse with the reason, and so does a confirmation sent late.
    for path in (
        f"/talks/bookings/{booking_id}/cancel",
        f"/talks/bookings/{booking_id}/move/{demo['slot2']}",
    ):
        response = anna.get(path)
        assert response.status_code == 302
        page = anna.get(response.headers["Location"]).get_data(as_text=True)
        assert "Sista tiden att ändra bokningen har passerat" in page
        # Asked in place with htmx: the booking page comes as a whole page, not into the region.
        response = anna.get(path, headers={"HX-Request": "true", "HX-Target": "change"})
        assert response.headers["HX-Location"] == f"/talks/bookings/{booking_id}"
    for path, data in (
        (f"/talks/bookings/{booking_id}/cancel", {"slot": demo["slot"]}),
        (f"/talks/bookings/{booking_id}/move/{demo['slot2']}", {"from_slot": demo["slot"]}),
    ):
        response = post_form(anna, path, data, page="/account")
        assert response.status_code == 303
    with app.app_context():
        booking = db.session.get(TalkBooking, booking_id)
        assert booking.active and booking.slot_id == demo["slot"]


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


# --- issue 16: the generator's preview, its coverage warning, the period's title ---------


def _generator(extra_day: str, start: str, end: str) -> dict[str, str]:
    return {
        "extra_day": extra_day,
        "start": start,
        "end": end,
        "minutes": "20",
        "pause": "0",
        "breaks": "",
        "mode": "site",
        "location": "Rum 4",
        "action": "preview",
    }


def keep_free_times(app, period_id: int, count: int) -> None:
    """Remove all but `count` of the period's free times."""
    with app.app_context():
        for slot in future_open_slots(db.session.get(TalkPeriod, period_id))[count:]:
            slot.removed_at = utcnow()
        db.session.commit()


def _unbooked_and_free(app, period_id: int) -> tuple[int, int]:
    from app.school.models import GroupMembership

    with app.app_context():
        period = db.session.get(TalkPeriod, period_id)
        members = db.session.scalar(
            select(func.count())
            .select_from(GroupMembership)
            .where(GroupMembership.group_id == period.group_id)
        )
        booked = db.session.scalar(
            select(func.count())
            .select_from(TalkBooking)
            .where(TalkBooking.active_period_id == period.id)
        )
        return members - booked, len(future_open_slots(period))


def test_preview_comes_right_after_the_button_focused_and_warns_when_times_are_short(
    app, login_as, demo
):
    mentor = login_as("mentor")
    path = f"/talks/periods/{demo['period']}/slots/new"
    keep_free_times(app, demo["period"], 2)
    unbooked, free = _unbooked_and_free(app, demo["period"])
    assert (free, unbooked) == (2, 16)
    page = post_form(mentor, path, _generator(weekday_after(40).isoformat(), "08:00", "09:00"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Under the button that asked for it (not at the end of a long page's other content),
    # its heading focused on load and described by the warning.
    assert html.index('value="preview"') < html.index('id="preview"')
    assert re.search(
        r'<h2 id="preview-heading" tabindex="-1" autofocus aria-describedby="coverage"', html
    )
    warning = re.search(r'<p class="flash flash-warn" id="coverage">([^<]*)</p>', html).group(1)
    assert re.findall(r"\d+", warning) == [str(free + 3), str(unbooked)]
    # htmx asks for the form's region only: the answer is that region, not the page.
    fragment = mentor.post(
        path,
        data={
            "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(
                1
            ),
            **_generator(weekday_after(40).isoformat(), "08:00", "09:00"),
        },
        headers={"HX-Request": "true", "HX-Target": "generator"},
    ).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="generator">') and "<html" not in fragment
    assert 'id="coverage"' in fragment


def test_no_warning_when_the_times_cover_the_group(app, login_as, demo):
    mentor = login_as("mentor")
    path = f"/talks/periods/{demo['period']}/slots/new"
    form = _generator(weekday_after(40).isoformat(), "08:00", "16:00")  # 24 more times
    html = post_form(mentor, path, form).get_data(as_text=True)
    assert 'id="preview-heading"' in html and 'id="coverage"' not in html


def test_errors_put_the_focus_on_the_first_wrong_field(login_as, demo):
    mentor = login_as("mentor")
    path = f"/talks/periods/{demo['period']}/slots/new"
    form = {**_generator(weekday_after(40).isoformat(), "10:00", "09:00"), "location": ""}
    html = post_form(mentor, path, form).get_data(as_text=True)
    assert len(re.findall(r"\bautofocus\b", html)) == 1
    assert re.search(r'<input[^>]*autofocus[^>]*id="end"|<input[^>]*id="end"[^>]*autofocus', html)
    no_day = post_form(mentor, path, {**form, "extra_day": "", "end": "11:00", "location": "R"})
    html = no_day.get_data(as_text=True)
    assert re.search(
        r'<input[^>]*autofocus[^>]*id="days-0"|<input[^>]*id="days-0"[^>]*autofocus', html
    )


def test_new_period_is_named_after_the_term(app, login_as, demo):
    mentor = login_as("mentor")
    path = f"/talks/groups/{demo['group']}/periods/new"
    page = mentor.get(path).get_data(as_text=True)
    # 7A already has HT 2026: the form suggests VT 2027, named after it.
    assert re.search(r'<option selected value="\d+">VT 2027</option>', page)
    assert 'value="Utvecklingssamtal VT 2027"' in page
    vt = re.search(r'<option selected value="(\d+)">VT 2027', page).group(1)
    ht = re.search(r'<option value="(\d+)">HT 2026', page).group(1)
    form = {
        "term_id": vt,
        "booking_opens_at": "2027-03-01T18:00",
        "booking_closes_at": "2027-03-10T18:00",
        "cancel_hours": "24",
        "talk_minutes": "20",
    }
    # The title left as another term's suggestion follows the chosen term.
    created = post_form(mentor, path, {**form, "title": "Utvecklingssamtal HT 2026"})
    assert created.status_code == 303
    with app.app_context():
        titles = set(db.session.scalars(select(TalkPeriod.title)))
    assert "Utvecklingssamtal VT 2027" in titles
    # Another group: an empty title is the term's; a title of one's own is kept.
    other = login_as("other_mentor")
    with app.app_context():
        group_8b = db.session.scalar(
            select(TalkPeriod.group_id).where(TalkPeriod.id == demo["period"])
        )
    from app.school.models import MentorGroup

    with app.app_context():
        group_8b = db.session.scalar(select(MentorGroup.id).where(MentorGroup.name == "8B"))
    path_8b = f"/talks/groups/{group_8b}/periods/new"
    assert post_form(other, path_8b, {**form, "term_id": ht, "title": ""}).status_code == 303
    own = post_form(other, path_8b, {**form, "title": "Våra samtal i vår"})
    assert own.status_code == 303
    with app.app_context():
        rows = set(
            db.session.execute(
                select(TalkPeriod.term_id, TalkPeriod.title).where(TalkPeriod.group_id == group_8b)
            )
        )
    assert rows == {(int(ht), "Utvecklingssamtal HT 2026"), (int(vt), "Våra samtal i vår")}


def _statements_of_booking(app, client, demo, slot="slot") -> tuple[int, list[str]]:
    """The statements a confirming POST runs, with "COMMIT" where its commit happens."""
    from sqlalchemy import event

    from app.bench import count_statements
    from tests.conftest import csrf_token

    path = f"/talks/periods/{demo['period']}/students/{demo['oskar']}/book/{demo[slot]}"
    token = csrf_token(client, path)
    with count_statements(db.engine) as statements:

        def committed(_connection):
            statements.append("COMMIT")

        event.listen(db.engine, "commit", committed)
        try:
            response = client.post(path, data={"csrf_token": token, "attendees": "Oskar och Anna"})
        finally:
            event.remove(db.engine, "commit", committed)
    return response.status_code, statements


def test_a_time_already_taken_is_refused_before_any_write_and_nothing_is_loaded_twice(
    app, login_as, demo
):
    """The booking night's commonest refusal: someone booked the time a moment ago. It is
    refused before the insert, so nothing is rolled back and the page with the free
    times is built from what the request already loaded (a rollback would have expired
    the guardian, the period and the student, and the page would load each again)."""
    from app.people.models import Guardianship, Student, User
    from app.school.models import GroupMembership
    from app.talks import booking as logic

    with app.test_request_context():  # the confirmation mail builds links
        period = db.session.get(TalkPeriod, demo["period"])
        other = Student(school_id=student("Oskar").school_id, first_name="Ny", last_name="Elev")
        parent = User(email="taken.parent@example.net", name="Förälder")
        db.session.add_all([other, parent])
        db.session.add(GroupMembership(group=period.group, student=other))
        db.session.add(Guardianship(guardian=parent, student=other))
        db.session.flush()
        outcome = logic.confirm_booking(parent, other, period, demo["slot"], attendees="Alla")
        assert outcome.result == "booked", outcome
    client = login_as("guardian")
    with app.app_context():
        status, statements = _statements_of_booking(app, client, demo)
    assert status == 409
    writes = [
        s for s in statements if s.split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")
    ]
    assert writes == []
    for table in ("user", "talk_period", "student"):
        loads = [s for s in statements if re.search(rf'\bFROM "?{table}"?\b', s)]
        assert len(loads) <= 1, (table, loads)
    # and the time is offered no more, the guardian's typed text kept
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(TalkBooking)
                .where(
                    TalkBooking.student_id == demo["oskar"], TalkBooking.active_slot_id.is_not(None)
                )
            )
            == 0
        )


def test_a_booking_reads_nothing_again_after_its_commit(app, login_as, demo):
    """After the booking's commit the answer is a redirect: neither the booking (its id
    comes from its identity) nor the guardian (the cache headers ask only whether
    someone is signed in) is loaded again."""
    client = login_as("guardian")
    with app.app_context():
        status, statements = _statements_of_booking(app, client, demo)
    assert status == 303
    # the session's last_seen may commit first; the booking's commit is the last one
    assert "COMMIT" in statements
    after = statements[len(statements) - statements[::-1].index("COMMIT") :]
    assert after == [], after


def test_the_booking_page_of_a_child_already_booked_leads_to_that_booking(login_as, demo):
    client = login_as("guardian")
    booking_id = _booking_id(_book(client, demo))
    response = client.get(f"/talks/periods/{demo['period']}/students/{demo['oskar']}/book")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/talks/bookings/{booking_id}")


def test_every_time_on_the_booking_and_move_pages_leads_where_its_route_says(app, login_as, demo):
    """The pages build each time's link from one prefix; each must be the URL Flask
    builds for that time: to confirm a booking, after a refusal the form that carries
    what was typed, and to confirm a move."""
    from flask import url_for

    client = login_as("guardian")
    book_page = client.get(
        f"/talks/periods/{demo['period']}/students/{demo['oskar']}/book"
    ).get_data(as_text=True)
    _another_family_books(app, demo, "slot2")
    path = f"/talks/periods/{demo['period']}/students/{demo['oskar']}/book/{demo['slot2']}"
    refused = post_form(client, path, {"attendees": "Anna"})
    assert refused.status_code == 409
    booking_id = _booking_id(_book(client, demo))
    move_page = client.get(f"/talks/bookings/{booking_id}/move").get_data(as_text=True)
    with app.test_request_context():
        every = db.session.scalars(
            select(TalkSlot.id).where(TalkSlot.period_id == demo["period"])
        ).all()
        expected_book = {
            url_for(
                "talks.confirm_booking",
                period_id=demo["period"],
                student_id=demo["oskar"],
                slot_id=slot_id,
            )
            for slot_id in every
        }
        expected_move = {
            url_for("talks.move", booking_id=booking_id, slot_id=slot_id) for slot_id in every
        }
    booked = re.findall(r'<a class="slot" href="([^"]+)"', book_page)
    actions = re.findall(r'<form method="post" action="([^"]+)">', refused.get_data(as_text=True))
    moves = re.findall(r'<a class="slot" href="([^"]+)"', move_page)
    assert len(booked) >= 20 and set(booked) <= expected_book
    assert len(actions) >= 15 and set(actions) <= expected_book
    assert len(moves) >= 15 and set(moves) <= expected_move


def _another_family_books(app, demo, slot: str) -> None:
    """A new child of 7A with a guardian of their own books the demo's time `slot`."""
    from app.people.models import Guardianship, Student, User
    from app.school.models import GroupMembership
    from app.talks import booking as logic

    with app.test_request_context():  # the confirmation mail builds links
        period = db.session.get(TalkPeriod, demo["period"])
        child = Student(
            school_id=period.group.school_year.school_id, first_name="Ny", last_name="Elev"
        )
        parent = User(email=f"family.{slot}@example.net", name="Förälder")
        db.session.add_all([child, parent])
        db.session.add(GroupMembership(group=period.group, student=child))
        db.session.add(Guardianship(guardian=parent, student=child))
        db.session.flush()
        outcome = logic.confirm_booking(parent, child, period, demo[slot], attendees="Alla")
        assert outcome.result == "booked", outcome
