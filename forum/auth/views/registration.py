"""Registration pages: the form, "check your email", and the mailed link that creates the account."""

import functools

from flask import flash, redirect, request, url_for

from ...extensions import limiter
from ...htmx import render, uncached
from ...limits import UNSOLVED_SCOPE, limit_registrations
from ...refusals import FieldError, Refusal, show_on
from ...security import safe_next
from ...settings import site_setting
from .. import bp
from ..service import invites, signup, sso, traps
from ..forms import FinishRegistrationForm, RegisterForm
from ..service.login import sign_in
from ..service.accounts import canonical_email
from ..service.traps import Verdict
from .traps import judge, refuse, stamped


def _register_limit() -> str:
    return site_setting("REGISTER_RATE_LIMIT")


def _register_address() -> str:
    return "register:" + canonical_email(request.form.get("email", ""))[:254]


def _mailed(response) -> bool:
    return response.status_code == 302


def _unsolved_limit() -> str:
    return site_setting("REGISTER_UNSOLVED_RATE_LIMIT")


def _challenge_solved() -> bool:
    """Registrations with a solved puzzle are spared the tighter limit of those without (JavaScript off)."""
    return traps.solved(request.form.get("challenge"))


def _sent(address: str) -> str:
    return (f"We have sent a message to {address}. Open the link in it to finish creating your account; "
            f"it works for {signup.link_hours()} hours. If nothing arrives, check your spam folder.")


def while_open(view):
    """Registration's pages answer "closed" (403) while an admin has closed registration: a link
    mailed before then no longer makes an account either. While registration is by invitation, the
    form needs a good invitation (?invite= or the form's hidden field); the mailed link is checked
    when the account is made (the invitation is spent then)."""
    @functools.wraps(view)
    def when_open(*args, **kwargs):
        if site_setting("REGISTRATION_MODE") == "closed" or not sso.password_accounts():
            return uncached(render("auth/register_closed.html", invite_only=False, status=403))
        if invites.invite_only() and request.endpoint in ("auth.register_form", "auth.register"):
            token = request.values.get("invite", "")
            if not token:
                return uncached(render("auth/register_closed.html", invite_only=True, status=403))
            try:
                invites.check(token)
            except Refusal as error:
                return _refused(error)
        return view(*args, **kwargs)
    return when_open


def _inviter():
    """Who sent the invitation the registration came with, if it is still good (for the form's greeting)."""
    try:
        return invites.check(request.values.get("invite", "")).inviter
    except Refusal:
        return None


@bp.get("/register")
@while_open
def register_form():
    """Show the registration form."""
    form = RegisterForm(next=request.args.get("next", ""), invite=request.args.get("invite", "")[:100])
    return _form(form)


def _form(form, status=200):
    form.challenge.data = ""  # every page gets a fresh puzzle for the script to solve
    if not signup.confirmation_required():
        form.email.description = "Never shown to other members."
    return render("auth/register.html", form=stamped(form, "register"), challenge=traps.new_challenge(),
                  inviter=_inviter() if form.invite.data else None, status=status)


@bp.post("/register")
@while_open
@limit_registrations
@limiter.limit(_register_limit, key_func=_register_address, deduct_when=_mailed)
@limiter.limit(_unsolved_limit, exempt_when=_challenge_solved, deduct_when=_mailed, scope=UNSOLVED_SCOPE)
def register():
    """Mail the address a link to finish; the answer is the same whether it has an account or not.

    The bot traps come first (forum/auth/service/traps.py): a filled honeypot gets the answer a
    person gets and no mail; a form sent too fast, or with a puzzle solution that fails, comes back
    with a message and what was typed.
    """
    form = RegisterForm()
    valid = form.validate()
    verdict = judge(form, "register")
    if verdict is Verdict.BOT and valid:
        return _as_if_made(form)
    if valid and verdict is Verdict.OK and not traps.unsolved(request.form) \
            and not traps.use_solution(form.challenge.data):
        refuse(form, "register", Verdict.CHALLENGE_FAILED)
        verdict = Verdict.CHALLENGE_FAILED
    if valid and verdict is Verdict.OK and not signup.confirmation_required():
        return _create_at_once(form)
    if valid and verdict is Verdict.OK:
        try:
            signup.start(_pending(form), remote_addr=request.remote_addr)
        except FieldError as error:
            show_on(form, error)
        else:
            flash(_sent(form.email.data.strip()), "info")
            return redirect(url_for("auth.register_sent"))
    return _form(form, status=422)


