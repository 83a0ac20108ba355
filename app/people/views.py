"""Sign-in, sign-out, one-time links, password reset, account settings, language.

The writes are app.people.account's (and signin's); these views keep the cookie session."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from app import throttle
from app.errors import carried_fields, resume_page, resumed_fields
from app.extensions import limiter, login_manager
from app.people import account as logic
from app.people import sessions, signin, tokens
from app.people.forms import (
    ChangePasswordForm,
    EmailForm,
    LanguageForm,
    LoginForm,
    ResetPasswordForm,
)
from app.people.models import User, role_name
from app.web import (
    current_roles,
    home_url,
    redirect_after_post,
    render,
    safe_next,
    same_origin_request,
)

bp = Blueprint("people", __name__)
bp.add_app_template_global(role_name)

SIGNIN_LIMITS = "10 per minute;60 per hour"

PASSWORD_NEEDS_RECENT_SIGNIN = _l(
    "For your safety, sign out and sign in again with a link by e-mail, then choose the "
    "password within 15 minutes."
)


@login_manager.user_loader
def _load_user(secret: str) -> User | None:
    return sessions.load(secret)


@login_manager.unauthorized_handler
def _unauthorized():
    """Not signed in (or the session ended): to the sign-in page. A form sent from one of
    our own pages keeps its text through the sign-in, shown again to be sent by hand."""
    target = safe_next(request.full_path.rstrip("?"))
    fields = carried_fields(request.form) if request.method == "POST" else []
    lapsed = sessions.lapsed_user_id()
    if fields and target and lapsed and same_origin_request():
        # Kept for the person whose sign-in ran out, not for whoever signs in next.
        session["resume_user"] = lapsed
        page, status = resume_page(target, fields, status=401)
        headers = {"HX-Retarget": "body", "HX-Reswap": "innerHTML"} if request.htmx else {}
        return page, status, headers
    login = url_for("people.login", next=target)
    if request.htmx:
        return "", 401, {"HX-Redirect": login}
    flash(_("Sign in to continue."), "info")
    return redirect(login)


def _forget_this_device() -> None:
    """Empty the cookie session of a device whose sign-in session has ended."""
    # Clear first: logout_user() leaves a flag in the session that deletes the
    # 30-day remember-me cookie, and that flag must survive.
    session.clear()
    logout_user()


def _end_this_session() -> None:
    """Sign out this device: its session row ends on the server, the cookie is emptied."""
    logic.sign_out(current_user._get_current_object())
    _forget_this_device()


# What the cookie session keeps across a sign-in: the form token (so forms open in other
# tabs still send) and the language. Everything else belonged to the previous person.
KEPT_ACROSS_SIGNIN = ("csrf_token", "locale")


def _log_in(user: User, remember: bool) -> None:
    """The cookie session of a sign-in session just started (account.sign_in)."""
    for key in [k for k in session if k not in KEPT_ACROSS_SIGNIN]:
        session.pop(key)
    # The user was found active at the sign-in; the session row names them now.
    login_user(user, remember=remember, force=True)
    session.permanent = True


def _start_session(user: User, remember: bool):
    logic.sign_in(user, remember, request.user_agent.string)
    _log_in(user, remember)


@bp.route("/login", methods=["GET", "POST"])
@throttle.sign_in
def login():
    if current_user.is_authenticated:
        return redirect(home_url())
    form = LoginForm()
    if form.validate_on_submit():
        user = signin.authenticate(form.email.data, form.password.data)
        resume_to = safe_next(request.form.get("resume_to"))
        carried = resumed_fields(request.form) if same_origin_request() else []
        if user is not None:
            typed_by_this_user = session.get("resume_user") == user.id
            _start_session(user, form.remember.data)
            if resume_to and carried and typed_by_this_user:
                # Signed in again after the session ran out: what was typed is shown,
                # filled in, for the person to read and send; never sent by itself.
                return resume_page(resume_to, carried, status=200)
            return redirect_after_post(safe_next(request.args.get("next")) or home_url())
        form.password.errors.append(_("Wrong e-mail address or password."))
        if resume_to and carried:
            return resume_page(resume_to, carried, status=422, form=form)
    status = 422 if form.errors else 200
    return render("auth/login.html", block="form", status=status, form=form)


@bp.route("/login/link", methods=["GET", "POST"])
@throttle.mail_link
def request_link():
    form = EmailForm()
    if form.validate_on_submit():
        signin.request_link(form.email.data, "signin")
        # The same answer whether the address exists or not: no user enumeration.
        return render("auth/link_sent.html", email=form.email.data.strip())
    status = 422 if form.errors else 200
    return render(
        "auth/email_link_form.html",
        block="form",
        status=status,
        form=form,
        title=_("Sign in with a link"),
        intro=_(
            "We send a link to your e-mail. It works once, for 15 minutes. You need no password."
        ),
    )


@bp.route("/login/link/<token>", methods=["GET", "POST"])
@throttle.link_token(lambda token: tokens.peek(token, "signin") is not None)
def link_signin(token: str):
    # GET only shows a button: mail scanners that open links must not use up the token.
    if request.method == "GET":
        valid = tokens.peek(token, "signin") is not None
        return render("auth/link_signin.html", valid=valid, token=token, form=EmailForm())
    signed_in = current_user._get_current_object() if current_user.is_authenticated else None
    user = logic.sign_in_with_link(token, signed_in, request.user_agent.string)
    if user is None:
        return render("auth/link_signin.html", valid=False, token=token, status=410)
    if signed_in is not None:
        _forget_this_device()
    _log_in(user, remember=True)
    return redirect_after_post(home_url())


@bp.route("/password/forgot", methods=["GET", "POST"])
@throttle.mail_link
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        signin.request_link(form.email.data, "reset")
        return render("auth/link_sent.html", email=form.email.data.strip(), reset=True)
    status = 422 if form.errors else 200
    return render(
        "auth/email_link_form.html",
        block="form",
        status=status,
        form=form,
        title=_("Forgot your password?"),
        intro=_("We send a link to your e-mail where you choose a new password."),
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@throttle.link_token(lambda token: tokens.peek(token, "reset") is not None)
def reset_password(token: str):
    if tokens.peek(token, "reset") is None:
        return render("auth/reset_password.html", valid=False, status=410)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        if logic.reset_password(token, form.password.data) is None:
            return render("auth/reset_password.html", valid=False, status=410)
        if current_user.is_authenticated:
            _end_this_session()
        flash(_("Your password is changed. Sign in with the new password."), "success")
        return redirect_after_post(url_for("people.login"))
    status = 422 if form.errors else 200
    return render("auth/reset_password.html", block="form", status=status, valid=True, form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        _end_this_session()
    else:
        session.clear()
    response = redirect(url_for("people.login", signed_out=1), 303)
    # The service worker keeps no personal pages, but clear its caches all the same.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.get("/no-role")
@login_required
def no_role():
    if current_roles():
        return redirect(home_url())
    return render("auth/no_role.html")


@bp.get("/role/<role>")
@login_required
def switch_role(role: str):
    if role not in current_roles():
        abort(404)
    session["role"] = role
    return redirect(home_url())


def _account_page(block=None, status=200, password_form=None):
    return render(
        "account/account.html",
        block=block,
        status=status,
        password_form=password_form or ChangePasswordForm(),
        language_form=LanguageForm(locale=current_user.locale or "sv"),
        active_sessions=sessions.active(current_user),
    )


@bp.route("/account", methods=["GET"])
@login_required
def account():
    return _account_page()


@bp.post("/account/sessions/<id:session_id>/end")
@login_required
def end_session(session_id: int):
    """Sign out one of the account's other devices."""
    if logic.sign_out_device(current_user._get_current_object(), session_id):
        flash(_("That device is signed out."), "success")
    return redirect_after_post(url_for("people.account"))


