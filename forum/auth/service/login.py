"""Flask-Login hooks, and signing a browser in and out: who is signed in, and what an anonymous
request for a member page gets."""

import functools
import hashlib
import logging
import re
import time
from datetime import timedelta

from flask import current_app, g, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_login.utils import decode_cookie
from sqlalchemy import select

from ...extensions import db, login_manager
from ... import page_cache
from ...htmx import is_fragment_request
from ...models import LoginSession, Sanction, User
from ...models.base import utcnow
from ...security import safe_next
from ...database import write_transaction
from . import sessions

log = logging.getLogger("forum.auth")

login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(login_id: str):
    return sessions.member_for(login_id)


def sign_in(user, remember: bool = False) -> None:
    """Begin a server-side session for `user` in this browser, from an empty session: nothing the
    browser held before signing in (its CSRF secret included) carries over."""
    sessions.forget(browser_token())  # a notice this browser was keeping is read: it signs in now
    begun = sessions.begin(user, request.remote_addr, request.user_agent.string)
    user.login_session_id, user.login_token = begun.record.id, begun.token
    session.clear()
    login_user(user, remember=remember)
    log.info("Sign-in: member %s (@%s), session %s, from %s", user.id, user.username, begun.record.id,
             request.remote_addr)


# The half-way state between a right password and the second step. It is not a session: nothing but
# the code page reads it (current_user stays anonymous everywhere), it names the member's session
# token (a ban or a new password in between voids it) and it lasts SECOND_STEP_SECONDS.
SECOND_STEP_KEY = "second_step"
SECOND_STEP_SECONDS = 300


def _generation(user) -> str:
    return hashlib.sha256(user.session_token.encode()).hexdigest()[:32]


def begin_second_step(user, remember: bool, next_url: str) -> None:
    """The password was right and the member has two-factor sign-in on: remember, in this browser's
    signed session cookie only, whom the code page is for. The browser is signed in to nothing."""
    if current_user.is_authenticated:
        sign_out()
    session.clear()
    session[SECOND_STEP_KEY] = {"member": user.id, "generation": _generation(user), "remember": bool(remember),
                                "next": next_url, "at": int(time.time())}


