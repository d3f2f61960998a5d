"""Account pages: sign in, sign out, settings (registration: forum/auth/registration.py)."""

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import limiter
from ..htmx import render
from ..security import safe_next
from . import bp, service
from .forms import LoginForm, PasswordForm, ProfileForm
from .names import canonical_username

FAILED_SIGN_IN = "That username and password do not match. Please try again."


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _failed(response) -> bool:
    return response.status_code == 422


def _login_name() -> str:
    return "login:" + canonical_username(request.form.get("username", ""))[:254]


@bp.get("/login")
def login_form():
    """Show the sign-in form."""
    form = LoginForm(next=request.args.get("next", ""))
    return render("auth/login.html", form=form)


@bp.post("/login")
@limiter.limit(_login_limit, deduct_when=_failed)
@limiter.limit(_login_limit, key_func=_login_name, deduct_when=_failed)
def login():
    """Sign a member in; a wrong password and an unknown member get the same answer."""
    form = LoginForm()
    if form.validate():
        user = service.authenticate(form.username.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            flash(f"Signed in as {user.display_name}.", "success")
            return redirect(safe_next(form.next.data))
        form.password.errors.append(FAILED_SIGN_IN)
    return render("auth/login.html", form=form, status=422)


@bp.post("/logout")
def logout():
    """Sign out of this browser."""
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("threads.index"))


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
        except service.AccountError as error:
            getattr(form, error.field).errors.append(error.message)
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
        except service.AccountError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            login_user(user, remember=remembered)
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("auth.settings"))
    return render("auth/settings.html", form=form, profile=_profile_form(), status=422)
