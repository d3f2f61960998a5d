"""Signing in and out (registration: forum/auth/views/registration.py; the settings pages: forum/account)."""

import logging

from flask import current_app, flash, redirect, request, url_for

from ...extensions import limiter
from ...htmx import is_fragment_request, redirect_fragment, render
from ...security import safe_next
from .. import bp
from ..service import accounts as service
from ..service import devices
from ..forms import LoginForm
from ..service.login import sign_in, sign_out
from ..service.names import canonical_username
from ..service.traps import Verdict
from .traps import judge, stamped

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
        if user is not None:
            sign_in(user, remember=form.remember.data)
            flash(f"Signed in as {user.display_name}.", "success")
            response = redirect(safe_next(form.next.data))
            devices.remember(response, user)
            return response
        log.info("Failed sign-in: %r from %s", _login_name()[len("login:"):][:40], request.remote_addr)
        form.password.errors.append(FAILED_SIGN_IN)
    return render("auth/login.html", form=stamped(form, "sign-in"), status=422)


@bp.post("/logout")
def logout():
    """Sign out of this browser: its session ends on the server, so no copy of its cookies works."""
    sign_out()
    flash("You are signed out.", "info")
    home = url_for("threads.index")
    return redirect_fragment(home) if is_fragment_request() else redirect(home)
