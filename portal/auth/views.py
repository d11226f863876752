"""Thin account views: build the form and hand it to the action wrapper (portal/web/actions.py),
which owns the transaction."""
from __future__ import annotations

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from ..assisted.services import unseen_count
from ..communities.services import memberships_of
from ..extensions import limiter
from ..queue.landing import landing_url
from ..web.actions import Done, act
from ..web.display import current_modes
from ..web.errors import PortalError, render_error
from ..web.forms import ButtonForm
from ..web.security import safe_next
from . import devices, services, throttle
from .blueprint import begin_session, bp
from .forms import LoginForm, PasswordForm, ProfileForm, RegisterForm


def _registrations_per_address() -> str:
    return current_app.config["REGISTRATIONS_PER_ADDRESS"]


def _too_many_registrations(_limit):
    body, status = render_error(429, _("Too many registrations were sent from this connection. Please wait an hour "
                                       "and try again, or ask your committee for help."))
    return make_response(body, status)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_registrations_per_address, methods=["POST"], on_breach=_too_many_registrations,
               deduct_when=lambda response: response.status_code == 303)
def register():
    """Registration never tells whether a name or mobile number is taken (issue 19, finding 6):
    every well-formed registration ends on the sign-in page with the same words, and only a new
    name makes an account. Counted per client address when it got that far (REGISTRATIONS_PER_ADDRESS)."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    # No one-time token: it needs a signed-in sender, and a second account of the same name is
    # never made (the second send gets the same answer and makes nothing).
    form = RegisterForm()

    def run():
        # What the visitor chose before registering (language, large text, contrast) carries over.
        modes = current_modes()
        chosen = request.cookies.get("lang")
        services.request_registration(form.username.data, form.display_name.data, form.password.data,
                                      locale=chosen if chosen in current_app.config["LANGUAGES"] else None,
                                      large=modes["large"], contrast=modes["contrast"],
                                      remote_addr=request.remote_addr)
        return Done(url_for("auth.login"), _("Your registration was received. Sign in with the user name or mobile "
                                             "number and the password you chose, then ask to join your community."))

    return act(form, run, lambda: render_template("auth/register.html", form=form))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"), "")

    def page(error=None):
        return render_template("auth/login.html", form=form, error=error)

    addr = request.remote_addr or ""  # the client's own behind TRUSTED_PROXIES proxies (create_app)
    login_name = services.normalise_login(form.login.data) if request.method == "POST" else ""
    # A browser that signed in to this account before counts its failures on its own bucket.
    device = devices.device_for(request.cookies.get(devices.COOKIE), login_name)
    if request.method == "POST" and form.validate_on_submit():
        wait = throttle.blocked_for(login_name, device, addr)
        if wait:  # even the right password waits; nothing is tried
            services.record_security_event("login_throttled", login=login_name, remote_addr=addr)
            minutes = max(1, (wait + 59) // 60)
            return page(ngettext("Too many failed attempts. Please wait %(num)d minute and try again, "
                                 "or ask your committee for help.",
                                 "Too many failed attempts. Please wait %(num)d minutes and try again, "
                                 "or ask your committee for help.", minutes)), 429

    def run():
        user = services.check_credentials(login_name, form.password.data)
        if user is None:
            throttle.note_failure(login_name, device, addr)
            # Kept although the form's transaction is rolled back: its own transaction.
            services.record_security_event("login_failed", login=login_name, remote_addr=addr)
            raise PortalError(_("The user name or password is not correct."))
        throttle.forgive(login_name, device)
        services.log_security("login", user=user, remote_addr=addr)
        begin_session(user)
        _assisted_notice(user)
        target = form.next.data
        # An explicit safe `next` wins; otherwise the person's own place (portal/queue/landing.py).
        return Done(target if target and safe_next(target, "/") == target else landing_url(user))

    return act(form, run, page)


def _assisted_notice(user) -> None:
    """At sign-in, tell the person what the committee recorded with them since they last looked."""
    n = unseen_count(user)
    if n:
        flash(ngettext("The committee recorded %(num)d action with you. Your community page shows it under "
                       "'Recorded with me'.", "The committee recorded %(num)d actions with you. Your community page "
                       "shows them under 'Recorded with me'.", n), "info")


@bp.post("/logout")
def logout():
    def run():
        if current_user.is_authenticated:
            services.end_session(current_user.session_token)
            services.log_security("logout", user=current_user, remote_addr=request.remote_addr)
            logout_user()
        session.clear()
        return Done(url_for("main.home"), _("You have signed out."))

    return act(ButtonForm(), run, lambda: render_template("auth/login.html", form=LoginForm(formdata=None)))


@bp.get("/account")
@login_required
def account():
    return render_template("auth/account.html", memberships=memberships_of(current_user))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()

    def run():
        user = current_user._get_current_object()
        token = services.change_password(user, form.current.data, form.new.data, request.remote_addr)
        session.clear()  # every other session has ended; this one goes on with the fresh token
        user.session_token = token
        login_user(user)
        return Done(url_for("auth.account"), _("Your password has been changed. You have been signed out everywhere "
                                               "else."))

    return act(form, run, lambda: render_template("auth/password.html", form=form))


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

    def run():
        services.update_profile(user, form.display_name.data, form.locale.data, form.large.data, form.contrast.data,
                                form.easy.data)
        return Done(url_for("auth.profile"), _("Your settings have been saved."))

    return act(form, run, lambda: render_template("auth/profile.html", form=form))
