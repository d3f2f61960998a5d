"""Email settings: how a member hears of notifications by email, and the unsubscribe link in each mail."""

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required

from ...htmx import is_fragment_request, render
from .. import bp, notification_mail
from ..forms import EmailSettingsForm

BAD_LINK = ("This unsubscribe link is not valid. Check that you copied all of it, "
            "or sign in and change your email settings.")


@bp.get("/settings/email")
@login_required
def email_settings():
    """Show the member's notification email choice."""
    form = EmailSettingsForm(email_notifications=current_user.email_notifications)
    return render("members/email_settings.html", "email_settings_form", form=form)


@bp.post("/settings/email")
@login_required
def update_email_settings():
    """Save the member's notification email choice."""
    form = EmailSettingsForm()
    if not form.validate():
        return render("members/email_settings.html", "email_settings_form", form=form, status=422)
    notification_mail.set_choice(current_user, form.email_notifications.data)
    flash(f"Notification email: {notification_mail.CHOICES[form.email_notifications.data]}.", "success")
    if is_fragment_request():
        return render("members/email_settings.html", "email_settings_form", form=form)
    return redirect(url_for("members.email_settings"))


@bp.get("/email/unsubscribe/<token>")
def unsubscribe_form(token):
    """Ask to confirm turning notification email off (the link in each mail; no sign-in needed)."""
    member = notification_mail.member_for_unsubscribe(token) or abort(400, BAD_LINK)
    return render("members/unsubscribe.html", "unsubscribe_box", member=member, token=token)


@bp.post("/email/unsubscribe/<token>")
def unsubscribe(token):
    """Turn notification email off for the member the link was sent to."""
    member = notification_mail.member_for_unsubscribe(token) or abort(400, BAD_LINK)
    member = notification_mail.set_choice(member, "off")
    flash("Notification email is off. You will get no more of it.", "success")
    if is_fragment_request():
        return render("members/unsubscribe.html", "unsubscribe_box", member=member, token=token)
    return redirect(url_for("members.unsubscribe_form", token=token))
