"""The survey pages: the home card after the talks, answering on a phone in one form,
a thank-you state, and the mentor's and principal's totals."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.people.models import User
from app.surveys import survey
from app.surveys.items import items_for
from app.surveys.models import SurveyAnswered, SurveyTally
from tests.conftest import csrf_token, sign_in
from tests.surveys.helpers import (
    end_period,
    first_period,
    group,
    scores,
    student_user_ids,
)


def _ended(app, name: str = "9C", days_ago: float = 2) -> int:
    with app.app_context():
        return end_period(first_period(name), days_ago).id


def _form(audience: str, value: str = "4", **extra) -> dict:
    data = {item.key: value for item in items_for(audience)}
    data.update(extra)
    return data


def test_the_student_home_shows_the_card_once_the_talks_are_over(app, login_as):
    client = login_as("student")
    assert 'id="survey-card-' not in client.get("/home/student").get_data(as_text=True)
    period_id = _ended(app)
    page = client.get("/home/student").get_data(as_text=True)
    assert f'id="survey-card-{period_id}"' in page
    assert f'href="/surveys/periods/{period_id}"' in page
    assert "About the development talk of" not in page  # the guardian's wording


def test_the_guardian_home_shows_one_card_per_period_naming_the_child(app, login_as):
    period_id = _ended(app, "9C")
    page = login_as("guardian").get("/home/guardian").get_data(as_text=True)
    assert page.count(f'id="survey-card-{period_id}"') == 1
    assert "Elsa" in page.split(f'id="survey-card-{period_id}"')[1].split("</section>")[0]
    # Oskar's 7A period is not over: no card for it.
    with app.app_context():
        seven_a = first_period("7A").id
    assert f'id="survey-card-{seven_a}"' not in page


def test_the_form_is_one_fieldset_per_item_with_the_scale_words(app, login_as):
    period_id = _ended(app)
    client = login_as("student")
    page = client.get(f"/surveys/periods/{period_id}").get_data(as_text=True)
    assert page.count("<fieldset") == len(items_for("student"))
    assert page.count('type="radio"') == 5 * len(items_for("student"))
    assert page.count("<legend>") == len(items_for("student"))
    assert 'id="survey-later"' in page  # "Not now": a link home, nothing is stored
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyAnswered)) == 0
    guardian = login_as("guardian").get(f"/surveys/periods/{period_id}").get_data(as_text=True)
    assert guardian.count("<fieldset") == len(items_for("guardian"))


def test_a_missing_answer_is_shown_next_to_its_question_and_nothing_is_lost(app, login_as):
    period_id = _ended(app)
    client = login_as("student")
    url = f"/surveys/periods/{period_id}"
    data = _form("student", comment="Mitt svar")
    del data["safe"]
    response = client.post(url, data={"csrf_token": csrf_token(client, url), **data})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="safe-error"' in page and 'aria-describedby="safe-error"' in page
    assert "Mitt svar" in page and page.count("checked") == len(items_for("student")) - 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyAnswered)) == 0


def test_answering_twice_counts_once_and_shows_the_thanks(app, login_as):
    period_id = _ended(app)
    client = login_as("student")
    url = f"/surveys/periods/{period_id}"
    token = csrf_token(client, url)
    for _ in range(2):  # a double tap
        response = client.post(url, data={"csrf_token": token, **_form("student", "5")})
        assert response.status_code == 303 and response.headers["Location"] == url
    page = client.get(url).get_data(as_text=True)
    assert 'id="survey-thanks"' in page and 'id="survey-form"' not in page
    assert 'id="survey-card-' not in client.get("/home/student").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.sum(SurveyTally.count))) == len(items_for("student"))


def test_the_form_of_a_period_not_over_says_so(app, login_as):
    with app.app_context():
        period_id = first_period("9C").id
    client = login_as("student")
    page = client.get(f"/surveys/periods/{period_id}").get_data(as_text=True)
    assert 'id="survey-not-yet"' in page and 'id="survey-form"' not in page
    url = f"/surveys/periods/{period_id}"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), **_form("student")})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyAnswered)) == 0


def _answers(app, n: int, name: str = "9C") -> int:
    with app.app_context():
        period = end_period(first_period(name))
        for k, uid in enumerate(student_user_ids(name)[:n]):
            survey.answer(uid, period, "student", scores("student", 1 + k % 5), f"Svar {k}")
        return group(name).id


def _mentor9c(app):
    client = app.test_client()
    assert sign_in(client, "mentor9c@example.org").status_code == 303
    return client


def test_the_mentor_sees_nothing_from_four_answers_and_the_totals_from_five(app):
    group_id = _answers(app, 4)
    client = _mentor9c(app)
    page = client.get(f"/surveys/groups/{group_id}").get_data(as_text=True)
    assert "survey-hidden" in page and "survey-totals" not in page and "Svar 0" not in page
    with app.app_context():
        period = first_period("9C")
        uid = student_user_ids("9C")[4]
        survey.answer(uid, period, "student", scores("student", 5), "Svar 4")
    page = client.get(f"/surveys/groups/{group_id}").get_data(as_text=True)
    assert 'class="table survey-totals"' in page
    assert all(f"Svar {k}" in page for k in range(5))
    # No names on the page beyond the mentor's own, and the comments are sorted.
    with app.app_context():
        names = db.session.scalars(
            select(User.name).where(User.id.in_(student_user_ids("9C")[:5]))
        ).all()
    assert not any(name in page for name in names)
    assert page.index("Svar 0") < page.index("Svar 4")


def test_the_mentor_home_links_each_group_to_its_survey(app, login_as):
    page = login_as("mentor").get("/home/mentor").get_data(as_text=True)
    with app.app_context():
        assert f'href="/surveys/groups/{group("7A").id}"' in page


def test_the_principal_sees_the_school_over_time_as_a_chart_and_a_table(app, login_as):
    _answers(app, 6)
    client = login_as("principal")
    home = client.get("/home/principal").get_data(as_text=True)
    with app.app_context():
        school_id = group("9C").school_year.school_id
    assert f'href="/surveys/schools/{school_id}"' in home
    page = client.get(f"/surveys/schools/{school_id}").get_data(as_text=True)
    assert page.count("<svg") - home.count("<svg") >= len(items_for("student"))
    assert 'id="trend-table-student"' in page and "<rect" in page
    assert "Svar 0" not in page  # no comments at school level
