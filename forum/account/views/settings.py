"""The settings page, /settings: the password, and the way to every other settings page."""

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from ...auth.service import accounts
from ...auth.service.login import sign_in
from ...htmx import render
from ...refusals import FieldError, show_on
from .. import bp
from ..forms import PasswordForm


@bp.get("/settings")
@login_required
def settings():
    """Show the member's settings."""
    return render("account/settings.html", form=PasswordForm())


@bp.post("/settings/password")
@login_required
def change_password():
    """Change the password and sign out every other session."""
    form = PasswordForm()
    if form.validate():
        try:
            user = accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        except FieldError as error:
            show_on(form, error)
        else:
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            sign_in(user, remember=remembered)
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("account.settings"))
    return render("account/settings.html", form=form, status=422)
