"""Administration pages: a school's years, groups, staff, rules and audit log.

Admins of a school change these pages; its principals read them and set the rules.
The changes, their audit rows and their commits are the domain modules' (schools, years,
groups, people); a page shows the outcome, and a refusal next to the field it concerns.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from app import access
from app.admin import Outcome, audit_log, groups, people, schools, years
from app.admin.forms import (
    AuditFilterForm,
    CopyYearForm,
    DayOffForm,
    GroupForm,
    InviteStaffForm,
    MoveForm,
    PolicyForm,
    RolesForm,
    SchoolForm,
    YearForm,
)
from app.extensions import db
from app.people.models import Student
from app.school.calendar import school_current_year
from app.school.models import (
    DayOff,
    GroupMembership,
    GroupMentor,
    MentorGroup,
    School,
    SchoolYear,
)
from app.school.roster import group_roster
from app.teaching.assignments import assign as assign_teaching
from app.teaching.assignments import group_assignments
from app.teaching.assignments import teacher_choices as teaching_teacher_choices
from app.teaching.assignments import unassign as unassign_teaching
from app.teaching.forms import AssignmentForm
from app.teaching.models import TeachingAssignment
from app.web import arg_page, arg_text, redirect_after_post, render

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.add_app_template_global(audit_log.action_label, "audit_action")


def _refused(form, outcome: Outcome) -> None:
    """A refusal's reason next to the field it concerns (else as a message)."""
    field = getattr(form, outcome.field, None)
    if field is not None:
        field.errors = list(field.errors) + [outcome.reason]
    else:
        flash(str(outcome.reason), "error")


def _may_manage(school: School) -> bool:
    return access.manages_school(current_user, school)


# --- schools (site admins) ----------------------------------------------------------------


@bp.get("/schools", endpoint="schools")
@login_required
def school_list():
    access.site_admin_or_404()
    return render(
        "admin/schools.html", schools=db.session.scalars(select(School).order_by(School.name))
    )


def _school_form(school: School | None):
    access.site_admin_or_404()
    form = SchoolForm(obj=school)
    if form.validate_on_submit():
        details = schools.SchoolDetails(form.name.data, form.unit_code.data, form.time_zone.data)
        outcome = schools.save_school(school, details, current_user)
        if outcome.ok:
            flash(_("The school is saved."), "success")
            return redirect_after_post(url_for("admin.school", school_id=outcome.done.id))
        _refused(form, outcome)
    status = 422 if form.errors else 200
    return render("admin/school_form.html", block="form", status=status, form=form, school=school)


@bp.route("/schools/new", methods=["GET", "POST"])
@login_required
def new_school():
    return _school_form(None)


@bp.route("/schools/<id:school_id>/edit", methods=["GET", "POST"])
@login_required
def edit_school(school_id: int):
    return _school_form(access.administered_school_or_404(school_id, manage=True))


# --- one school -------------------------------------------------------------------------------


@bp.get("/schools/<id:school_id>")
@login_required
def school(school_id: int):
    school = access.administered_school_or_404(school_id)
    year = school_current_year(school)
    counts = dict(
        db.session.execute(
            select(MentorGroup.school_year_id, func.count())
            .join(SchoolYear)
            .where(SchoolYear.school_id == school.id)
            .group_by(MentorGroup.school_year_id)
        ).all()
    )
    students = db.session.scalar(
        select(func.count()).select_from(Student).where(Student.school_id == school.id)
    )
    return render(
        "admin/school.html",
        school=school,
        year=year,
        group_counts=counts,
        student_count=students,
        may_manage=_may_manage(school),
    )


@bp.route("/schools/<id:school_id>/policy", methods=["GET", "POST"])
@login_required
def policy(school_id: int):
    school = access.administered_school_or_404(school_id)
    form = PolicyForm(obj=school)
    if form.validate_on_submit():
        rules = {f: form[f].data for f in schools.POLICY_FIELDS}
        schools.set_rules(school, rules, current_user)
        flash(_("The school's rules are saved."), "success")
        return redirect_after_post(url_for("admin.policy", school_id=school.id))
    status = 422 if form.errors else 200
    return render("admin/policy.html", block="form", status=status, form=form, school=school)


# --- school years --------------------------------------------------------------------------


def _dates(form: YearForm) -> years.YearDates:
    return years.YearDates(
        **{
            k: getattr(form, k).data
            for k in ("name", "start_date", "end_date", "ht_start", "ht_end", "vt_start", "vt_end")
        }
    )


def _fill(form: YearForm, dates: years.YearDates) -> None:
    for k, v in vars(dates).items():
        getattr(form, k).data = v


@bp.get("/schools/<id:school_id>/years")
@login_required
def year_list(school_id: int):
    school = access.administered_school_or_404(school_id)
    return render(
        "admin/years.html",
        school=school,
        current=school_current_year(school),
        may_manage=_may_manage(school),
    )


