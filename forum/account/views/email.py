"""Email settings: how a member hears of notifications by email (the unsubscribe link is notifications'),
and changing the account's address (confirmed at the new address before it replaces the old)."""

from flask import current_app, flash, redirect, url_for
from flask_login import current_user, login_required

from ...extensions import limiter
from ...htmx import is_fragment_request, render, uncached
from ...notifications import mail as notification_mail
from ...refusals import FieldError, Refusal, show_on
from .. import bp
from .. import service
from ..forms import ChangeEmailForm, EmailSettingsForm


def _page(form=None, address_form=None, status=200, block=None):
    form = form or EmailSettingsForm(email_notifications=current_user.email_notifications)
    return render("account/email.html", block, form=form,
                  address_form=address_form or ChangeEmailForm(formdata=None), status=status)


@bp.get("/settings/email")
@login_required
def email_settings():
    """Show the member's notification email choice, and the form to change the address."""
    return _page(block="email_settings_form")


@bp.post("/settings/email")
@login_required
def update_email_settings():
    """Save the member's notification email choice."""
    form = EmailSettingsForm()
    if not form.validate():
        return _page(form=form, status=422, block="email_settings_form")
    notification_mail.set_choice(current_user, form.email_notifications.data)
    flash(f"Notification email: {notification_mail.CHOICES[form.email_notifications.data]}.", "success")
    if is_fragment_request():
        return _page(form=form, block="email_settings_form")
    return redirect(url_for("account.email_settings"))


def _change_limit() -> str:
    return current_app.config["EMAIL_CHANGE_RATE_LIMIT"]


def _member_key() -> str:
    return f"email-change:{current_user.id}"


@bp.post("/settings/email/address")
@login_required
@limiter.limit(_change_limit, key_func=_member_key)
def change_email():
    """Mail the new address a link that moves the account there; the answer is the same whether it is free."""
    form = ChangeEmailForm()
    if form.validate():
        try:
            service.request_email_change(current_user, form.email.data, form.password.data)
        except FieldError as error:
            show_on(form, error)
        else:
            flash(f"We have sent a link to {form.email.data.strip()}. Your account keeps its current address "
                  f"until you open it; it works for {service.email_change_hours()} hours.", "info")
            return redirect(url_for("account.email_settings"))
    return _page(address_form=form, status=422)


@bp.get("/settings/email/confirm/<token>")
def confirm_email_change_form(token):
    """Ask to confirm the new address (a GET changes nothing: mail scanners open links too)."""
    try:
        member, new = service.email_change_for(token)
    except Refusal as error:
        return _refused(error)
    return uncached(render("account/email_confirm.html", member=member, new=new, token=token, message=None))


@bp.post("/settings/email/confirm/<token>")
def confirm_email_change(token):
    """Move the account to the new address and tell the old one."""
    try:
        member = service.confirm_email_change(token)
    except Refusal as error:
        return _refused(error)
    flash(f"Your account now uses {member.email}. We told your old address.", "success")
    if current_user.is_authenticated and current_user.id == member.id:
        return redirect(url_for("account.email_settings"))
    return redirect(url_for("auth.login_form"))


def _refused(error: Refusal):
    return uncached(render("account/email_confirm.html", message=error.message, status=error.status))
