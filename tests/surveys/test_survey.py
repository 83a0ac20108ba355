"""The survey's rules: when it opens, once per person, and what anonymity lets anyone see.
Run on both databases (--db=postgresql)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, inspect, select

from app.extensions import db
from app.surveys import survey
from app.surveys.items import ITEMS, items_for
from app.surveys.models import SurveyAnswered, SurveyComment, SurveyTally
from tests.surveys.helpers import (
    end_period,
    first_period,
    group,
    guardian_user_ids,
    scores,
    student_user_ids,
)

NOON = datetime(2027, 3, 1, 12, tzinfo=UTC)


def test_the_period_is_over_when_booking_has_closed_and_the_last_talk_has_ended():
    closes, last = NOON, NOON + timedelta(days=3)
    assert survey.ended_at(closes, last) == last
    assert survey.ended_at(last, closes) == last
    assert survey.ended_at(closes, None) == closes  # no times published
    assert survey.state(last, last - timedelta(seconds=1)) == "not_yet"
    assert survey.state(last, last) == "open"
    assert survey.state(last, last + timedelta(days=survey.OPEN_DAYS - 1)) == "open"
    assert survey.state(last, last + timedelta(days=survey.OPEN_DAYS)) == "closed"


def test_items_have_stable_unique_keys_and_a_short_guardian_version():
    keys = [item.key for item in ITEMS]
    assert len(keys) == len(set(keys))
    assert {"safe", "time", "involved", "topics"} <= set(keys)
    assert 2 <= len(items_for("guardian")) <= 3
    assert len(items_for("student")) == len(ITEMS)


def test_the_answer_is_stored_without_the_person(ctx):
    """No answer table has a user, a time or a sequence: only the 'has answered' row
    names the person, and it says nothing of the answers."""
    inspector = inspect(db.engine)
    columns = {t: {c["name"] for c in inspector.get_columns(t)} for t in _tables()}
    assert columns["survey_answered"] == {"period_id", "user_id"}
    assert columns["survey_tally"] == {"period_id", "audience", "item", "score", "count"}
    assert columns["survey_comment"] == {"id", "period_id", "audience", "text"}
    period = end_period(first_period("9C"))
    uid = student_user_ids("9C")[0]
    assert survey.answer(uid, period, "student", scores("student", 5), "Bra samtal").ok
    comment = db.session.scalar(select(SurveyComment))
    assert len(comment.id) == 32 and not comment.id.isdigit()  # a random key, no sequence


def _tables():
    return ("survey_answered", "survey_tally", "survey_comment")


def test_once_per_person_and_period_a_second_answer_adds_nothing(ctx):
    period = end_period(first_period("9C"))
    uid = student_user_ids("9C")[0]
    first = survey.answer(uid, period, "student", scores("student", 5), "Tack")
    second = survey.answer(uid, period, "student", scores("student", 1), "Igen")
    assert (first.result, second.result) == ("answered", "already")
    assert db.session.scalar(select(func.count()).select_from(SurveyAnswered)) == 1
    assert db.session.scalar(select(func.sum(SurveyTally.count))) == len(items_for("student"))
    assert db.session.scalar(select(func.max(SurveyTally.score))) == 5
    assert db.session.scalars(select(SurveyComment.text)).all() == ["Tack"]


def test_a_survey_not_open_or_an_incomplete_answer_is_refused(ctx):
    period = first_period("9C")  # its talks are still to come
    uid = student_user_ids("9C")[0]
    assert survey.answer(uid, period, "student", scores("student")).reason == "not_open"
    end_period(period, days_ago=survey.OPEN_DAYS + 1)
    assert survey.answer(uid, period, "student", scores("student")).reason == "not_open"
    end_period(period)
    partial = scores("student")
    partial.pop("safe")
    partial["time"] = 9
    refused = survey.answer(uid, period, "student", partial, "x" * (survey.COMMENT_MAX + 1))
    assert refused.errors == {"safe": "missing", "time": "missing", "comment": "too_long"}
    assert db.session.scalar(select(func.count()).select_from(SurveyAnswered)) == 0


def test_four_answers_show_nothing_five_show_the_totals(ctx):
    period = end_period(first_period("9C"))
    uids = student_user_ids("9C")
    for n, uid in enumerate(uids[:4]):
        survey.answer(uid, period, "student", scores("student", 1 + n), f"Kommentar {n}")
    [results] = survey.group_results(group("9C"))
    students = results.audiences[0]
    assert students.audience == "student" and students.respondents == 4
    assert not students.shown and students.items == [] and students.comments == []
    survey.answer(uids[4], period, "student", scores("student", 5), "Allt var bra")
    [results] = survey.group_results(group("9C"))
    students, guardians = results.audiences
    assert students.shown and students.respondents == 5
    safe = next(i for i in students.items if i.key == "safe")
    assert safe.counts == [1, 1, 1, 1, 1] and safe.mean == 3.0
    # Sorted by text, never in the order they came.
    assert students.comments == sorted(["Allt var bra"] + [f"Kommentar {n}" for n in range(4)])
    assert not guardians.shown and guardians.respondents == 0


def test_guardians_answer_their_short_version_counted_apart(ctx):
    period = end_period(first_period("7A"))
    for uid in guardian_user_ids("7A")[:5]:
        assert survey.answer(uid, period, "guardian", scores("guardian", 4)).ok
    [results] = survey.group_results(group("7A"))
    students, guardians = results.audiences
    assert guardians.shown and [i.key for i in guardians.items] == [
        i.key for i in items_for("guardian")
    ]
    assert not students.shown


def test_the_school_trend_per_term_shows_terms_with_five_answers(ctx):
    from app.talks.models import TalkPeriod

    nine_c = end_period(first_period("9C"), days_ago=3)
    seven_a = end_period(first_period("7A"), days_ago=3)
    # 9C's period of the next term (the demo opens its booking early), held too.
    later = db.session.scalars(
        select(TalkPeriod).where(TalkPeriod.group_id == group("9C").id).order_by(TalkPeriod.id)
    ).all()[1]
    end_period(later, days_ago=1)
    students = student_user_ids("9C")
    guardians = guardian_user_ids("7A")
    for uid in students[:3]:
        survey.answer(uid, nine_c, "student", scores("student", 2))
    for uid in guardians[:4]:
        survey.answer(uid, seven_a, "guardian", scores("guardian", 3))
    for uid in students[:6]:
        survey.answer(uid, later, "student", scores("student", 4))
    trend = survey.school_trend(group("9C").school_year.school_id)
    assert len(trend) == 2
    first, second = trend
    assert first.audiences["student"].respondents == 3 and not first.audiences["student"].shown
    assert first.audiences["guardian"].respondents == 4 and not first.audiences["guardian"].shown
    assert second.audiences["student"].shown
    assert {i.mean for i in second.audiences["student"].items} == {4.0}
    # Four guardians more in 7A's period: the first term shows for guardians.
    survey.answer(guardians[4], seven_a, "guardian", scores("guardian", 5))
    first = survey.school_trend(group("9C").school_year.school_id)[0]
    assert first.audiences["guardian"].shown
