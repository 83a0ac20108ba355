"""Forms of talk preparation (issue 19): the student's self-assessment, with one question
per goal added for the goals the preparation asks about, and a guardian's questions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from app.fields import Form
from app.talks.models_prep import GOAL_NOTE_MAX, QUESTIONS_MAX, SCALE, TOPICS_MAX
from app.talks.preparation import SCALE_LABELS, GoalToReview

CHOOSE_FROM_SCALE = _l("Choose one of the answers.")


def _scale_choices():
    return [SelectChoice(value, SCALE_LABELS[value]) for value in SCALE]


class PreparationForm(Form):
    general = RadioField(
        _l("How is school going for you?"),
        choices=_scale_choices(),
        validate_choice=False,
        validators=[
            InputRequired(_l("Choose how school is going.")),
            AnyOf(SCALE, message=CHOOSE_FROM_SCALE),
        ],
    )
    topics = TextAreaField(
        _l("What do you want to talk about?"), validators=[Length(max=TOPICS_MAX)]
    )

    @classmethod
    def for_goals(cls, goals: list[GoalToReview], **kwargs) -> PreparationForm:
        """The form with a "how is it going" and a short note for each goal."""

        class WithGoals(cls):
            pass

        for goal in goals:
            setattr(
                WithGoals,
                f"goal_{goal.id}",
                RadioField(
                    _l("How is it going?"),
                    choices=_scale_choices(),
                    validate_choice=False,
                    validators=[Optional(), AnyOf(SCALE, message=CHOOSE_FROM_SCALE)],
                ),
            )
            setattr(
                WithGoals,
                f"note_{goal.id}",
                StringField(_l("A few words (optional)"), validators=[Length(max=GOAL_NOTE_MAX)]),
            )
        return WithGoals(**kwargs)

    def goal_fields(self, goal: GoalToReview):
        return self[f"goal_{goal.id}"], self[f"note_{goal.id}"]

    def answers(self, goals: list[GoalToReview]) -> dict[int, tuple[str | None, str]]:
        result = {}
        for goal in goals:
            status, note = self.goal_fields(goal)
            result[goal.id] = (status.data or None, note.data or "")
        return result


class QuestionsForm(Form):
    questions = TextAreaField(
        _l("Your questions and topics for the talk"), validators=[Length(max=QUESTIONS_MAX)]
    )
