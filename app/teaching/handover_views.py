"""Handover pages: the outgoing mentor's list and form, the readers' list and page."""

from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import TextAreaField
from wtforms.validators import Length

from app import access
from app.fields import Form
from app.submissions import ALREADY_SENT, SendKeyMixin
from app.teaching import handover
from app.teaching.handover import TEXT_LABELS, TEXT_MAX, reason_label
from app.web import redirect_after_post, render

bp = Blueprint("handover", __name__, url_prefix="/handovers")
bp.add_app_template_global(reason_label, "handover_reason")

TOO_LONG = _l("At most %(max)d characters.", max=TEXT_MAX)


class HandoverForm(SendKeyMixin, Form):
    what_works = TextAreaField(
        TEXT_LABELS["what_works"], validators=[Length(max=TEXT_MAX, message=TOO_LONG)]
    )
    what_to_watch = TextAreaField(
        TEXT_LABELS["what_to_watch"], validators=[Length(max=TEXT_MAX, message=TOO_LONG)]
    )
    follow_ups = TextAreaField(
        TEXT_LABELS["follow_ups"], validators=[Length(max=TEXT_MAX, message=TOO_LONG)]
    )


@bp.get("/to-write")
@login_required
def to_write():
    access.handovers_to_write_or_404()
    return render("teaching/handover_to_write.html", found=handover.to_write(current_user))


@bp.get("/received")
@login_required
def received():
    access.handovers_received_or_404()
    return render("teaching/handover_received.html", lines=handover.received(current_user))


@bp.route("/<id:handover_id>/write", methods=["GET", "POST"])
@login_required
def write(handover_id: int):
    item = access.handover_to_write_or_404(handover_id)
    form = HandoverForm(obj=item)
    if form.validate_on_submit():
        texts = {name: getattr(form, name).data for name in TEXT_LABELS}
        outcome = handover.write(item, current_user, texts, form.submit_key.data)
        if outcome.ok:
            if outcome.result == "repeated":
                flash(str(ALREADY_SENT), "info")
            else:
                flash(_("The handover for %(name)s is saved.", name=item.student.name), "success")
            return redirect_after_post(url_for("handover.to_write"))
        getattr(form, outcome.field).errors = [outcome.reason]
    return render(
        "teaching/handover_write.html",
        status=422 if form.errors else 200,
        form=form,
        handover=item,
        context=handover.context_for(item),
    )


@bp.get("/<id:handover_id>")
@login_required
def detail(handover_id: int):
    item = access.handover_to_read_or_404(handover_id)
    return render("teaching/handover_detail.html", handover=handover.line_of(item))