@bp.post("/account/sessions/end-all")
@login_required
def end_all_sessions():
    """Sign out everywhere, this device too."""
    logic.sign_out_everywhere(current_user._get_current_object())
    _forget_this_device()
    response = redirect(url_for("people.login", signed_out="all"), 303)
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.post("/account/password")
@login_required
@limiter.limit(SIGNIN_LIMITS)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        outcome = logic.change_password(
            user, form.current.data, form.password.data, request.user_agent.string
        )
        if outcome.result == "changed":
            # A fresh session for this device; every other one (and any copy of this
            # device's old cookie) is signed out.
            login_user(user, remember=outcome.remember, force=True)
            flash(_("Your password is changed."), "success")
            return redirect_after_post(url_for("people.account"))
        if outcome.result == "wrong_current":
            form.current.errors.append(_("The current password is not right."))
        else:
            form.password.errors.append(PASSWORD_NEEDS_RECENT_SIGNIN)
    return _account_page(block="password_form", status=422, password_form=form)


@bp.post("/language")
def set_language():
    """The footer's language switch; saved on the account when signed in."""
    form = LanguageForm()
    locale = form.locale.data if form.validate_on_submit() else None
    if locale:  # one of the form's choices: the registry's interface languages
        session["locale"] = locale
        if current_user.is_authenticated:
            logic.set_language(current_user._get_current_object(), locale)
    return redirect_after_post(safe_next(request.form.get("next")) or home_url())
