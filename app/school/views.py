"""Pages of the school structure: a group's student list."""

from __future__ import annotations

from flask import Blueprint
from flask_login import login_required

from app.access import group_or_404
from app.school.roster import group_roster
from app.web import render

bp = Blueprint("school", __name__)


@bp.get("/groups/<int:group_id>")
@login_required
def group(group_id: int):
    group = group_or_404(group_id)
    return render("groups/group.html", group=group, students=group_roster(group))
