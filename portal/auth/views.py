"""Thin account views: parse, call the service, commit, render."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from ..web.display import current_modes
from ..web.errors import PortalError
from ..extensions import db, login_manager
from ..web.security import safe_next
from . import services, throttle
from .forms import LoginForm, PasswordForm, ProfileForm, RegisterForm

bp = Blueprint("auth", __name__)


@login_manager.unauthorized_handler
def _unauthorized():
    flash(_("Please sign in to continue."), "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else request.path
    return redirect(url_for("auth.login", next=target), code=303)


@login_manager.user_loader
def _load_user(token: str):
    return services.load_session_user(token, current_app.config["SESSION_IDLE_DAYS"])


def begin_session(user) -> None:
    """Sign `user` in on a fresh session (used by login, registration and login cards)."""
    session.clear()  # a new session id at every login (no fixation)
    services.start_session(user)
    db.session.commit()
    login_user(user)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        try:
            # What the visitor chose before registering (language, large text, contrast) carries over.
            modes = current_modes()
            chosen = request.cookies.get("lang")
            user = services.register_user(form.username.data, form.display_name.data, form.password.data,
                                          locale=chosen if chosen in current_app.config["LANGUAGES"] else None)
            services.update_profile(user, user.display_name, user.locale, modes["large"], modes["contrast"])
            begin_session(user)
            flash(_("Welcome, %(name)s. Your account is ready: choose your community to ask to join.",
                    name=user.display_name), "success")
            return redirect(url_for("main.home"), code=303)
        except PortalError as exc:
            db.session.rollback()
            form.username.errors.append(exc.message)
            status = 400
    elif request.method == "POST":
        status = 400
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"), "")
    status = 200
    error = None
    if form.validate_on_submit():
        login_name = services.normalise_login(form.login.data)
        addr = request.remote_addr or ""
        wait = throttle.blocked_for(login_name, addr)
        if wait:
            services.log_security("login_throttled", login=login_name, remote_addr=addr)
            db.session.commit()
            minutes = max(1, (wait + 59) // 60)
            error = ngettext("Too many failed attempts. Please wait %(num)d minute and try again, "
                             "or ask your committee for help.",
                             "Too many failed attempts. Please wait %(num)d minutes and try again, "
                             "or ask your committee for help.", minutes)
            return render_template("auth/login.html", form=form, error=error), 429
        user = services.check_credentials(login_name, form.password.data)
        if user is None:
            throttle.note_failure(login_name, addr)
            services.log_security("login_failed", login=login_name, remote_addr=addr)
            db.session.commit()
            error = _("The user name or password is not correct.")
            status = 400
        else:
            throttle.clear_account(login_name)
            services.log_security("login", user=user, remote_addr=addr)
            begin_session(user)
            _assisted_notice(user)
            return redirect(safe_next(form.next.data, url_for("main.home")), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, error=error), status


def _assisted_notice(user) -> None:
    """At sign-in, tell the person what the committee recorded with them since they last looked."""
    from ..assisted.services import unseen_count

    n = unseen_count(user)
    if n:
        flash(ngettext("The committee recorded %(num)d action with you. Your community page shows it under "
                       "'Recorded with me'.", "The committee recorded %(num)d actions with you. Your community page "
                       "shows them under 'Recorded with me'.", n), "info")


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.end_session(current_user.session_token)
        services.log_security("logout", user=current_user, remote_addr=request.remote_addr)
        db.session.commit()
        logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("main.home"), code=303)


@bp.get("/account")
@login_required
def account():
    from ..communities.services import memberships_of

    return render_template("auth/account.html", memberships=memberships_of(current_user))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = current_user._get_current_object()
            services.change_password(user, form.current.data, form.new.data, request.remote_addr)
            token = user.session_token
            db.session.commit()
            session.clear()
            user.session_token = token
            login_user(user)
            flash(_("Your password has been changed. You have been signed out everywhere else."), "success")
            return redirect(url_for("auth.account"), code=303)
        except PortalError as exc:
            db.session.rollback()
            form.current.errors.append(exc.message)
            status = 400
    elif request.method == "POST":
        status = 400
    return render_template("auth/password.html", form=form), status


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=None)
    if request.method == "GET":
        form.display_name.data = user.display_name
        form.locale.data = user.locale or ""
        form.large.data = user.display_large
        form.contrast.data = user.display_contrast
        form.easy.data = user.display_easy
    if form.validate_on_submit():
        services.update_profile(user, form.display_name.data, form.locale.data, form.large.data, form.contrast.data,
                                form.easy.data)
        db.session.commit()
        flash(_("Your settings have been saved."), "success")
        return redirect(url_for("auth.profile"), code=303)
    return render_template("auth/profile.html", form=form), (400 if request.method == "POST" else 200)
