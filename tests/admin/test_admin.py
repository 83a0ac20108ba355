"""Administration pages: schools, years and days off, groups, students, staff, rules,
invitations and the audit log."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.audit import AuditEvent
from app.extensions import db
from app.outbox import OutboxMessage
from app.people.models import SignInToken, Staff, Student, User
from app.school.models import (
    DayOff,
    GroupMembership,
    GroupTransfer,
    MentorGroup,
    School,
    SchoolYear,
)
from tests.conftest import post_form


def _user_id(email: str) -> int:
    return db.session.scalar(select(User.id).where(User.email == email))


def _last_action() -> str:
    return db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()))


def _year_id() -> int:
    return db.session.scalar(select(SchoolYear.id).where(SchoolYear.name == "2026/27"))


def test_admin_home_links_to_the_administration(login_as):
    for role in ("admin", "principal"):
        page = login_as(role).get(f"/home/{role}").get_data(as_text=True)
        assert 'href="/admin/schools/1"' in page and 'href="/admin/schools/1/policy"' in page


def test_principal_reads_but_cannot_change(login_as):
    principal = login_as("principal")
    page = principal.get("/admin/schools/1").get_data(as_text=True)
    assert "Du kan läsa sidan; skolans administratörer ändrar den." in page
    assert "/admin/schools/1/import" not in page
    year = principal.get("/admin/years/1").get_data(as_text=True)
    assert 'id="day-off-form"' not in year and "Höstlov" in year


def test_rules_page_saves_every_policy(app, login_as):
    principal = login_as("principal")
    bad = post_form(
        principal,
        "/admin/schools/1/policy",
        {"mentor_max_days": "-1", "leave_min_notice_days": "7", "talk_cancel_hours": "48"},
    )
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Ange mellan 0 och 60 dagar." in page
    assert 'value="48"' in page  # typed input kept
    ok = post_form(
        principal,
        "/admin/schools/1/policy",
        {
            "mentor_max_days": "5",
            "leave_min_notice_days": "7",
            "leave_max_days_per_request": "",
            "leave_requires_all_guardians": "y",
            "talk_cancel_hours": "48",
            "students_write_goals": "y",
            "contact_confirm_days": "180",
        },
    )
    assert ok.status_code == 303
    with app.app_context():
        school = db.session.get(School, 1)
        assert (
            school.mentor_max_days,
            school.leave_min_notice_days,
            school.leave_requires_all_guardians,
            school.talk_cancel_hours,
            school.students_write_goals,
            school.contact_confirm_days,
        ) == (5, 7, True, 48, True, 180)
        assert _last_action() == "school.policy"
    # A new talk period starts from the school's cancel deadline.
    form = login_as("mentor").get("/talks/groups/1/periods/new").get_data(as_text=True)
    assert 'name="cancel_hours" type="number" value="48"' in form or 'value="48"' in form


def test_next_school_year_copies_days_off_and_groups(app, login_as):
    admin = login_as("admin")
    page = admin.get("/admin/schools/1/years/new").get_data(as_text=True)
    assert 'value="2027/28"' in page and 'value="2027-08-16"' in page  # 52 weeks on: a Monday
    response = post_form(
        admin,
        "/admin/schools/1/years/new",
        {
            "name": "2027/28",
            "start_date": "2027-08-16",
            "end_date": "2028-06-09",
            "ht_start": "2027-08-16",
            "ht_end": "2027-12-21",
            "vt_start": "2028-01-10",
            "vt_end": "2028-06-09",
            "copy_groups": "y",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        year = db.session.scalar(select(SchoolYear).where(SchoolYear.name == "2027/28"))
        names = [d.name for d in year.days_off]
        assert "Höstlov" in names and "Sportlov" in names
        autumn = next(d for d in year.days_off if d.name == "Höstlov")
        assert autumn.start_date == date(2027, 11, 1) and autumn.start_date.weekday() == 0
        assert sorted(g.name for g in year.groups) == ["7A", "8B", "9C"]
        assert all(g.mentors for g in year.groups)
        assert not db.session.scalar(
            select(func.count())
            .select_from(GroupMembership)
            .where(GroupMembership.school_year_id == year.id)
        )
        assert _last_action() == "school_year.copied"


def test_year_errors_stay_next_to_the_field(login_as):
    admin = login_as("admin")
    overlapping = post_form(
        admin,
        "/admin/schools/1/years/new",
        {
            "name": "2027/28",
            "start_date": "2027-01-01",
            "end_date": "2027-12-20",
            "ht_start": "2027-08-16",
            "ht_end": "2027-12-20",
            "vt_start": "2027-01-10",
            "vt_end": "2027-06-09",
        },
    )
    page = overlapping.get_data(as_text=True)
    assert overlapping.status_code == 422
    assert "Vårterminen börjar efter höstterminen." in page
    assert 'value="2027-01-01"' in page
    bad_name = post_form(admin, "/admin/schools/1/years/new", {"name": "nästa år"})
    assert "Skriv namnet som 2027/28." in bad_name.get_data(as_text=True)


def test_days_off_are_added_and_removed(app, login_as):
    admin = login_as("admin")
    with app.app_context():
        year_id = _year_id()
    outside = post_form(
        admin,
        f"/admin/years/{year_id}/days-off",
        {"name": "Sommarlov", "kind": "break", "start_date": "2027-07-01"},
        page=f"/admin/years/{year_id}",
    )
    assert outside.status_code == 422
    assert "Lov och studiedagar måste ligga inom läsåret." in outside.get_data(as_text=True)
    added = post_form(
        admin,
        f"/admin/years/{year_id}/days-off",
        {"name": "Extra studiedag", "kind": "study_day", "start_date": "2027-03-15"},
        page=f"/admin/years/{year_id}",
    )
    assert added.status_code == 303
    with app.app_context():
        day = db.session.scalar(select(DayOff).where(DayOff.name == "Extra studiedag"))
        assert day.end_date == date(2027, 3, 15)
        day_id = day.id
    removed = post_form(
        admin, f"/admin/days-off/{day_id}/delete", {}, page=f"/admin/years/{year_id}"
    )
    assert removed.status_code == 303
    with app.app_context():
        assert db.session.get(DayOff, day_id) is None
        assert _last_action() == "day_off.removed"


def test_group_with_mentor_and_a_student_moved_into_it(app, login_as):
    admin = login_as("admin")
    with app.app_context():
        year_id = _year_id()
        mentor_id = _user_id("mentor8b@example.org")
        co_id = _user_id("comentor@example.org")
        oskar = db.session.scalar(select(Student.id).where(Student.first_name == "Oskar"))
    duplicate = post_form(
        admin, f"/admin/years/{year_id}/groups/new", {"name": "7a", "mentor": str(mentor_id)}
    )
    assert duplicate.status_code == 422
    assert "Läsåret har redan en grupp med det namnet." in duplicate.get_data(as_text=True)
    no_mentor = post_form(admin, f"/admin/years/{year_id}/groups/new", {"name": "7D"})
    assert "Välj mentor." in no_mentor.get_data(as_text=True)
    created = post_form(
        admin,
        f"/admin/years/{year_id}/groups/new",
        {"name": "7D", "mentor": str(mentor_id), "co_mentors": str(co_id)},
    )
    assert created.status_code == 303
    with app.app_context():
        group = db.session.scalar(select(MentorGroup).where(MentorGroup.name == "7D"))
        assert {(m.user_id, m.is_co_mentor) for m in group.mentors} == {
            (mentor_id, False),
            (co_id, True),
        }
        group_id = group.id
    moved = post_form(admin, f"/admin/students/{oskar}", {"group": str(group_id)})
    assert moved.status_code == 303
    page = admin.get(f"/admin/students/{oskar}").get_data(as_text=True)
    assert "7A → 7D" in page and "Lars Holm" in page
    with app.app_context():
        transfer = db.session.scalar(select(GroupTransfer).where(GroupTransfer.student_id == oskar))
        assert (transfer.from_group.name, transfer.to_group.name) == ("7A", "7D")
    # The new group's mentor now has Oskar; the old one no longer does.
    assert login_as("other_mentor").get(f"/admin/groups/{group_id}").status_code == 404
    assert "Oskar" in login_as("other_mentor").get(f"/groups/{group_id}").get_data(as_text=True)
    assert login_as("mentor").get(f"/students/{oskar}/goals").status_code == 404


def test_staff_invitation_is_a_one_time_link_by_mail(app, login_as):
    admin = login_as("admin")
    missing = post_form(admin, "/admin/schools/1/staff", {"name": "", "email": "x"})
    page = missing.get_data(as_text=True)
    assert missing.status_code == 422 and "Ange personens namn." in page
    assert "Välj minst en roll." in page
    invited = post_form(
        admin,
        "/admin/schools/1/staff",
        {"name": "Nora Ny", "email": "Nora.Ny@Example.org", "roles": ["teacher", "principal"]},
    )
    assert invited.status_code == 303
    with app.app_context():
        nora = db.session.scalar(select(User).where(User.email == "nora.ny@example.org"))
        assert sorted(db.session.scalars(select(Staff.role).where(Staff.user_id == nora.id))) == [
            "principal",
            "teacher",
        ]
        token = db.session.scalar(select(SignInToken).where(SignInToken.user_id == nora.id))
        assert round((token.expires_at - token.created_at).total_seconds() / 86400) == 14
        mail = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.recipient == "nora.ny@example.org")
        )
        assert "Välkommen till Mentorskap på Lindbackaskolan" in mail.subject
        assert "/login/link/" in mail.body_text


def test_roles_change_and_deactivation(app, login_as):
    admin = login_as("admin")
    with app.app_context():
        mentor = _user_id("mentor@example.org")
        own = _user_id("admin@example.org")
        principal = _user_id("principal@example.org")
    # A mentor of a current group must hand it over first.
    refused = post_form(
        admin, f"/admin/schools/1/staff/{mentor}/deactivate", {}, page="/admin/schools/1/staff"
    )
    assert refused.status_code == 303
    page = admin.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Ge först 7A en annan mentor." in page
    own_role = post_form(admin, f"/admin/schools/1/staff/{own}", {"roles": ["teacher"]})
    assert "Du kan inte ta bort din egen administratörsroll." in own_role.get_data(as_text=True)
    changed = post_form(
        admin, f"/admin/schools/1/staff/{principal}", {"roles": ["principal", "teacher"]}
    )
    assert changed.status_code == 303
    done = post_form(
        admin, f"/admin/schools/1/staff/{principal}/deactivate", {}, page="/admin/schools/1/staff"
    )
    assert done.status_code == 303
    with app.app_context():
        user = db.session.get(User, principal)
        assert not user.active
        assert not db.session.scalar(select(Staff.id).where(Staff.user_id == principal))
        assert _last_action() == "staff.deactivated"


def test_guardians_are_invited_per_group_once(app, login_as):
    admin = login_as("admin")
    page = admin.get("/admin/schools/1/invitations").get_data(as_text=True)
    assert "Bjud in 7A" in page
    with app.app_context():
        group_id = db.session.scalar(select(MentorGroup.id).where(MentorGroup.name == "7A"))
        before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    sent = post_form(admin, "/admin/schools/1/invitations", {"group": str(group_id)})
    assert sent.status_code == 303
    with app.app_context():
        after = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        invited = after - before
        assert invited > 20  # about two guardians per student of 7A, minus those signed in
        assert (
            db.session.scalar(
                select(func.count()).select_from(User).where(User.invited_at.is_not(None))
            )
            == invited
        )
    again = post_form(admin, "/admin/schools/1/invitations", {"group": str(group_id)})
    assert again.status_code == 303
    # The flash of the second click: nobody in 7A is left to invite.
    assert "Alla är redan inbjudna eller har loggat in." in admin.get(
        "/admin/schools/1/invitations"
    ).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == after


def test_audit_log_filters_by_who_what_and_when(app, login_as):
    admin = login_as("admin")
    post_form(
        admin,
        "/admin/schools/1/policy",
        {
            "mentor_max_days": "4",
            "leave_min_notice_days": "0",
            "talk_cancel_hours": "24",
            "contact_confirm_days": "365",
        },
    )
    page = admin.get("/admin/schools/1/audit").get_data(as_text=True)
    assert "Regler ändrade" in page and "Lars Holm" in page
    assert "Regler ändrade" in admin.get("/admin/schools/1/audit?who=lars&action=school").get_data(
        as_text=True
    )
    assert "Inget matchar." in admin.get("/admin/schools/1/audit?who=nobody").get_data(as_text=True)
    assert "Inget matchar." in admin.get("/admin/schools/1/audit?until=2020-01-01").get_data(
        as_text=True
    )
    fragment = admin.get(
        "/admin/schools/1/audit?action=school.policy",
        headers={"HX-Request": "true", "HX-Target": "results"},
    ).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="results">')


def test_site_admin_creates_a_school(app, login_as):
    site = login_as("site_admin")
    assert "Alla skolor" in site.get("/home/admin").get_data(as_text=True)
    bad = post_form(
        site, "/admin/schools/new", {"name": "Ny", "unit_code": "123", "time_zone": "Mars/Olympus"}
    )
    page = bad.get_data(as_text=True)
    assert (
        "Skolenhetskoden har 8 siffror." in page and "Ange en tidszon som Europe/Stockholm." in page
    )
    taken = post_form(
        site,
        "/admin/schools/new",
        {"name": "Ny", "unit_code": "12345678", "time_zone": "Europe/Stockholm"},
    )
    assert taken.status_code == 303
    again = post_form(
        site,
        "/admin/schools/new",
        {"name": "Annan", "unit_code": "12345678", "time_zone": "Europe/Stockholm"},
    )
    assert "En annan skola har den skolenhetskoden." in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(School.name).where(School.unit_code == "12345678")) == "Ny"