@bp.route("/schools/<id:school_id>/years/new", methods=["GET", "POST"])
@login_required
def new_year(school_id: int):
    school = access.administered_school_or_404(school_id, manage=True)
    latest = school.school_years[-1] if school.school_years else None
    form = CopyYearForm() if latest else YearForm()
    if request.method == "GET" and latest:
        _fill(form, years.next_year_dates(latest))
        form.copy_groups.data = True
    if form.validate_on_submit():
        if latest:
            outcome = years.copy_year(latest, _dates(form), form.copy_groups.data)
        else:
            outcome = years.create_year(school, _dates(form))
        if outcome.ok:
            year = outcome.done
            flash(_("The school year %(name)s is created.", name=year.name), "success")
            return redirect_after_post(url_for("admin.year", year_id=year.id))
        _refused(form, outcome)
    status = 422 if form.errors else 200
    return render(
        "admin/year_new.html", block="form", status=status, form=form, school=school, latest=latest
    )


def _year_page(year: SchoolYear, form=None, day_off_form=None, status: int = 200):
    school = year.school
    # The groups with their mentors in three statements, not two per group.
    year_groups = db.session.scalars(
        select(MentorGroup)
        .where(MentorGroup.school_year_id == year.id)
        .options(selectinload(MentorGroup.mentors).selectinload(GroupMentor.user))
        .order_by(MentorGroup.name)
    ).all()
    may_manage = _may_manage(school)
    if form is None:
        form = YearForm(obj=year)
        terms = {t.kind: t for t in year.terms}
        for kind, prefix in (("HT", "ht"), ("VT", "vt")):
            if kind in terms:
                getattr(form, f"{prefix}_start").data = terms[kind].start_date
                getattr(form, f"{prefix}_end").data = terms[kind].end_date
    return render(
        "admin/year.html",
        status=status,
        year=year,
        groups=year_groups,
        school=school,
        form=form,
        day_off_form=day_off_form or DayOffForm(),
        may_manage=may_manage,
    )


@bp.route("/years/<id:year_id>", methods=["GET", "POST"])
@login_required
def year(year_id: int):
    year = access.administered_or_404(SchoolYear, year_id, manage=request.method == "POST")
    if request.method == "GET":
        return _year_page(year)
    form = YearForm()
    if form.validate_on_submit():
        outcome = years.update_year(year, _dates(form))
        if outcome.ok:
            flash(_("The school year is saved."), "success")
            return redirect_after_post(url_for("admin.year", year_id=year.id))
        _refused(form, outcome)
    return _year_page(year, form=form, status=422)


@bp.post("/years/<id:year_id>/days-off")
@login_required
def add_day_off(year_id: int):
    year = access.administered_or_404(SchoolYear, year_id, manage=True)
    form = DayOffForm()
    if form.validate_on_submit():
        end = form.end_date.data or form.start_date.data
        outcome = years.add_day_off(year, form.name.data, form.kind.data, form.start_date.data, end)
        if outcome.ok:
            flash(_("%(name)s is added.", name=form.name.data), "success")
            return redirect_after_post(url_for("admin.year", year_id=year.id) + "#days-off")
        _refused(form, outcome)
    return _year_page(year, day_off_form=form, status=422)


@bp.post("/days-off/<id:day_off_id>/delete")
@login_required
def remove_day_off(day_off_id: int):
    day_off = access.administered_or_404(DayOff, day_off_id, manage=True)
    year_id, name = day_off.school_year_id, day_off.name
    years.remove_day_off(day_off)
    flash(_("%(name)s is removed.", name=name), "success")
    return redirect_after_post(url_for("admin.year", year_id=year_id) + "#days-off")


# --- groups ------------------------------------------------------------------------------------


def _group_form(school: School, group: MentorGroup | None = None) -> GroupForm:
    form = GroupForm(obj=group)
    choices = [SelectChoice(u.id, f"{u.name} ({u.email})") for u in groups.staff_users(school.id)]
    form.mentor.choices = [SelectChoice("", _("Choose a mentor"))] + choices
    form.co_mentors.choices = [SelectChoice(u.id, u.name) for u in groups.staff_users(school.id)]
    if group is not None and request.method == "GET":
        form.mentor.data = next((m.user_id for m in group.mentors if not m.is_co_mentor), None)
        form.co_mentors.data = [m.user_id for m in group.mentors if m.is_co_mentor]
    return form


