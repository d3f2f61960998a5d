"""The sign-in's second step (/login/code), and giving the password again before a sensitive staff
action (/login/confirm). Turning two-factor sign-in on and off: forum/account/views/two_factor.py."""

import logging

from flask import current_app, flash, make_response, redirect, request, url_for
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block

from ...extensions import limiter
from ...htmx import is_fragment_request, render
from ...security import safe_next
from ...settings import site_setting
from .. import bp
from ..forms import ConfirmPasswordForm, SecondStepForm
from ..service import devices, stale, two_factor
from ..service.login import confirm_password_again, end_second_step, second_step, sign_in
from ..service.passwords import verify_password

log = logging.getLogger("forum.auth")
EXPIRED = "Your sign-in took too long. Please sign in again."


def _limit() -> str:
    return site_setting("LOGIN_RATE_LIMIT")  # a wrong code counts as a wrong password does


def _failed(response) -> bool:
    return response.status_code == 422


def _pending_member_key() -> str:
    pending = second_step()
    return f"code:{pending[0].id}" if pending else "code:none"


def _member_key() -> str:
    return f"confirm:{getattr(current_user, 'id', 'guest')}"


@bp.get("/login/code")
def second_step_form():
    """Ask for the code, once the password was right (and only then)."""
    if second_step() is None:
        flash(EXPIRED, "info")
        return redirect(url_for("auth.login_form"))
    return render("auth/login_code.html", form=SecondStepForm())


@bp.post("/login/code")
@limiter.limit(_limit, deduct_when=_failed)
@limiter.limit(_limit, key_func=_pending_member_key, deduct_when=_failed)
def second_step_submit():
    """Sign in with an app code or a recovery code; each works once."""
    pending = second_step()
    if pending is None:
        end_second_step()
        flash(EXPIRED, "info")
        return redirect(url_for("auth.login_form"))
    member, asked = pending
    form = SecondStepForm()
    if form.validate():
        used = two_factor.verify(member, form.code.data)
        if used is not None:
            sign_in(member, remember=asked.get("remember", False))
            left = two_factor.recovery_codes_left(member) if used == "recovery" else None
            flash(f"Signed in as {member.display_name}.", "success")
            if left is not None:
                log.info("Member %s signed in with a recovery code; %s left", member.id, left)
                flash(f"You used a recovery code: {left} left. Make new ones in your settings if you are running low.",
                      "info")
            response = redirect(safe_next(asked.get("next")))
            devices.remember(response, member)
            if form.trust.data:
                two_factor.trust_browser(response, member)
            return response
        log.info("Failed second step: member %s from %s", member.id, request.remote_addr)
        form.code.errors.append(two_factor.WRONG_CODE)
    return render("auth/login_code.html", form=form, status=422)


@bp.get("/login/confirm")
@login_required
def confirm_password_form():
    """Ask for the password again before a sensitive action."""
    form = ConfirmPasswordForm(next=safe_next(request.args.get("next")))
    return _confirm_page(form)


@bp.post("/login/confirm/form")
@login_required
def confirm_stale_form():
    """A sensitive form sent from a stale page (forwarded here, body and all, by ask_for_password_again): not
    carried out; the password is asked, with what the form carried kept to be sent again afterwards."""
    form = ConfirmPasswordForm(formdata=None, next=safe_next(request.args.get("next"), ""),
                               resend_to=request.args.get("resend_to", ""))
    return _confirm_page(form, stale.kept(request.form), dropped_files=bool(request.files), status=401)


@bp.post("/login/confirm")
@login_required
@limiter.limit(_limit, deduct_when=_failed)
@limiter.limit(_limit, key_func=_member_key, deduct_when=_failed)
def confirm_password():
    """Check the password; then back to the page, or the stale form to send again."""
    form = ConfirmPasswordForm()
    kept, dropped_files = stale.kept_again(request.form), request.form.get("dropped_files") == "1"
    if form.validate():
        if verify_password(current_user.password_hash, form.password.data):
            confirm_password_again()
            log.info("Member %s confirmed their password in session %s", current_user.id, current_user.login_session_id)
            back = safe_next(form.next.data)
            action = stale.resend_target(form.resend_to.data)
            if action is None:
                return redirect(back)
            return render("auth/resend.html", action=action, back=back, kept=kept, dropped_files=dropped_files)
        form.password.errors.append("That is not your password.")
    return _confirm_page(form, kept, dropped_files=dropped_files, status=422)


def _confirm_page(form, kept=(), dropped_files=False, status=200):
    """The page, or with htmx the same in place of the page's main region (the form that was sent may be
    anywhere in it, and the password is asked before anything else happens there)."""
    context = {"form": form, "kept": kept, "dropped_files": dropped_files,
               "minutes": current_app.config["FRESH_SIGN_IN_MINUTES"]}
    if not is_fragment_request():
        return render("auth/confirm_password.html", status=status, **context)
    response = make_response(render_block("auth/confirm_password.html", "content", **context), status)
    response.headers["HX-Retarget"], response.headers["HX-Reswap"] = "#main", "innerHTML"
    return response
