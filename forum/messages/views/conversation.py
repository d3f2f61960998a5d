"""A conversation's page: reading it, the composer, new messages while reading, adding a member, leaving."""

from flask import abort, flash, make_response, redirect, request, url_for
from flask_login import current_user, login_required

from ...htmx import is_fragment_request, known_tag, render, render_partial, uncached
from ...ids import MAX_ID
from ...limits import limit_messages
from ...pagination import Page, page_of_position, requested_page
from ...policy import WriteRefused
from ...refusals import FieldError, Refusal, show_on
from .. import bp, service
from ..forms import AddMemberForm, MessageForm
from ..service import display, drafts
from .common import own_message_or_404, readable_or_404

MAX_APPENDED = 50


def render_conversation(conversation, place, form=None, status=200, page=None, add_form=None):
    """The conversation's page (its last page unless ?page= says otherwise), marking what it shows read."""
    total = conversation.message_count
    if page is None:
        page = (requested_page(total, display.per_page()) if "page" in request.args
                else Page.last(total, display.per_page()))
    messages = display.messages_on(conversation, page)
    draft = drafts.draft_for(current_user, conversation, place)
    if form is None:
        form = MessageForm.fresh(_with_quote(draft.body if draft else ""))
    if place is not None and messages and messages[-1].id > place.last_read_id:
        service.mark_read(conversation, current_user, messages[-1].id)
    return render("messages/show.html", "composer", status=status, conversation=conversation, place=place,
                  messages=messages, page=page, form=form, add_form=add_form or AddMemberForm(formdata=None),
                  members=display.participants(conversation), draft=draft,
                  bodies=display.bodies_for(messages, current_user))


def _with_quote(text: str) -> str:
    """The composer's text (the member's draft) with ?quote= added after it."""
    quote = _quoted_text()
    if not quote:
        return text
    return f"{text.rstrip()}\n\n{quote}" if text.strip() else quote


def _quoted_text() -> str:
    """?quote=<message id>: the composer starts with that message quoted (it must be in this conversation)."""
    quoted = request.args.get("quote", type=int)
    if not quoted or quoted > MAX_ID:
        return ""
    message = display.get_message(quoted)
    if message is None or message.conversation_id != request.view_args["conversation_id"]:
        return ""
    return display.quote_of(message)


@bp.get("/messages/<int:conversation_id>")
@login_required
def show(conversation_id):
    """A conversation: its messages, oldest first, paged, with the composer under the last page."""
    conversation, place = readable_or_404(conversation_id)
    return render_conversation(conversation, place)


@bp.post("/messages/<int:conversation_id>/reply")
@login_required
@limit_messages
def reply(conversation_id):
    """Send a message: htmx appends it and clears the composer (201); a page goes to it (303)."""
    conversation, place = readable_or_404(conversation_id)
    form = MessageForm()
    if not form.validate():
        return _refused(conversation, place, form)
    earlier = service.sent_with(current_user, form.request_key.data)
    try:
        message = earlier or service.add_message(conversation, current_user, form.body.data, form.request_key.data)
    except (Refusal, WriteRefused) as refused:
        show_on(form, FieldError("body", refused.message))
        return _refused(conversation, place, form, refused.status)
    if not is_fragment_request():
        return redirect(message_url(message), 303)
    if earlier:
        return render("messages/show.html", "composer", conversation=conversation, form=MessageForm.fresh())
    return render_partial("messages/created.html", status=201, conversation=conversation, message=message,
                          form=MessageForm.fresh())


def _refused(conversation, place, form, status=422):
    form.keep_key()
    if is_fragment_request():
        return render("messages/show.html", "composer", status=status, conversation=conversation, form=form)
    return render_conversation(conversation, place, form=form, status=status)


def message_url(message) -> str:
    page = page_of_position(display.position_of(message), display.per_page())
    return url_for("messages.show", conversation_id=message.conversation_id, page=page if page > 1 else None,
                   _anchor=f"m{message.id}")


@bp.post("/messages/<int:conversation_id>/draft")
@login_required
def save_draft(conversation_id):
    """Keep the composer's text server-side (htmx saves it as the member types); 204."""
    conversation, _ = readable_or_404(conversation_id)
    drafts.save_draft(current_user, conversation, request.form.get("body", ""))
    return "", 204


@bp.get("/messages/m/<int:message_id>")
@login_required
def permalink(message_id):
    """A message's permalink: to its page of its conversation, at the message."""
    message, _, _ = own_message_or_404(message_id)
    return redirect(message_url(message))


@bp.get("/messages/<int:conversation_id>/new-messages")
@login_required
def new_messages(conversation_id):
    """The "N new messages — show" button, or 304 while nothing was written since the page's last message."""
    conversation, place = readable_or_404(conversation_id)
    if not is_fragment_request():
        return redirect(url_for("messages.show", conversation_id=conversation.id))
    tag = str(conversation.last_message_id)
    if known_tag() == tag:
        return uncached(make_response("", 304))
    after = min(request.args.get("after", 0, type=int), MAX_ID)
    fresh = [m for m in display.messages_after(conversation, after, MAX_APPENDED) if m.author_id != current_user.id]
    response = render_partial("messages/_new_messages.html", conversation=conversation, after=after,
                              count=len(fresh))
    response.headers["HX-PTag"] = tag
    return uncached(response)


@bp.get("/messages/<int:conversation_id>/newer")
@login_required
def messages_after(conversation_id):
    """The messages written after ?after=, to append to the page (a page: the conversation's last page)."""
    conversation, place = readable_or_404(conversation_id)
    if not is_fragment_request():
        return redirect(url_for("messages.show", conversation_id=conversation.id))
    after = min(max(request.args.get("after", 0, type=int), 0), MAX_ID)
    messages = display.messages_after(conversation, after, MAX_APPENDED)
    if place is not None and messages:
        service.mark_read(conversation, current_user, messages[-1].id)
    newest = messages[-1].id if messages else after
    return render_partial("messages/_appended.html", conversation=conversation, messages=messages, after=newest,
                          bodies=display.bodies_for(messages, current_user))


@bp.post("/messages/<int:conversation_id>/members")
@login_required
def add_member(conversation_id):
    """Bring another member into the conversation."""
    conversation, place = readable_or_404(conversation_id)
    form = AddMemberForm()
    member = service.member_named(form.username.data) if form.validate() else None
    if form.validate() and member is None:
        form.username.errors.append(f"There is no member called {form.username.data.strip()}.")
    if member is not None:
        try:
            service.add_member(conversation, current_user, member)
        except (Refusal, WriteRefused) as refused:
            show_on(form, FieldError("username", refused.message))
    if form.errors:
        return render_conversation(conversation, place, status=422, add_form=form)
    flash(f"{member.username} is in the conversation now.", "success")
    return redirect(url_for("messages.show", conversation_id=conversation.id), 303)


@bp.post("/messages/<int:conversation_id>/leave")
@login_required
def leave(conversation_id):
    """Leave the conversation: it goes from the member's inbox."""
    conversation, place = readable_or_404(conversation_id)
    if place is None:
        abort(404, "You are not in this conversation.")
    service.leave(conversation, current_user)
    flash("You left the conversation.", "success")
    return redirect(url_for("messages.index"), 303)
