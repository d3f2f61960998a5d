"""Signing in and out (registration: forum/auth/views/registration.py; the settings pages: forum/account)."""

import logging

from flask import flash, redirect, request, url_for

from ...extensions import limiter
from ...htmx import is_fragment_request, redirect_fragment, render
from ...security import safe_next
from ...settings import site_setting
from .. import bp
from ..service import accounts as service
from ..service import devices, two_factor
from ..forms import LoginForm
from ..service.login import begin_second_step, note_signed_out, sign_in, sign_out, signed_out_by
from ..service.names import canonical_username
from ..service.traps import Verdict
from .traps import judge, stamped

FAILED_SIGN_IN = "That username and password do not match. Please try again."
log = logging.getLogger("forum.auth")


def _login_limit() -> str:
    return site_setting("LOGIN_RATE_LIMIT")


def _failed(response) -> bool:
    return response.status_code == 422


def _login_name() -> str:
    return "login:" + canonical_username(request.form.get("username", ""))[:254]


def _from_known_device() -> bool:
    """A browser the account signed in on before is spared the account's limit (not the address's)."""
    return devices.is_known(request.form.get("username", ""))


def _account_limit_reached(_limit) -> None:
    devices.tell_owner(request.form.get("username", ""))


# Every page can tell a browser a sanction signed out why (templates/auth/_signed_out.html in base.html).
bp.before_app_request(note_signed_out)
bp.app_context_processor(lambda: {"signed_out_by": signed_out_by})


@bp.get("/login")
def login_form():
    """Show the sign-in form."""
    form = LoginForm(next=request.args.get("next", ""))
    return render("auth/login.html", form=stamped(form, "sign-in"))


@bp.post("/login")
@limiter.limit(_login_limit, deduct_when=_failed)
@limiter.limit(_login_limit, key_func=_login_name, deduct_when=_failed, exempt_when=_from_known_device,
               on_breach=_account_limit_reached)
def login():
    """Sign a member in; a wrong password and an unknown member get the same answer."""
    form = LoginForm()
    verdict = judge(form, "sign-in")  # bot traps: a filled honeypot is answered as a wrong password
    if form.validate() and verdict is not Verdict.TOO_FAST:
        user = service.authenticate(form.username.data, form.password.data) if verdict is Verdict.OK else None
        if user is not None and user.totp_secret and not two_factor.browser_trusted(user):
            begin_second_step(user, form.remember.data, safe_next(form.next.data))
            return redirect(url_for("auth.second_step_form"))
        if user is not None:
            sign_in(user, remember=form.remember.data)
            flash(f"Signed in as {user.display_name}.", "success")
            response = redirect(safe_next(form.next.data))
            devices.remember(response, user)
            return response
        _log_failure(form.username.data)
        form.password.errors.append(FAILED_SIGN_IN)
    return render("auth/login.html", form=stamped(form, "sign-in"), status=422)


def _log_failure(login: str) -> None:
    """Name the account a failed sign-in was for, never what was typed: that may be an email address,
    or a password typed into the wrong box."""
    if (member := service.find_member(login)) is not None:
        log.info("Failed sign-in: %r (member %s) from %s", member.username, member.id, request.remote_addr)
    else:
        log.info("Failed sign-in: no such member, from %s", request.remote_addr)


@bp.post("/logout")
def logout():
    """Sign out of this browser: its session ends on the server, so no copy of its cookies works."""
    sign_out()
    flash("You are signed out.", "info")
    home = url_for("threads.index")
    return redirect_fragment(home) if is_fragment_request() else redirect(home)
