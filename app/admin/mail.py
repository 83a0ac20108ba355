"""Undeliverable mail: messages the outbox worker gave up on after the last try.

A school's admins see those to their school's people (staff, students, guardians); site
admins see all of them. Either may send one again, with a fresh round of tries. The
messages' bodies are never shown: they may carry sign-in links.
"""

from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import access
from app.admin import resend
from app.extensions import db
from app.web import redirect_after_post, render

bp = Blueprint("admin_mail", __name__, url_prefix="/admin")

SHOWN = 200


def _page(school=None):
    messages = db.session.scalars(
        access.undeliverable_mail(school.id if school else None).limit(SHOWN)
    ).all()
    return render("admin/mail.html", school=school, messages=messages, may_manage=True)


@bp.get("/mail")
@login_required
def all_mail():
    access.site_admin_or_404()
    return _page()


@bp.get("/schools/<id:school_id>/mail")
@login_required
def school_mail(school_id: int):
    return _page(access.administered_school_or_404(school_id, manage=True))


def _retry(message, school_id: int | None, back: str):
    resend.send_again(message, current_user, school_id)
    flash(_("The e-mail to %(recipient)s will be sent again.", recipient=message.recipient))
    return redirect_after_post(back)


@bp.post("/mail/<id:message_id>/retry")
@login_required
def retry_any(message_id: int):
    message = access.undeliverable_mail_or_404(message_id, user=current_user)
    return _retry(message, None, url_for("admin_mail.all_mail"))


@bp.post("/schools/<id:school_id>/mail/<id:message_id>/retry")
@login_required
def retry_school(school_id: int, message_id: int):
    school = access.administered_school_or_404(school_id, manage=True)
    message = access.undeliverable_mail_or_404(message_id, school.id)
    return _retry(message, school.id, url_for("admin_mail.school_mail", school_id=school.id))
