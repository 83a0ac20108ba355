"""Sign-in, sign-out, one-time links, password reset, account settings, language."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app import audit, throttle
from app.db_types import utcnow
from app.errors import RESUME_PREFIX, resume_page
from app.extensions import db, limiter, login_manager
from app.people import signin, tokens
from app.people.forms import (
    ChangePasswordForm,
    EmailForm,
    LanguageForm,
    LoginForm,
    ResetPasswordForm,
)
from app.people.models import User
from app.people.passwords import verify_password
from app.web import current_roles, home_url, redirect_after_post, render, safe_next

bp = Blueprint("people", __name__)

SIGNIN_LIMITS = "10 per minute;60 per hour"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    uid, _, version = user_id.partition(":")
    if not uid.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(uid))
    if user is None or user.session_version != int(version):
        return None
    return user


@login_manager.unauthorized_handler
def _unauthorized():
    target = url_for("people.login", next=request.full_path.rstrip("?"))
    if request.htmx:
        return "", 401, {"HX-Redirect": target}
    flash(_("Sign in to continue."), "info")
    return redirect(target)


def _start_session(user: User, remember: bool):
    login_user(user, remember=remember)
    user.last_signed_in_at = utcnow()
    session.permanent = True
    session.pop("role", None)
    audit.record("signin", user, actor=user)
    db.session.commit()


@bp.route("/login", methods=["GET", "POST"])
@throttle.sign_in
def login():
    if current_user.is_authenticated:
        return redirect(home_url())
    form = LoginForm()
    if form.validate_on_submit():
        user = signin.authenticate(form.email.data, form.password.data)
        resume_to = safe_next(request.form.get("resume_to"))
        carried = [
            (k.removeprefix(RESUME_PREFIX), v)
            for k, v in request.form.items(multi=True)
            if k.startswith(RESUME_PREFIX)
        ]
        if user is not None:
            _start_session(user, form.remember.data)
            if resume_to and carried:
                # Signed in again after the session ran out: back to what was typed.
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
        signin.send_link(form.email.data, "signin")
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
    user = tokens.consume(token, "signin")
    if user is None:
        db.session.rollback()
        return render("auth/link_signin.html", valid=False, token=token, status=410)
    if current_user.is_authenticated:
        logout_user()
    _start_session(user, remember=True)
    return redirect_after_post(home_url())


@bp.route("/password/forgot", methods=["GET", "POST"])
@throttle.mail_link
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        signin.send_link(form.email.data, "reset")
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
        user = tokens.consume(token, "reset")
        if user is None:
            db.session.rollback()
            return render("auth/reset_password.html", valid=False, status=410)
        signin.set_password(user, form.password.data)
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
        flash(_("Your password is changed. Sign in with the new password."), "success")
        return redirect_after_post(url_for("people.login"))
    status = 422 if form.errors else 200
    return render("auth/reset_password.html", block="form", status=status, valid=True, form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        audit.record("signout", current_user)
        db.session.commit()
    # Clear first: logout_user() leaves a flag in the session that deletes the
    # 30-day remember-me cookie, and that flag must survive.
    session.clear()
    logout_user()
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


@bp.route("/account", methods=["GET"])
@login_required
def account():
    return render(
        "account/account.html",
        password_form=ChangePasswordForm(),
        language_form=LanguageForm(locale=current_user.locale or "sv"),
    )


@bp.post("/account/password")
@login_required
@limiter.limit(SIGNIN_LIMITS)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if current_user.password_hash and not verify_password(
            current_user.password_hash, form.current.data or ""
        ):
            form.current.errors.append(_("The current password is not right."))
        else:
            signin.set_password(current_user, form.password.data)
            db.session.commit()
            # The bumped session version signs out other devices; keep this one as it was.
            remembered = request.cookies.get(
                current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            )
            login_user(current_user._get_current_object(), remember=bool(remembered))
            flash(_("Your password is changed."), "success")
            return redirect_after_post(url_for("people.account"))
    return render(
        "account/account.html",
        block="password_form",
        status=422,
        password_form=form,
        language_form=LanguageForm(locale=current_user.locale or "sv"),
    )


@bp.post("/language")
def set_language():
    """The footer's language switch; saved on the account when signed in."""
    form = LanguageForm()
    locale = form.locale.data if form.validate_on_submit() else None
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated and current_user.locale != locale:
            audit.record(
                "account.language", current_user, {"old": current_user.locale, "new": locale}
            )
            current_user.locale = locale
            db.session.commit()
    return redirect_after_post(safe_next(request.form.get("next")) or home_url())
