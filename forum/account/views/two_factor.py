"""Two-factor sign-in, /settings/two-factor: set it up with an authenticator app (a QR code and the
key), see how many recovery codes are left and make new ones, turn it off. Staff the site requires it
of are sent here until they set it up (require_two_factor)."""

import logging

from flask import flash, redirect, request, session, url_for
from flask_login import current_user, login_required

from ...auth.service import two_factor
from ...htmx import is_fragment_request, redirect_fragment, render
from ...refusals import FieldError, show_on
from .. import bp
from ..forms import TwoFactorCodeForm, TwoFactorPasswordForm

log = logging.getLogger("forum.auth")
SETUP_KEY = "two_factor_setup"  # the secret being set up, in the signed session cookie until confirmed
# Where a member the site requires two-factor sign-in of may still go before setting it up.
OPEN_WHILE_MISSING = {"account.two_factor", "auth.login_form", "account.two_factor_enable", "auth.logout", "static", "serving.static",
                      "auth.confirm_password_form", "auth.confirm_password"}


def _page(status=200, code_form=None, disable_form=None, codes_form=None, recovery_codes=None):
    enabled = bool(current_user.totp_secret)
    context = {"enabled": enabled, "required": two_factor.required_of(current_user),
               "recovery_codes": recovery_codes, "code_form": code_form or TwoFactorCodeForm(),
               "disable_form": disable_form or TwoFactorPasswordForm(prefix="disable"),
               "codes_form": codes_form or TwoFactorPasswordForm(prefix="codes")}
    if enabled:
        context["codes_left"] = two_factor.recovery_codes_left(current_user)
    else:
        secret = session.get(SETUP_KEY)
        if not isinstance(secret, str) or len(secret) != 32:
            secret = session[SETUP_KEY] = two_factor.new_secret()
        uri = two_factor.setup_uri(current_user, secret)
        context.update(key=two_factor.key_for_display(secret), qr_code=two_factor.qr_code(uri))
    return render("account/two_factor.html", status=status, **context)


@bp.get("/settings/two-factor", endpoint="two_factor")
@login_required
def two_factor_page():
    """Whether it is on; the way to set it up (a QR code and the key) or to manage it."""
    return _page()


@bp.post("/settings/two-factor/enable")
@login_required
def two_factor_enable():
    """Turn it on once the app shows a right code for the key; show the recovery codes, once."""
    form = TwoFactorCodeForm()
    secret = session.get(SETUP_KEY)
    if current_user.totp_secret:
        return redirect(url_for("account.two_factor"))
    if form.validate() and isinstance(secret, str):
        try:
            codes = two_factor.enable(current_user, secret, form.code.data)
        except FieldError as error:
            show_on(form, error)
        else:
            session.pop(SETUP_KEY, None)
            log.info("Member %s turned two-factor sign-in on", current_user.id)
            flash("Two-factor sign-in is on.", "success")
            current_user.totp_secret = secret  # for this page; the row is saved
            return _page(recovery_codes=codes)
    return _page(status=422, code_form=form)


@bp.post("/settings/two-factor/recovery-codes")
@login_required
def two_factor_new_codes():
    form = TwoFactorPasswordForm(prefix="codes")
    if form.validate():
        try:
            codes = two_factor.replace_recovery_codes(current_user, form.password.data)
        except FieldError as error:
            show_on(form, error)
        else:
            log.info("Member %s made new recovery codes", current_user.id)
            flash("New recovery codes are made; the old ones no longer work.", "success")
            return _page(recovery_codes=codes)
    return _page(status=422, codes_form=form)


@bp.post("/settings/two-factor/disable")
@login_required
def two_factor_disable():
    form = TwoFactorPasswordForm(prefix="disable")
    if form.validate():
        try:
            two_factor.disable(current_user, form.password.data)
        except FieldError as error:
            show_on(form, error)
        else:
            log.info("Member %s turned two-factor sign-in off", current_user.id)
            flash("Two-factor sign-in is off.", "success")
            return redirect(url_for("account.two_factor"))
    return _page(status=422, disable_form=form)


@bp.before_app_request
def require_two_factor():
    """A member the site requires two-factor sign-in of, without it, is sent to set it up: every page
    but this one (and signing out) redirects here, with a notice saying why."""
    if not current_user.is_authenticated or not two_factor.missing_for(current_user):
        return None
    if request.endpoint in OPEN_WHILE_MISSING or request.endpoint is None:
        return None
    flash("Your role requires two-factor sign-in. Set it up to go on.", "info")
    target = url_for("account.two_factor")
    return redirect_fragment(target) if is_fragment_request() else redirect(target)
