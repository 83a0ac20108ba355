"""app/sql.py: a prepared select gives the same rows as SQLAlchemy's own execution (types,
IN lists of any length, values the statement holds), sees the request's own writes, and is
counted like any other statement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import bindparam, select

from app.bench import count_statements
from app.extensions import db
from app.people import sessions
from app.people.models import Student, User
from app.school.models import DayOff, SchoolYear
from app.sql import Prepared
from app.talks.models import TalkPeriod


def _periods():
    return (
        select(
            TalkPeriod.id,
            TalkPeriod.title,
            TalkPeriod.booking_opens_at,  # UTCDateTime: aware datetimes back
            TalkPeriod.group_id,
        )
        .where(
            TalkPeriod.group_id.in_(bindparam("groups", expanding=True)),
            TalkPeriod.booking_closes_at > bindparam("after"),
        )
        .order_by(TalkPeriod.id)
        .limit(50)  # a value the statement holds itself
    )


def test_prepared_rows_equal_sqlalchemys_for_every_list_length(ctx):
    prepared = Prepared(_periods)
    groups = sorted(db.session.scalars(select(TalkPeriod.group_id).distinct()))
    assert groups, "the demo has talk periods"
    after = datetime(2000, 1, 1, tzinfo=UTC)
    for wanted in (groups[:1], groups, [*groups, 999_999], [999_999]):
        expected = [
            tuple(r) for r in db.session.execute(_periods(), {"groups": wanted, "after": after})
        ]
        got = prepared.all(groups=wanted, after=after)
        assert got == expected
        for row in got:
            assert row[2].tzinfo is not None  # the type's result processor ran
    # A bound datetime goes through its type too: a later bound leaves fewer rows.
    latest = max(r[2] for r in prepared.all(groups=groups, after=after))
    assert len(prepared.all(groups=groups, after=latest + timedelta(days=400))) == 0


def test_prepared_dates_and_booleans(ctx):
    def days_off():
        return (
            select(DayOff.start_date, DayOff.end_date, Student.protected_identity)
            .join(SchoolYear, SchoolYear.id == DayOff.school_year_id)
            .join(Student, Student.school_id == SchoolYear.school_id)
            .where(Student.id == bindparam("student"))
            .order_by(DayOff.start_date)
        )

    student = db.session.scalar(select(Student.id).order_by(Student.id))
    rows = Prepared(days_off).all(student=student)
    assert rows == [tuple(r) for r in db.session.execute(days_off(), {"student": student})]
    assert rows and isinstance(rows[0][0], date) and type(rows[0][2]) is bool


def test_prepared_sees_the_transactions_own_writes_and_is_counted(ctx):
    prepared = Prepared(lambda: select(User.name).where(User.email == bindparam("email")))
    user = db.session.scalar(select(User).where(User.email == "guardian@example.org"))
    user.name = "Changed In This Transaction"
    db.session.flush()
    with count_statements(db.engine) as statements:
        assert prepared.all(email="guardian@example.org") == [("Changed In This Transaction",)]
    assert len(statements) == 1
    db.session.rollback()
    assert prepared.first(email="nobody@example.org") is None


def test_signed_in_user_is_an_entity_of_the_request(app, login_as):
    """The session lookup builds the user without loading it through the ORM; it is a
    full entity all the same: unchanged, in the session, its relations loadable, and the
    one the session already holds if the request loaded it before."""
    assert login_as("guardian").get("/home/guardian").status_code == 200
    with app.test_request_context():
        guardian = db.session.scalar(select(User).where(User.email == "guardian@example.org"))
        sessions.start(guardian, False, "test")
        db.session.commit()
        secret = guardian.session_secret
        db.session.remove()
        user = sessions.load(secret)
        assert user is not None and user.email == "guardian@example.org"
        assert user in db.session and not db.session.is_modified(user)
        assert user.created_at.tzinfo is not None
        assert len(user.guardianships) >= 1  # a relation loads on demand
        assert sessions.load(secret) is user
        user.name = "Changed Name"  # a change is tracked and written like any entity's
        assert db.session.is_modified(user)
        db.session.flush()
        assert db.session.scalar(select(User.name).where(User.id == user.id)) == "Changed Name"
        db.session.rollback()
        assert sessions.current().remember is False
        db.session.remove()
        assert sessions.load(secret + "x") is None


def test_bookable_period_loads_its_rows_as_entities_with_their_relations(app):
    """The booking pages' period and child come from one prepared select as entities of
    the request: unchanged, the group, school year, school and term already in place (no
    statement when a page asks for them), the ones the session holds if the request
    loaded them before, and a row that is not the user's child's is a 404."""
    from werkzeug.exceptions import NotFound

    from app import access
    from app.talks.models import TalkSlot

    with app.test_request_context():
        guardian = db.session.scalar(select(User).where(User.email == "guardian@example.org"))
        oskar = db.session.scalar(select(Student).where(Student.first_name == "Oskar"))
        period_id = db.session.scalar(select(TalkPeriod.id).where(TalkPeriod.group.has(name="7A")))
        slot_id = db.session.scalar(select(TalkSlot.id).where(TalkSlot.period_id == period_id))
        oskar_id = oskar.id
        before = db.session.get(TalkPeriod, period_id)
        db.session.expunge(oskar)
        with count_statements(db.engine) as statements:
            period, student = access.bookable_period_or_404(period_id, oskar_id, guardian)
            zone = period.group.school_year.school.time_zone
            term = period.term.kind
            slot = access.period_slot_or_404(period, slot_id)
            mentor = slot.mentor.name
        assert len(statements) == 2, statements  # the period's and the time's selects
        assert period is before  # the one the request already held
        assert student is not oskar and student.id == oskar_id and student.first_name == "Oskar"
        assert zone == "Europe/Stockholm" and term in ("HT", "VT") and mentor
        for entity in (period, student, period.group, slot, slot.mentor):
            assert entity in db.session and not db.session.is_modified(entity)
        assert period.booking_opens_at.tzinfo is not None  # the column types applied
        assert access.is_guardian_of(guardian, oskar_id)  # known now, asked of no one
        student.first_name = "Oskar Changed"  # tracked and written like any entity's
        db.session.flush()
        assert db.session.scalar(select(Student.first_name).where(Student.id == oskar_id)) == (
            "Oskar Changed"
        )
        db.session.rollback()
        other = db.session.scalar(select(User).where(User.email == "mentor@example.org"))
        try:
            access.bookable_period_or_404(period_id, oskar_id, other)
        except NotFound:
            pass
        else:
            raise AssertionError("a mentor is no guardian of Oskar")


def test_guardians_of_are_entities_and_include_what_the_request_added(ctx):
    """The guardians a notice goes to: the active ones, in id order, as entities of the
    session (the ones it holds, where it holds them), and one added earlier in the same
    transaction is among them, as the ORM's own query (which flushes first) would have it."""
    from app.people.family import guardians_of
    from app.people.models import Guardianship

    oskar = db.session.scalar(select(Student).where(Student.first_name == "Oskar"))
    known = db.session.scalar(select(User).where(User.email == "guardian@example.org"))
    before = guardians_of(oskar.id)
    # ids and identities: a signed-in user's equality is Flask-Login's (by session id)
    assert known.id in [u.id for u in before]
    assert [u.id for u in before] == sorted(u.id for u in before)
    assert all(u in db.session and not db.session.is_modified(u) for u in before)
    new = User(email="third.guardian@example.net", name="Tredje Vårdnadshavare")
    gone = User(email="inactive.guardian@example.net", name="Inaktiv", active=False)
    db.session.add_all([new, gone])
    db.session.add_all(
        [Guardianship(guardian=new, student=oskar), Guardianship(guardian=gone, student=oskar)]
    )
    after = guardians_of(oskar.id)
    assert [u.id for u in after] == [u.id for u in before] + [new.id]
    assert after[-1] is new and after[-1].name == "Tredje Vårdnadshavare"
    known.active = False  # a change not yet written counts too
    assert known.id not in [u.id for u in guardians_of(oskar.id)]
    db.session.rollback()
