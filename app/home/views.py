"""Start pages, one per role; `/` sends each user to the role they use."""

from __future__ import annotations

from flask import Blueprint, redirect, session, url_for
from flask_login import current_user

from app.absence.overview import absent_today
from app.access import role_required
from app.contacts.details import confirmation_due
from app.home import overview
from app.school.calendar import today
from app.teaching.concerns import raised_by
from app.teaching.handover import home_counts
from app.teaching.inputs import teacher_home
from app.web import home_url, render

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("people.login"))
    return redirect(home_url())


def _enter(role: str) -> None:
    # Written only when it changes: a changed session is a new cookie to sign and send.
    if session.get("role") != role:
        session["role"] = role


@bp.get("/home/guardian")
@role_required("guardian")
def guardian():
    _enter("guardian")
    on = today()
    loaded = overview.children_cards(current_user, on)
    # Once a session, a guardian whose details are due is asked to confirm them first.
    if not session.get("contact_checked"):
        session["contact_checked"] = True
        if confirmation_due(loaded.contact_confirmed_at, loaded.schools, on):
            return redirect(url_for("contacts.check"))
    return render("home/guardian.html", cards=loaded.cards, surveys=loaded.surveys)


@bp.get("/home/student")
@role_required("student")
def student():
    _enter("student")
    return render("home/student.html", card=overview.own_card(current_user, today()))


@bp.get("/home/mentor")
@role_required("mentor")
def mentor():
    _enter("mentor")
    on = today()
    return render(
        "home/mentor.html",
        home=overview.mentor_home(current_user, on),
        absent_today=absent_today(current_user, on),
        handovers=home_counts(current_user),  # handover (issue 19)
    )


@bp.get("/home/teacher")
@role_required("teacher")
def teacher():
    _enter("teacher")
    return render(
        "home/teacher.html",
        groups=teacher_home(current_user, today()),
        # Concerns (issue 19): the teacher's open ones, and the way to raise one.
        teacher_concerns=raised_by(current_user, open_only=True),
    )


@bp.get("/home/principal")
@role_required("principal")
def principal():
    _enter("principal")
    schools = overview.school_overviews(current_user, today(), "principal")
    return render("home/principal.html", schools=schools)


@bp.get("/home/admin")
@role_required("admin")
def admin():
    _enter("admin")
    schools = overview.school_overviews(current_user, today(), "admin")
    return render("home/admin.html", schools=schools)
