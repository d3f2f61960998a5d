"""Signing in and out (registration: forum/auth/views/registration.py; the settings pages: forum/account)."""

import logging

from flask import flash, make_response, redirect, request, url_for

from ...extensions import limiter
from ...htmx import flash_region, is_fragment_request, redirect_fragment, render
from ...security import safe_next
from ...settings import site_setting
from .. import bp
from ..service import accounts as service
from ..service import devices, sso, two_factor
from ..forms import LoginForm
from ..service.login import begin_second_step, note_signed_out, notice_return_path, sign_in, sign_out, signed_out_by
from ..service.names import canonical_username
from ..service.traps import Verdict
from .traps import judge, stamped

PASSWORDS_OFF = ("Signing in with a password is off here, except for staff: sign in with your publisher's "
                 "account instead.")
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
bp.add_app_template_global(signed_out_by, "signed_out_by")  # globals, not a context processor run every render
bp.add_app_template_global(notice_return_path, "notice_return_path")


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
        if user is not None and not sso.may_use_password(user):
            log.info("Password sign-in refused to member %s: PASSWORD_ACCOUNTS is off", user.id)
            form.password.errors.append(PASSWORDS_OFF)
            return render("auth/login.html", form=stamped(form, "sign-in"), status=403)
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


@bp.post("/signed-out/forget")
def forget_notice():
    """"Forget this notice on this browser": the notice a sanction's sign-out left goes. With htmx it
    is removed in place (every copy on the page) and nothing else changes, so a composer keeps its
    text; without, the member comes back to the page they were reading. A signed-in member has no
    such notice: nothing happens to their session here."""
    if signed_out_by() is not None:
        sign_out()  # not signed in: forgets the ended session's row and this browser's cookies
    message = [("info", "Notice removed. This browser will not show it again.")]
    if is_fragment_request():
        html = ('<hx-partial hx-target=".signed-out" hx-swap="delete"></hx-partial>'
                '<hx-partial hx-target="#signed-out-in-place" hx-swap="delete"></hx-partial>')
        return make_response(html + flash_region(message))
    flash(*reversed(message[0]))
    return redirect(safe_next(request.form.get("next")))
