"""One message: editing it, deleting it, its earlier versions, and flagging it for the moderators."""

from flask import Response, abort, flash, redirect, request
from flask_login import current_user, login_required

from ...htmx import is_fragment_request, render, render_partial
from ...posts.forms import BODY_MAX
from ...refusals import FieldError, Refusal, show_on
from .. import bp, service
from ..forms import EditMessageForm, MessageFlagForm
from ..service import display, moderation
from .common import own_message_or_404
from .conversation import message_url


def _mine_or_404(message_id):
    message, conversation, place = own_message_or_404(message_id)
    if not service.may_change(current_user, message):
        abort(403, "Only its author may change this message.")
    return message, conversation


@bp.get("/messages/m/<int:message_id>/quote")
@login_required
def quote(message_id):
    """The message (or ?selection= of it) quoted as Markdown, for the script that fills the composer; only
    for the members of its conversation (anyone else: the same 404 as for no message)."""
    message, _, _ = own_message_or_404(message_id)
    if message.is_removed:
        abort(404, "This message was deleted and cannot be quoted.")
    selection = request.args.get("selection", "")[:BODY_MAX]
    return Response(display.quote_of(message, selection), mimetype="text/plain")


@bp.get("/messages/m/<int:message_id>/edit")
@login_required
def edit_form(message_id):
    """The edit form, in place of the message (htmx) or as a page."""
    message, conversation = _mine_or_404(message_id)
    form = EditMessageForm(formdata=None, body=message.body, version=str(message.version))
    return render("messages/edit.html", "edit_form", message=message, conversation=conversation, form=form)


@bp.post("/messages/m/<int:message_id>/edit")
@login_required
def update(message_id):
    """Save the edit; a stale form is told what the message says now, and keeps the edit typed."""
    message, conversation = _mine_or_404(message_id)
    form = EditMessageForm()
    status = 422
    if form.validate():
        try:
            message = service.edit_message(message, current_user, form.body.data, form.expected_version)
        except service.EditConflict as conflict:
            form.body.errors.append("Someone changed this message meanwhile (you, in another tab?). "
                                    "Its text now is shown above; your edit is still here.")
            form.version.data = str(conflict.current.version)
            message, status = conflict.current, 409
        except Refusal as refused:
            show_on(form, FieldError("body", refused.message))
    if form.errors:
        return render("messages/edit.html", "edit_form", status=status,
                      message=message, conversation=conversation, form=form)
    if is_fragment_request():
        return render_partial("messages/_message.html", message=message, conversation=conversation)
    return redirect(message_url(message), 303)


@bp.post("/messages/m/<int:message_id>/delete")
@login_required
def delete(message_id):
    """Delete the message: a placeholder takes its place."""
    message, conversation = _mine_or_404(message_id)
    message = service.delete_message(message, current_user)
    if is_fragment_request():
        return render_partial("messages/_message.html", message=message, conversation=conversation)
    flash("Message deleted.", "success")
    return redirect(message_url(message), 303)


@bp.get("/messages/m/<int:message_id>/history")
@login_required
def history(message_id):
    """The message's earlier versions (for the members of its conversation)."""
    message, conversation, _ = own_message_or_404(message_id)
    if message.is_removed:
        abort(404, "This message was deleted.")
    return render("messages/history.html", message=message, conversation=conversation,
                  versions=display.versions_of(message))


@bp.get("/messages/m/<int:message_id>/flag")
@login_required
def flag_form(message_id):
    """Ask why the message should go to the moderators."""
    message, conversation, _ = own_message_or_404(message_id)
    return render("messages/flag.html", "flag_form", message=message, conversation=conversation,
                  form=MessageFlagForm(formdata=None))


@bp.post("/messages/m/<int:message_id>/flag")
@login_required
def flag(message_id):
    """Flag the message: from now on staff may read it, and the few before it."""
    message, conversation, place = own_message_or_404(message_id)
    form = MessageFlagForm()
    if form.validate():
        try:
            moderation.flag_message(message, current_user, form.reason.data, form.note.data or "")
        except Refusal as refused:
            show_on(form, FieldError("reason", refused.message))
    if form.errors:
        return render("messages/flag.html", "flag_form", status=422, message=message, conversation=conversation,
                      form=form)
    flash("Thank you: the moderators can read this message (and the few before it) now.", "success")
    if is_fragment_request():
        return render("messages/flag.html", "flag_done", message=message, conversation=conversation)
    return redirect(message_url(message), 303)
