"""Account pages: sign in, sign out, settings (registration: forum/auth/views/registration.py)."""

import logging

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from ...extensions import limiter
from ...htmx import is_fragment_request, redirect_fragment, render
from ...refusals import FieldError, show_on
from ...security import safe_next
from .. import bp
from ..service import accounts as service
from ..service import devices, sessions
from ..forms import LoginForm, PasswordForm, ProfileForm
from ..service.login import sign_in, sign_out
from ..service.names import canonical_username

FAILED_SIGN_IN = "That username and password do not match. Please try again."
log = logging.getLogger("forum.auth")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _failed(response) -> bool:
    return response.status_code == 422


def _login_name() -> str:
    return "login:" + canonical_username(request.form.get("username", ""))[:254]


def _from_known_device() -> bool:
    """A browser the account signed in on before is spared the account's limit (not the address's)."""
    return devices.is_known(request.form.get("username", ""))


def _account_limit_reached(_limit) -> None:
    devices.tell_owner(request.form.get("username", ""))


@bp.get("/login")
def login_form():
    """Show the sign-in form."""
    form = LoginForm(next=request.args.get("next", ""))
    return render("auth/login.html", form=form)


@bp.post("/login")
@limiter.limit(_login_limit, deduct_when=_failed)
@limiter.limit(_login_limit, key_func=_login_name, deduct_when=_failed, exempt_when=_from_known_device,
               on_breach=_account_limit_reached)
def login():
    """Sign a member in; a wrong password and an unknown member get the same answer."""
    form = LoginForm()
    if form.validate():
        user = service.authenticate(form.username.data, form.password.data)
        if user is not None:
            sign_in(user, remember=form.remember.data)
            flash(f"Signed in as {user.display_name}.", "success")
            response = redirect(safe_next(form.next.data))
            devices.remember(response, user)
            return response
        log.info("Failed sign-in: %r from %s", _login_name()[len("login:"):][:40], request.remote_addr)
        form.password.errors.append(FAILED_SIGN_IN)
    return render("auth/login.html", form=form, status=422)


@bp.post("/logout")
def logout():
    """Sign out of this browser: its session ends on the server, so no copy of its cookies works."""
    sign_out()
    flash("You are signed out.", "info")
    home = url_for("threads.index")
    return redirect_fragment(home) if is_fragment_request() else redirect(home)


@bp.get("/settings")
@login_required
def settings():
    """Show the member's settings."""
    return render("auth/settings.html", form=PasswordForm(), profile=_profile_form())


def _profile_form(formdata=None):
    return ProfileForm(formdata=formdata, display_name=current_user.display_name,
                       name_style=current_user.name_style)


@bp.post("/settings/profile")
@login_required
def update_profile():
    """Change the display name and how it is shown."""
    form = ProfileForm()
    if form.validate():
        try:
            service.update_profile(current_user, form.display_name.data, form.name_style.data)
        except FieldError as error:
            show_on(form, error)
        else:
            flash("Your name is updated.", "success")
            return redirect(url_for("auth.settings"))
    return render("auth/settings.html", form=PasswordForm(formdata=None), profile=form, status=422)


@bp.post("/settings/password")
@login_required
def change_password():
    """Change the password and sign out every other session."""
    form = PasswordForm()
    if form.validate():
        try:
            user = service.change_password(current_user, form.current_password.data, form.new_password.data)
        except FieldError as error:
            show_on(form, error)
        else:
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            sign_in(user, remember=remembered)
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("auth.settings"))
    return render("auth/settings.html", form=form, profile=_profile_form(), status=422)


@bp.get("/settings/sessions")
@login_required
def session_list():
    """The browsers the member is signed in on, each with a way to sign it out."""
    return render("auth/sessions.html", "session_list", sessions=sessions.current_sessions(current_user))


@bp.post("/settings/sessions/<int:session_id>/end")
@login_required
def end_session(session_id):
    """Sign out one of the member's other browsers."""
    if session_id == current_user.login_session_id:
        return logout()
    if not sessions.end(current_user, session_id):
        abort(404, "You have no such session: it may have ended already.")
    log.info("Session %s of member %s ended from session %s", session_id, current_user.id,
             current_user.login_session_id)
    flash("That browser is signed out.", "success")
    return _sessions_answer()


@bp.post("/settings/sessions/end-others")
@login_required
def end_other_sessions():
    """Sign out every browser but this one."""
    ended = sessions.end_others(current_user, current_user.login_session_id)
    log.info("Member %s signed out %s other sessions from session %s", current_user.id, ended,
             current_user.login_session_id)
    flash("Every other browser is signed out." if ended else "You were signed in on no other browser.", "success")
    return _sessions_answer()


@bp.app_template_global("device_label")
def device_label(user_agent: str) -> str:
    """'Firefox on Linux', for the list of sessions."""
    return sessions.device_label(user_agent)


def _sessions_answer():
    if is_fragment_request():
        return render("auth/sessions.html", "session_list", sessions=sessions.current_sessions(current_user))
    return redirect(url_for("auth.session_list"))
