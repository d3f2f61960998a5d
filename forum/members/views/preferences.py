"""Watching or muting a thread, and ignoring a member: the controls and the list of ignored members."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from ...htmx import is_fragment_request, render_partial
from ...refusals import Refusal
from ...security import safe_next
from ...threads.service import get_thread
from .. import bp
from ..service import preferences
from ..service import profiles as service

SAID = {
    "normal": "Back to normal: you are told of mentions, replies and quotes in this thread.",
    "watching": "Watching: you are told of every new post in this thread.",
    "muted": "Muted: nothing in this thread notifies you any more.",
}


@bp.post("/t/<int:thread_id>/subscription")
@login_required
def subscription(thread_id):
    """Watch, mute or go back to normal for a thread: the fragment is the control, a page goes back."""
    thread = get_thread(thread_id, current_user) or abort(404, "There is no such thread.")
    level = request.form.get("level", "")
    if level not in preferences.WATCH_LEVELS:
        abort(400, "Choose Normal, Watching or Muted.")
    preferences.set_watch_level(current_user, thread, level)
    flash(SAID[level], "success")
    if is_fragment_request():
        return render_partial("threads/_watch.html", thread=thread, level=level)
    default = url_for("threads.show", thread_id=thread.id, slug=thread.slug)
    return redirect(safe_next(request.form.get("next"), default))


@bp.post("/u/<username>/ignore")
@login_required
def ignore(username):
    """Ignore a member: their posts collapse for you and they no longer notify you."""
    member = service.active_member(username) or abort(404, "There is no member with that name.")
    try:
        preferences.ignore(current_user, member)
    except Refusal as refused:
        abort(refused.status, refused.message)
    flash(f"You now ignore {member.name_seen_by(current_user)}.", "success")
    return _ignore_answer(member, ignoring=True)


@bp.post("/u/<username>/unignore")
@login_required
def unignore(username):
    """Stop ignoring a member."""
    member = service.active_member(username) or abort(404, "There is no member with that name.")
    preferences.unignore(current_user, member)
    flash(f"You no longer ignore {member.name_seen_by(current_user)}.", "success")
    return _ignore_answer(member, ignoring=False)


def _ignore_answer(member, ignoring: bool):
    """The member's ignore control (fragment), or back where the form was (page)."""
    back = safe_next(request.form.get("next"), url_for("members.profile", username=member.username))
    if is_fragment_request():
        return render_partial("members/_ignore.html", member=member, ignoring=ignoring, back=back)
    return redirect(back)


@bp.app_template_global("reader_ignores")
def reader_ignores(member) -> bool:
    """Whether the signed-in reader ignores `member`, for the profile's ignore control."""
    return preferences.ignores(current_user, member)
