"""Pages of the school structure: a group's student list."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required
from sqlalchemy import select

from app.access import group_or_404, is_group_mentor, keeps_contact_log
from app.extensions import db
from app.school.roster import group_roster
from app.talks.models import TalkPeriod
from app.web import render

bp = Blueprint("school", __name__)


@bp.get("/groups/<id:group_id>")
@login_required
def group(group_id: int):
    group = group_or_404(group_id)
    periods = db.session.scalars(
        select(TalkPeriod)
        .where(TalkPeriod.group_id == group.id)
        .order_by(TalkPeriod.booking_opens_at)
    ).all()
    return render(
        "groups/group.html",
        group=group,
        students=group_roster(group),
        periods=periods,
        is_mentor=is_group_mentor(current_user, group.id),
        may_log=keeps_contact_log(current_user, group),
    )