def _save_group(year: SchoolYear, group: MentorGroup | None):
    """The form for a new group of the year, or for changing `group`."""
    form = _group_form(year.school, group)
    if form.validate_on_submit():
        name = form.name.data.strip()
        values = (name, form.mentor.data, form.co_mentors.data)
        if group is None:
            outcome = groups.create_group(year, *values)
            message = _("The group %(name)s is created.", name=name)
        else:
            outcome = groups.update_group(group, *values)
            message = _("The group is saved.")
        if outcome.ok:
            flash(message, "success")
            return redirect_after_post(url_for("admin.group", group_id=outcome.done.id))
        _refused(form, outcome)
    status = 422 if form.errors else 200
    return render(
        "admin/group_form.html", block="form", status=status, form=form, year=year, group=group
    )


@bp.route("/years/<id:year_id>/groups/new", methods=["GET", "POST"])
@login_required
def new_group(year_id: int):
    return _save_group(access.administered_or_404(SchoolYear, year_id, manage=True), None)


@bp.get("/groups/<id:group_id>")
@login_required
def group(group_id: int):
    return _group_page(access.administered_or_404(MentorGroup, group_id))


def _group_page(group: MentorGroup, teaching_form=None, status: int = 200):
    may_manage = _may_manage(group.school_year.school)
    # --- teaching (app/teaching): the group's teaching assignments --------------------------
    if may_manage and teaching_form is None:
        teaching_form = AssignmentForm(formdata=None)
    if teaching_form is not None:
        teaching_form.teacher.choices = teaching_teacher_choices(group)
    return render(
        "admin/group.html",
        status=status,
        group=group,
        year=group.school_year,
        school=group.school_year.school,
        students=group_roster(group),
        may_manage=may_manage,
        teaching=group_assignments(group),
        teaching_form=teaching_form,
    )


@bp.post("/groups/<id:group_id>/teaching")
@login_required
def add_teaching(group_id: int):
    """Teaching: a teacher teaches the group in a subject (app/teaching/assignments.py)."""
    group = access.administered_or_404(MentorGroup, group_id, manage=True)
    form = AssignmentForm()
    form.teacher.choices = teaching_teacher_choices(group)
    if form.validate_on_submit():
        outcome = assign_teaching(group, form.subject.data, form.teacher.data, current_user)
        if outcome.ok:
            flash(_("The teaching assignment is saved."), "success")
            return redirect_after_post(url_for("admin.group", group_id=group.id) + "#teaching")
        getattr(form, outcome.field).errors = [outcome.message]
    return _group_page(group, form, status=422)


@bp.post("/teaching/<id:assignment_id>/remove")
@login_required
def remove_teaching(assignment_id: int):
    assignment = access.administered_or_404(TeachingAssignment, assignment_id, manage=True)
    group_id = assignment.group_id
    unassign_teaching(assignment, current_user)
    flash(_("The teaching assignment is removed."), "success")
    return redirect_after_post(url_for("admin.group", group_id=group_id) + "#teaching")


@bp.route("/groups/<id:group_id>/edit", methods=["GET", "POST"])
@login_required
def edit_group(group_id: int):
    group = access.administered_or_404(MentorGroup, group_id, manage=True)
    return _save_group(group.school_year, group)


# --- students ---------------------------------------------------------------------------------


@bp.get("/schools/<id:school_id>/students")
@login_required
def students(school_id: int):
    school = access.administered_school_or_404(school_id)
    q = arg_text("q")
    year = school_current_year(school)
    query = select(Student).where(Student.school_id == school.id)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(
            func.lower(Student.first_name + " " + Student.last_name).like(pattern)
            | (Student.external_id == q)
        )
    found = db.session.scalars(
        query.order_by(Student.last_name, Student.first_name).limit(101)
    ).all()
    group_of = {}
    if year and found:
        group_of = dict(
            db.session.execute(
                select(GroupMembership.student_id, MentorGroup.name)
                .join(MentorGroup, GroupMembership.group_id == MentorGroup.id)
                .where(
                    GroupMembership.school_year_id == year.id,
                    GroupMembership.student_id.in_([s.id for s in found]),
                )
            ).all()
        )
    return render(
        "admin/students.html",
        block="results",
        school=school,
        q=q,
        students=found[:100],
        more=len(found) > 100,
        group_of=group_of,
        year=year,
    )


@bp.route("/students/<id:student_id>", methods=["GET", "POST"])
@login_required
def student(student_id: int):
    student = access.administered_or_404(Student, student_id, manage=request.method == "POST")
    school = student.school
    year = school_current_year(school)
    form = MoveForm()
    form.group.choices = [SelectChoice(0, _("No group"))] + [
        SelectChoice(g.id, g.name) for g in (year.groups if year else [])
    ]
    current = groups.membership(student, year) if year else None
    if request.method == "GET":
        form.group.data = current.group_id if current else 0
    if year and form.validate_on_submit():
        target = next((g for g in year.groups if g.id == form.group.data), None)
        if groups.place(student, year, target, current_user):
            flash(
                _("%(name)s is moved to %(group)s.", name=student.first_name, group=target.name)
                if target
                else _("%(name)s is in no group now.", name=student.first_name),
                "success",
            )
        return redirect_after_post(url_for("admin.student", student_id=student.id))
    return render(
        "admin/student.html",
        status=422 if form.errors else 200,
        student=student,
        school=school,
        year=year,
        current=current,
        form=form,
        history=groups.history(student),
        may_manage=_may_manage(school),
    )


