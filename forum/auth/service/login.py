"""Flask-Login hooks, and signing a browser in and out: who is signed in, and what an anonymous
request for a member page gets."""

import logging

from flask import redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ...extensions import login_manager
from ...htmx import is_fragment_request
from ...security import safe_next
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
    begun = sessions.begin(user, request.remote_addr, request.user_agent.string)
    user.login_session_id, user.login_token = begun.record.id, begun.token
    session.clear()
    login_user(user, remember=remember)
    log.info("Sign-in: member %s (@%s), session %s, from %s", user.id, user.username, begun.record.id,
             request.remote_addr)


def sign_out() -> None:
    """End this browser's session on the server, then forget it here (cookies and session alike)."""
    if current_user.is_authenticated:
        member_id, session_id = current_user.id, current_user.login_session_id
        sessions.end(current_user, session_id)
        log.info("Sign-out: member %s, session %s, from %s", member_id, session_id, request.remote_addr)
    session.clear()
    logout_user()  # after clear(): it leaves the note that deletes the remember-me cookie


@login_manager.unauthorized_handler
def unauthorized():
    """A page gets a redirect to sign in; an htmx fragment gets 401 and HX-Redirect (never a swap)."""
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