def _as_if_made(form):
    """A honeypot bot's answer: the one a person sending this form would get, with nothing done. With
    EMAIL_CONFIRMATION on, "check your email" and no mail; off, the refusal a person would get for what was
    typed, or the welcome and the redirect a new member gets, with no account made and no sign-in."""
    if signup.confirmation_required():
        flash(_sent(form.email.data.strip()), "info")
        return redirect(url_for("auth.register_sent"))
    if not form.password.data:
        form.password.errors.append("Choose a password.")
        return _form(form, status=422)
    pending = _pending(form)
    try:
        display_name = signup.rehearse_at_once(pending, form.password.data)
    except FieldError as error:
        show_on(form, error)
        return _form(form, status=422)
    flash(_welcome(display_name), "success")
    return redirect(safe_next(pending.next))


def _pending(form) -> signup.Pending:
    return signup.Pending(form.username.data, form.display_name.data, form.email.data, form.name_style.data,
                          form.next.data or "", form.invite.data or "")


def _welcome(display_name: str) -> str:
    return f"Welcome, {display_name}! Your account is ready and you are signed in."


def _create_at_once(form):
    """EMAIL_CONFIRMATION off: the account is made from this form and its member signed in."""
    if not form.password.data:
        form.password.errors.append("Choose a password.")
        return _form(form, status=422)
    pending = _pending(form)
    try:
        user = signup.create_at_once(pending, form.password.data, remote_addr=request.remote_addr)
    except FieldError as error:
        show_on(form, error)
        return _form(form, status=422)
    except Refusal as error:  # the invitation was spent or expired meanwhile
        return _refused(error)
    sign_in(user)
    flash(_welcome(user.display_name), "success")
    return redirect(safe_next(pending.next))


@bp.get("/register/sent")
def register_sent():
    """Say that the link to finish is on its way."""
    return render("auth/register_sent.html")


@bp.get("/register/finish/<token>")
@while_open
def finish_registration_form(token):
    """Ask for the new account's password, if the mailed link still works."""
    try:
        pending = signup.pending_for(token)
        if invites.invite_only():  # say now, not after the password, that the invitation is spent or expired
            invites.check(pending.invite)
    except Refusal as error:  # the link expired, was used, or is garbled
        return _refused(error)
    form = FinishRegistrationForm(username=pending.username)
    return uncached(render("auth/register_finish.html", form=form, pending=pending, token=token))


@bp.post("/register/finish/<token>")
@while_open
def finish_registration(token):
    """Create the account from the mailed link and sign the new member in."""
    try:
        pending = signup.pending_for(token)
    except Refusal as error:  # the link expired, was used, or is garbled
        return _refused(error)
    form = FinishRegistrationForm()
    if form.validate():
        try:
            user = signup.finish(pending, form.username.data, form.password.data, request.remote_addr)
        except FieldError as error:
            show_on(form, error)
        except Refusal as error:  # the address was taken or blocked since the mail
            return _refused(error)
        else:
            sign_in(user)
            flash(f"Welcome, {user.display_name}! Your account is ready and you are signed in.", "success")
            return redirect(safe_next(pending.next))
    return uncached(render("auth/register_finish.html", form=form, pending=pending, token=token, status=422))


def _refused(error: Refusal):
    return uncached(render("auth/register_invalid.html", message=error.message, status=error.status))
