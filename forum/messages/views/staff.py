"""Flagged messages, for staff: the list, and reading one (with the few before it), logged."""

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from ...htmx import render
from ...policy import staff_required
from .. import bp
from ..service import display, moderation


@bp.get("/mod/messages")
@staff_required
def flagged():
    """Private messages that members flagged, waiting for a moderator (not what they say)."""
    return render("messages/flagged.html", flags=moderation.open_flags())


@bp.get("/mod/messages/<int:message_id>")
@staff_required
def read_flagged(message_id):
    """A flagged message and the few before it; reading it is logged. Any other message: 404."""
    message = display.get_message(message_id) or abort(404, "There is no such flagged message.")
    try:
        messages = moderation.read_flagged(message, current_user)
    except LookupError:
        abort(404, "There is no such flagged message.")
    return render("messages/flagged_message.html", message=message, messages=messages,
                  conversation=message.conversation)


@bp.post("/mod/messages/<int:message_id>/resolve")
@staff_required
def resolve(message_id):
    """Mark the flags on this message as seen to."""
    message = display.get_message(message_id) or abort(404, "There is no such flagged message.")
    if not moderation.is_flagged(message.id):
        abort(404, "There is no such flagged message.")
    moderation.resolve(message, current_user)
    flash("The flags on this message are resolved.", "success")
    return redirect(url_for("messages.flagged"), 303)