def second_step() -> tuple[User, dict] | None:
    """The member the code page is for, and what the password form asked (remember, next); None
    when there is no such half-way state, it expired, or the member's session token changed."""
    pending = session.get(SECOND_STEP_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > SECOND_STEP_SECONDS:
        return None
    member = db.session.get(User, pending.get("member"))
    if member is None or member.is_deleted or not member.totp_secret or pending.get("generation") != _generation(member):
        return None
    return member, pending


def end_second_step() -> None:
    session.pop(SECOND_STEP_KEY, None)


def is_fresh() -> bool:
    """Whether this session gave the password within FRESH_SIGN_IN_MINUTES."""
    if not current_user.is_authenticated:
        return False
    confirmed = db.session.scalar(select(LoginSession.confirmed_at).where(
        LoginSession.id == current_user.login_session_id))
    window = timedelta(minutes=max(1, current_app.config["FRESH_SIGN_IN_MINUTES"]))  # 0 would ask forever
    return confirmed is not None and utcnow() - confirmed <= window


def confirm_password_again() -> None:
    """The member gave their password again in this session: sensitive actions are open once more."""
    with write_transaction(public=False) as write:
        record = write.get(LoginSession, current_user.login_session_id)
        if record is not None:
            record.confirmed_at = utcnow()


def ask_for_password_again():
    """The answer to a sensitive request from a session whose password is not recent: the page that
    asks for it (auth.confirm_password), then back to the page the request came from. A form sent
    from a stale page is not carried out: the browser is sent on with it, as it was (307 keeps the
    method and the body), to auth.confirm_stale_form, which asks for the password and keeps what was
    typed, so that the member can send it again with one button once the password is given."""
    if request.method == "POST":
        back = safe_next(_path_of(request.referrer or ""), "")
        return redirect(url_for("auth.confirm_stale_form", next=back or None,
                                resend_to=request.full_path.rstrip("?")), 307)
    target = url_for("auth.confirm_password_form", next=safe_next(request.full_path.rstrip("?")))
    if is_fragment_request():
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def fresh_sign_in_required(view):
    """For sensitive staff actions: only from a session that gave the password within
    FRESH_SIGN_IN_MINUTES (else ask_for_password_again). Put it after the role check."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated and not is_fresh():
            return ask_for_password_again()
        return view(*args, **kwargs)
    return wrapper


def sign_out() -> None:
    """End this browser's session on the server, then forget it here (cookies and session alike)."""
    if current_user.is_authenticated:
        member_id, session_id = current_user.id, current_user.login_session_id
        sessions.end(current_user, session_id)
        log.info("Sign-out: member %s, session %s, from %s", member_id, session_id, request.remote_addr)
    else:
        sessions.forget(browser_token())  # "forget this notice": the row that kept it goes too
    session.clear()
    logout_user()  # after clear(): it leaves the note that deletes the remember-me cookie


def browser_token() -> str | None:
    """The login id this browser's cookies carry (the session's, else the remember-me cookie's, whose
    signature is checked), whether or not it still signs anyone in."""
    token = session.get("_user_id")
    if token is None:
        cookie = request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
        token = decode_cookie(cookie) if cookie else None
    return token if isinstance(token, str) else None


def signed_out_by() -> Sanction | None:
    """The suspension or ban that signed this browser out, for the notice it is shown; None for a
    signed-in member, for a guest, and for any cookie but the ended session's own (sessions.ended_by)."""
    if "signed_out_by" not in g:
        g.signed_out_by = None
        if not current_user.is_authenticated and (token := browser_token()):
            g.signed_out_by = sessions.ended_by(token)
    return g.signed_out_by


def note_signed_out() -> None:
    """Before each request: a browser told why it was signed out is no guest, so its pages are not
    the guests' cached ones (and none of them is kept for guests)."""
    if signed_out_by() is not None:
        page_cache.keep_private()


def signed_out_answer(status: int = 401):
    """What a write from a browser a sanction signed out gets: the notice, never the sign-in page in
    its place. A fragment puts the notice in the page's flow just above the form that was sent (htmx's
    HX-Source names the element; else at the top of the page), swaps nothing else (the composer keeps its
    text), and turns the header's account links into a guest's; a page shows the notice with the
    text that was sent."""
    sanction = signed_out_by()
    if is_fragment_request():
        tag, _, source_id = request.headers.get("HX-Source", "").partition("#")
        if tag in ("form", "button", "input", "textarea", "select"):
            place = ("closest form", "beforebegin")  # above the whole form, not between a label and its box
        elif re.fullmatch(r"[A-Za-z][\w-]*", source_id):
            place = (f"#{source_id}", "beforebegin")
        else:
            place = ("#main", "afterbegin")
        # focus (and so scroll to) the notice when the member pressed something; a draft saved in the
        # background while they type must not take the caret away from the box
        html = render_template("auth/_signed_out_in_place.html", sanction=sanction, place=place,
                               focus_heading=tag in ("form", "button"),
                               sign_in_next=notice_return_path() or None)
        response = make_response(html, status)
        response.headers["HX-Reswap"] = "none"
        return response
    typed = request.form.get("body", "") if request.method == "POST" else ""
    return make_response(render_template("auth/signed_out.html", sanction=sanction, typed=typed), status)


def notice_return_path() -> str:
    """The page the member is reading, for the notice's "forget" form to come back to: this page for
    a GET, the htmx tab's page for a fragment, the referring page for a form sent without JavaScript
    ('' when unknown)."""
    if request.method == "GET" and not is_fragment_request():
        return request.full_path.rstrip("?")
    if is_fragment_request():
        return _path_of(request.headers.get("HX-Current-URL", ""))
    return _path_of(request.referrer or "")


@login_manager.unauthorized_handler
def unauthorized():
    """A page gets a redirect to sign in; an htmx fragment gets 401 and HX-Redirect (never a swap).
    A browser a suspension or ban signed out is told so instead, where it is (signed_out_answer)."""
    if signed_out_by() is not None and (request.method != "GET" or is_fragment_request()):
        return signed_out_answer()
    if is_fragment_request():
        came_from = _path_of(request.headers.get("HX-Current-URL", ""))
        response = redirect(url_for("auth.login", next=safe_next(came_from)))
        response.status_code = 401
        response.headers["HX-Redirect"] = response.headers.pop("Location")
        return response
    came_from = request.full_path if request.method == "GET" else _path_of(request.referrer or "")
    return redirect(url_for("auth.login", next=safe_next(came_from.rstrip("?"))))


def _path_of(url: str) -> str:
    """The path and query of a same-site URL ('' otherwise)."""
    host = request.host_url.rstrip("/")
    if url.startswith(host + "/"):
        return url[len(host):]
    return ""
