"""Email settings: how a member hears of notifications by email (the unsubscribe link is notifications')."""

from flask import flash, redirect, url_for
from flask_login import current_user, login_required

from ...htmx import is_fragment_request, render
from ...notifications import mail as notification_mail
from .. import bp
from ..forms import EmailSettingsForm


@bp.get("/settings/email")
@login_required
def email_settings():
    """Show the member's notification email choice."""
    form = EmailSettingsForm(email_notifications=current_user.email_notifications)
    return render("account/email.html", "email_settings_form", form=form)


@bp.post("/settings/email")
@login_required
def update_email_settings():
    """Save the member's notification email choice."""
    form = EmailSettingsForm()
    if not form.validate():
        return render("account/email.html", "email_settings_form", form=form, status=422)
    notification_mail.set_choice(current_user, form.email_notifications.data)
    flash(f"Notification email: {notification_mail.CHOICES[form.email_notifications.data]}.", "success")
    if is_fragment_request():
        return render("account/email.html", "email_settings_form", form=form)
    return redirect(url_for("account.email_settings"))
