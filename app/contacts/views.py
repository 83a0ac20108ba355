"""Contact pages: a guardian's own details; the mentor's group list, exports and log."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from app import access, languages, submissions
from app.contacts import details as logic
from app.contacts import group_list
from app.contacts import log as contact_log
from app.contacts.forms import ContactForm, ContactNoteForm, channel_label
from app.fields import focus_first_error
from app.school.calendar import current_year, today
from app.web import after_create, arg_id, home_url, ltr, redirect_after_post, render, safe_next

bp = Blueprint("contacts", __name__)
# The contact domain's words and formats, for every template (mails and other domains' pages too).
bp.add_app_template_global(channel_label)
bp.add_app_template_global(logic.field_label)
bp.add_app_template_filter(lambda e164: ltr(logic.display_phone(e164)), "phone")


@bp.route("/contact", methods=["GET", "POST"])
@access.role_required("guardian")
def mine():
    details = logic.details_to_show(current_user)
    form = ContactForm(obj=details if request.method == "GET" else None)
    form.language.choices = [("", "—")] + languages.choices(str(get_locale()))
    if request.method == "GET":
        form.email.data = current_user.email
        form.mobile.data = logic.display_phone(details.mobile)
        form.other_phone.data = logic.display_phone(details.other_phone)
    if form.validate_on_submit():
        values = {f: getattr(form, f).data for f in logic.EDITABLE}
        saved = logic.save_details(current_user, values, form.email.data)
        if saved.ok:
            if saved.new_email:
                flash(
                    _(
                        "Check %(email)s: your sign-in address changes when you open "
                        "the link we sent there.",
                        email=saved.new_email,
                    ),
                    "info",
                )
            session["contact_checked"] = True
            flash(_("Your contact details are saved."), "success")
            return redirect_after_post(url_for("contacts.mine"))
        form.email.errors.append(saved.reason)
    elif request.method == "POST" and (
        refusal := logic.email_change_refusal(current_user, form.email.data)
    ):
        form.email.errors.append(refusal)  # shown with the form's other errors
    status = 422 if form.errors else 200
    return render(
        "contacts/mine.html",
        status=status,
        form=form,
        details=details if details.id else None,
        history=logic.history(current_user),
        pending=logic.pending_email_change(current_user),
    )


@bp.get("/contact/check")
@access.role_required("guardian")
def check():
    """Shown after sign-in when the details are due for confirmation."""
    details = logic.details_to_show(current_user)
    return render("contacts/check.html", details=details if details.id else None)


@bp.post("/contact/confirm")
@access.role_required("guardian")
def confirm():
    logic.confirm(current_user)
    session["contact_checked"] = True
    flash(_("Thank you! Your contact details are confirmed."), "success")
    return redirect_after_post(url_for("home.guardian"))


@bp.route("/contact/email/<token>", methods=["GET", "POST"])
@login_required
def confirm_email(token: str):
    # Only the signed-in account that asked for the change can confirm it. GET shows a
    # button: mail scanners opening the link must not use it.
    if request.method == "GET":
        return render("contacts/confirm_email.html", token=token)
    user = current_user._get_current_object()
    changed = logic.use_email_link(token, user, request.user_agent.string)
    if not changed.ok:
        return render(
            "contacts/confirm_email.html", token=token, outcome=changed.result, status=410
        )
    # A fresh session for this device; every other one (and any copy of this cookie) ended.
    login_user(user, remember=changed.remember, force=True)
    flash(
        _("Your e-mail address is changed. Sign in with %(email)s from now on.", email=user.email),
        "success",
    )
    return redirect_after_post(url_for("home.index"))


# --- mentor -----------------------------------------------------------------------------


@bp.get("/groups/<id:group_id>/contacts")
@login_required
def group_contacts(group_id: int):
    group = access.group_or_404(group_id)
    rows = group_list.group_rows(group)
    year = current_year([group.school_year], today())
    only_unconfirmed = request.args.get("unconfirmed") == "1"
    since = year.start_date if year else date.min
    if only_unconfirmed:
        rows = [r for r in rows if not r.confirmed_since(since)]
    return render(
        "contacts/group.html",
        group=group,
        rows=rows,
        only_unconfirmed=only_unconfirmed,
        since=since,
        locale=str(get_locale()),
        may_log=access.keeps_contact_log(current_user, group),
    )


def _export(group_id: int, kind: str):
    exported = group_list.export(access.group_or_404(group_id), kind)
    return Response(
        exported.body,
        mimetype=exported.mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{exported.filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/groups/<id:group_id>/contacts.csv")
@login_required
def group_csv(group_id: int):
    return _export(group_id, "csv")


@bp.get("/groups/<id:group_id>/contacts.vcf")
@login_required
def group_vcards(group_id: int):
    return _export(group_id, "vcf")


@bp.route("/students/<id:student_id>/contact-log", methods=["GET", "POST"])
@login_required
def student_log(student_id: int):
    student = access.contact_log_student_or_404(student_id)
    # Where "Back" goes: the page the mentor came from (a path on this site), else the
    # log of the student's group. It stays on the page's address through a save.
    came_from = safe_next(request.args.get("back"))
    guardians = contact_log.guardian_choices(student)
    form = ContactNoteForm()
    form.guardians.choices = [(str(g.id), g.name) for g in guardians]
    if request.method == "GET":
        form.occurred_on.data = today()
    if form.validate_on_submit():
        page = url_for("contacts.student_log", student_id=student.id, back=came_from)

        def create() -> str:
            contact_log.add_note(
                student,
                current_user,
                occurred_on=form.occurred_on.data,
                channel=form.channel.data,
                with_whom=contact_log.with_whom(
                    guardians, form.guardians.data or [], form.with_whom.data or ""
                ),
                summary=form.summary.data.strip(),
                follow_up_on=form.follow_up_on.data,
            )
            return page

        url, first = submissions.create_once(current_user, form.submit_key.data, create)
        return after_create(url, first, _("The contact is noted."))
    status = 422 if form.errors else 200
    focus_first_error(form)
    group = None if came_from else contact_log.current_group(student)
    return render(
        "contacts/student_log.html",
        block="note_form",
        status=status,
        form=form,
        student=student,
        notes=contact_log.notes_for_student(student),
        back=came_from
        or (url_for("contacts.group_log", group_id=group.id) if group else home_url()),
    )


@bp.post("/contact-notes/<id:note_id>/done")
@login_required
def note_done(note_id: int):
    note = access.contact_note_or_404(note_id)
    contact_log.mark_followed_up(note)
    flash(_("The follow-up is marked as done."), "success")
    return redirect_after_post(
        safe_next(request.form.get("back"))
        or url_for("contacts.student_log", student_id=note.student_id)
    )


def _group_log(group, chosen=None, error=None, status=200):
    return render(
        "contacts/group_log.html",
        block="pick" if error else None,
        status=status,
        group=group,
        students=contact_log.log_students(group),
        notes=contact_log.notes_for_group(group),
        today=today(),
        chosen=chosen,
        error=error,
    )


@bp.get("/groups/<id:group_id>/contact-log")
@login_required
def group_log(group_id: int):
    return _group_log(access.contact_log_group_or_404(group_id))


@bp.get("/groups/<id:group_id>/contact-log/student")
@login_required
def group_log_student(group_id: int):
    """The group log's student picker: on to the chosen student's log (and its form for a
    new note), with "Back" returning to the group log."""
    group = access.contact_log_group_or_404(group_id)
    if "student" not in request.args:  # nothing chosen yet: the picker, as on the group log
        return _group_log(group)
    chosen = arg_id("student")
    if chosen is None or chosen not in {s.id for s in contact_log.log_students(group)}:
        return _group_log(group, chosen, _("Choose the student."), 422)
    back = url_for("contacts.group_log", group_id=group.id)
    return redirect_after_post(url_for("contacts.student_log", student_id=chosen, back=back))
