"""Password reset pages: ask for the address, then set a new password from the mailed link."""

from flask import current_app, flash, redirect, request, url_for

from ...extensions import limiter
from ...htmx import is_fragment_request, redirect_fragment, render, uncached
from ...refusals import FieldError, Refusal, show_on
from ...settings import site_setting
from .. import bp
from ..service import recovery
from ..forms import NewPasswordForm, ResetRequestForm
from ..service.login import sign_in
from ..service.accounts import canonical_email
from ..service.traps import Verdict
from .traps import judge, stamped


def _reset_limit() -> str:
    return site_setting("PASSWORD_RESET_RATE_LIMIT")


def _reset_address() -> str:
    return "reset:" + canonical_email(request.form.get("email", ""))[:254]


def _sent(address: str) -> str:
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    return (f"If an account uses {address}, we have sent it a link to set a new password. "
            f"The link works once, for {minutes} minutes. If nothing arrives, check your spam folder.")


@bp.get("/password/reset")
def reset_request_form():
    """Ask for the email address of the account whose password is forgotten."""
    return render("auth/reset_request.html", "reset_request", form=stamped(ResetRequestForm(), "reset"), sent=None)


@bp.post("/password/reset")
@limiter.limit(_reset_limit)
@limiter.limit(_reset_limit, key_func=_reset_address)
def reset_request():
    """Mail a reset link if an account uses the address; the answer is the same either way."""
    form = ResetRequestForm()
    verdict = judge(form, "reset")  # bot traps: a filled honeypot gets the usual answer and no mail
    if not form.validate() or verdict is Verdict.TOO_FAST:
        return render("auth/reset_request.html", "reset_request", form=stamped(form, "reset"), sent=None,
                      status=422)
    if verdict is Verdict.OK:
        recovery.request_reset(form.email.data)
    if is_fragment_request():
        return render("auth/reset_request.html", "reset_request", form=form, sent=_sent(form.email.data))
    flash(_sent(form.email.data), "info")
    return redirect(url_for("auth.login_form"))


@bp.get("/password/reset/<token>")
def reset_form(token):
    """Ask for the new password, if the link still works."""
    try:
        member = recovery.member_for(token)
    except Refusal as error:  # the link expired, was used, or is garbled
        return _refused(error)
    return uncached(render("auth/reset_password.html", "reset_password", form=NewPasswordForm(),
                           token=token, member=member))


@bp.post("/password/reset/<token>")
def reset_password(token):
    """Set the new password, sign out every other session and sign the member in."""
    try:
        member = recovery.member_for(token)
    except Refusal as error:  # the link expired, was used, or is garbled
        return _refused(error)
    form = NewPasswordForm()
    if not form.validate():
        return _form_again(form, token, member)
    try:
        member = recovery.reset_password(token, form.new_password.data)
    except FieldError as error:  # a password too easy to guess
        show_on(form, error)
        return _form_again(form, token, member)
    except Refusal as error:  # the same link was used a moment ago
        return _refused(error)
    sign_in(member)
    flash("Your new password is set and you are signed in. Any other devices were signed out.", "success")
    home = url_for("threads.index")
    return redirect_fragment(home) if is_fragment_request() else redirect(home)


def _form_again(form: NewPasswordForm, token: str, member):
    return uncached(render("auth/reset_password.html", "reset_password", form=form, token=token,
                           member=member, status=422))


def _refused(error: Refusal):
    return uncached(render("auth/reset_invalid.html", "reset_invalid", message=error.message,
                           status=error.status))
