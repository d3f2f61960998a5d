"""The inbox, starting a conversation, and who may start one with the member."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ...extensions import db
from ...htmx import is_fragment_request, redirect_fragment, render
from ...limits import limit_conversations
from ...models import User
from ...pagination import requested_page
from ...refusals import Refusal, show_on
from .. import bp, service
from ..forms import MessagesFromForm, NewConversationForm
from ..service import display, drafts


@bp.get("/messages")
@login_required
def index():
    """The member's conversations, the latest activity first, with how many messages are unread."""
    page = requested_page(display.inbox_total(current_user), display.INBOX_PER_PAGE)
    return render("messages/index.html", "inbox", rows=display.inbox(current_user, page), page=page)


@bp.get("/messages/new")
@login_required
def new_form():
    """The form to start a conversation, addressed to ?to= (from a profile or a post's menu), with the
    member's draft if they left one: a link naming other members keeps the draft's words but its own
    recipients, and the note says whom the draft was written to."""
    linked_to = request.args.get("to", "")[:drafts.RECIPIENTS_MAX]
    form = NewConversationForm(formdata=None, to=linked_to,
                               from_moderators=bool(request.args.get("moderators")) and current_user.is_staff)
    draft = drafts.new_conversation_draft_for(current_user)
    readdressed = False
    if draft is not None:
        form.subject.data, form.body.data = draft.subject, draft.body
        if not linked_to.strip():
            form.to.data = draft.recipients
        else:
            readdressed = bool(draft.recipients.strip()) and _names(draft.recipients) != _names(linked_to)
    return render("messages/new.html", "new_form", form=form.keep_key(), draft=draft, readdressed=readdressed)


@bp.post("/messages/new/draft")
@login_required
def save_new_draft():
    """Keep the new conversation's recipients, subject and text server-side (htmx saves them as the member
    types); 204."""
    drafts.save_new_conversation_draft(current_user, request.form.get("to", ""), request.form.get("subject", ""),
                                       request.form.get("body", ""), request.form.get("request_key"))
    return "", 204


def _names(recipients: str) -> set[str]:
    return {name.lstrip("@").lower() for name in recipients.replace(",", " ").split()}


@bp.post("/messages/new")
@login_required
@limit_conversations
def create():
    """Start the conversation: a page goes to it (303); htmx is sent there too."""
    form = NewConversationForm()
    if not form.validate():
        return _refused(form)
    recipients = list(db.session.scalars(select(User).where(User.username.in_(form.usernames),
                                                            User.deleted_at.is_(None))))
    missing = set(form.usernames) - {user.username for user in recipients}
    if missing:
        form.to.errors.append(f"There is no member called {sorted(missing)[0]}.")
        return _refused(form)
    try:
        conversation = service.start_conversation(current_user, recipients, form.subject.data, form.body.data,
                                                  form.request_key.data, form.from_moderators.data)
    except Refusal as refused:
        if not refused.field:
            abort(refused.status, refused.message)
        show_on(form, refused)
        return _refused(form, refused.status)
    location = url_for("messages.show", conversation_id=conversation.id)
    if is_fragment_request():
        return redirect_fragment(location, status=201)
    return redirect(location, 303)


def _refused(form, status=422):
    return render("messages/new.html", "new_form", status=status, form=form.keep_key(), draft=None)


@bp.get("/settings/messages")
@login_required
def settings():
    """Who may start a private conversation with the member."""
    form = MessagesFromForm(formdata=None, messages_from=current_user.messages_from)
    return render("messages/settings.html", "messages_settings", form=form)


@bp.post("/settings/messages")
@login_required
def update_settings():
    """Keep the member's choice of who may message them."""
    form = MessagesFromForm()
    if not form.validate():
        return render("messages/settings.html", "messages_settings", status=422, form=form)
    service.set_messages_from(current_user, form.messages_from.data)
    flash("Saved: who may start a private conversation with you.", "success")
    if is_fragment_request():
        return render("messages/settings.html", "messages_settings", form=form)
    return redirect(url_for("messages.settings"), 303)
