"""Survey pages: answering (students, guardians), a group's totals (its mentors), the
school's totals over time (principals)."""

from __future__ import annotations

from flask import Blueprint, url_for
from flask_babel import format_decimal
from flask_login import current_user, login_required

from app import access
from app.surveys import chart, survey
from app.surveys.forms import FIELD_ERRORS, form_class, scores
from app.surveys.items import (
    SCALE_HIGH,
    SCALE_LOW,
    audience_label,
    item_keys,
    item_text,
    items_for,
    scale_high,
    scale_low,
)
from app.web import redirect_after_post, render

bp = Blueprint("surveys", __name__)
bp.add_app_template_global(audience_label, "survey_audience_label")
bp.add_app_template_global(item_text, "survey_item_text")
bp.add_app_template_global(scale_low)
bp.add_app_template_global(item_keys, "survey_item_keys")
bp.add_app_template_global(scale_high)


@bp.app_template_global()
def survey_mean(value: float) -> str:
    """A mean score as the reader's language writes it: "4,2" in Swedish."""
    return format_decimal(value, "0.0")


@bp.route("/surveys/periods/<id:period_id>", methods=["GET", "POST"])
@login_required
def answer(period_id: int):
    period, audience = access.survey_period_or_404(period_id)
    form = form_class(audience)()
    if form.validate_on_submit():
        outcome = survey.answer(
            current_user.id, period, audience, scores(form, audience), form.comment.data
        )
        for name, code in outcome.errors.items():
            getattr(form, name).errors.append(str(FIELD_ERRORS[code]))
        if outcome.ok:
            return redirect_after_post(url_for("surveys.answer", period_id=period.id))
    status = survey.period_survey(period, current_user.id)
    return render(
        "surveys/answer.html",
        status=422 if form.errors else 200,
        form=form,
        period=period,
        survey=status,
        items=items_for(audience),
        audience=audience,
        low=SCALE_LOW,
        high=SCALE_HIGH,
        min_answers=survey.MIN_ANSWERS,
    )


@bp.get("/surveys/groups/<id:group_id>")
@login_required
def group(group_id: int):
    group = access.survey_group_or_404(group_id)
    return render(
        "surveys/group.html",
        group=group,
        periods=survey.group_results(group),
        min_answers=survey.MIN_ANSWERS,
    )


@bp.get("/surveys/schools/<id:school_id>")
@login_required
def school(school_id: int):
    school = access.survey_school_or_404(school_id)
    terms = survey.school_trend(school.id)
    return render(
        "surveys/school.html",
        school=school,
        terms=terms,
        charts=chart.build_all(terms),
        min_answers=survey.MIN_ANSWERS,
    )