# --- staff -----------------------------------------------------------------------------------


@bp.route("/schools/<id:school_id>/staff", methods=["GET", "POST"])
@login_required
def staff(school_id: int):
    school = access.administered_school_or_404(school_id, manage=request.method == "POST")
    form = InviteStaffForm()
    if form.validate_on_submit():
        user = people.invite_staff(
            school, form.name.data.strip(), form.email.data, form.roles.data, current_user
        )
        flash(_("An invitation is sent to %(email)s.", email=user.email), "success")
        return redirect_after_post(url_for("admin.staff", school_id=school.id))
    return render(
        "admin/staff.html",
        status=422 if form.errors else 200,
        school=school,
        members=people.staff_of(school),
        form=form,
        may_manage=_may_manage(school),
    )


def _member_or_404(school: School, user_id: int) -> people.StaffMember:
    member = people.staff_member_or_none(school, user_id)
    if member is None:
        abort(404)
    return member


@bp.route("/schools/<id:school_id>/staff/<id:user_id>", methods=["GET", "POST"])
@login_required
def staff_member(school_id: int, user_id: int):
    school = access.administered_school_or_404(school_id, manage=request.method == "POST")
    member = _member_or_404(school, user_id)
    form = RolesForm(roles=member.roles)
    if form.validate_on_submit():
        outcome = people.change_roles(school, member.user, form.roles.data, current_user)
        if outcome.ok:
            flash(_("The roles of %(name)s are saved.", name=member.user.name), "success")
            return redirect_after_post(url_for("admin.staff", school_id=school.id))
        _refused(form, outcome)
    return render(
        "admin/staff_member.html",
        status=422 if form.errors else 200,
        school=school,
        member=member,
        form=form,
        may_manage=_may_manage(school),
    )


@bp.post("/schools/<id:school_id>/staff/<id:user_id>/deactivate")
@login_required
def deactivate(school_id: int, user_id: int):
    school = access.administered_school_or_404(school_id, manage=True)
    member = _member_or_404(school, user_id)
    outcome = people.deactivate_member(school, member.user, current_user)
    if not outcome.ok:
        flash(str(outcome.reason), "error")
        return redirect_after_post(
            url_for("admin.staff_member", school_id=school.id, user_id=user_id)
        )
    flash(
        _("%(name)s is deactivated and can no longer sign in.", name=member.user.name)
        if outcome.done
        else _("%(name)s no longer has a role at the school.", name=member.user.name),
        "success",
    )
    return redirect_after_post(url_for("admin.staff", school_id=school.id))


# --- invitations ----------------------------------------------------------------------------


@bp.route("/schools/<id:school_id>/invitations", methods=["GET", "POST"])
@login_required
def invitations(school_id: int):
    school = access.administered_school_or_404(school_id, manage=True)
    year = school_current_year(school)
    if year is None:
        abort(404)
    if request.method == "POST":
        group_id = request.form.get("group", type=int)
        if group_id is not None and group_id not in {g.id for g in year.groups}:
            abort(404)
        sent = people.invite_guardians(school, year, current_user, group_id)
        flash(
            _("%(num)d invitations are sent.", num=sent)
            if sent
            else _("Everyone is already invited or signed in."),
            "success",
        )
        return redirect_after_post(url_for("admin.invitations", school_id=school.id))
    return render(
        "admin/invitations.html",
        school=school,
        year=year,
        rows=people.invitation_overview(year),
        resend_hours=int(people.RESEND_AFTER.total_seconds() // 3600),
    )


# --- audit log ---------------------------------------------------------------------------------


@bp.get("/schools/<id:school_id>/audit")
@login_required
def audit_events(school_id: int):
    school = access.administered_school_or_404(school_id)
    form = AuditFilterForm(request.args)
    valid = form.validate()
    page = arg_page()
    f = audit_log.AuditFilter(page=page)
    if valid:
        f.who, f.action = form.who.data or "", form.action.data or ""
        f.since, f.until = form.since.data, form.until.data
    result = audit_log.events(school, f)
    form.action.choices = [SelectChoice("", _("Everything"))] + [
        SelectChoice(a, audit_log.action_label(a)) for a in result.actions
    ]
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render(
        "admin/audit.html",
        block="results",
        status=200 if valid else 422,
        school=school,
        form=form,
        result=result,
        args=args,
    )
