"""Where the member is signed in, /settings/sessions: their browsers, and signing them out."""

import logging

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required

from ...auth.service import sessions
from ...auth.service.login import sign_out
from ...htmx import is_fragment_request, redirect_fragment, render
from .. import bp

log = logging.getLogger("forum.auth")  # the same log as signing in and out


@bp.get("/settings/sessions")
@login_required
def session_list():
    """The browsers the member is signed in on, each with a way to sign it out."""
    return render("account/sessions.html", "session_list", sessions=sessions.current_sessions(current_user))


@bp.post("/settings/sessions/<int:session_id>/end")
@login_required
def end_session(session_id):
    """Sign out one of the member's other browsers."""
    if session_id == current_user.login_session_id:
        return _signed_out()
    if not sessions.end(current_user, session_id):
        abort(404, "You have no such session: it may have ended already.")
    log.info("Session %s of member %s ended from session %s", session_id, current_user.id,
             current_user.login_session_id)
    flash("That browser is signed out.", "success")
    return _sessions_answer()


@bp.post("/settings/sessions/end-others")
@login_required
def end_other_sessions():
    """Sign out every browser but this one."""
    ended = sessions.end_others(current_user, current_user.login_session_id)
    log.info("Member %s signed out %s other sessions from session %s", current_user.id, ended,
             current_user.login_session_id)
    flash("Every other browser is signed out." if ended else "You were signed in on no other browser.", "success")
    return _sessions_answer()


@bp.app_template_global("device_label")
def device_label(user_agent: str) -> str:
    """'Firefox on Linux', for the list of sessions."""
    return sessions.device_label(user_agent)


def _sessions_answer():
    if is_fragment_request():  # the pressed button is gone: htmx moves focus to the list (autofocus)
        return render("account/sessions.html", "session_list", sessions=sessions.current_sessions(current_user),
                      changed=True)
    return redirect(url_for("account.session_list"))


def _signed_out():
    """Ending this browser's own session is signing out (as auth.logout does)."""
    sign_out()
    flash("You are signed out.", "info")
    home = url_for("threads.index")
    return redirect_fragment(home) if is_fragment_request() else redirect(home)
