"""A survey sent many times at once (double taps, two tabs) is counted once and never
answers 500, on SQLite and PostgreSQL (tests/test_concurrency.py's real parallel requests)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.surveys.items import items_for
from app.surveys.models import SurveyAnswered, SurveyComment, SurveyTally
from tests.surveys.helpers import end_period, first_period
from tests.test_concurrency import Browser, all_at_once, assert_no_server_errors, running


def test_a_survey_sent_twenty_times_at_once_counts_once(app):
    with app.app_context():
        period_id = end_period(first_period("9C")).id
    path = f"/surveys/periods/{period_id}"
    with running(app) as port:
        student = Browser(port).sign_in("student")
        form = {**student.hidden_fields(path), "comment": "Bra"}
        form.update({item.key: "5" for item in items_for("student")})
        answers = all_at_once([(student, "POST", path, form)] * 20)
    assert_no_server_errors(answers)
    assert all(a.status == 303 and a.location == path for a in answers), sorted(
        (a.status, a.location) for a in answers
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyAnswered)) == 1
        assert db.session.scalar(select(func.sum(SurveyTally.count))) == len(items_for("student"))
        assert db.session.scalar(select(func.count()).select_from(SurveyComment)) == 1
