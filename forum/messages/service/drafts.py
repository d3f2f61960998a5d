"""Half-written messages, kept server-side per member and conversation until they are sent, as a
reply's draft is (forum/posts/service/drafts.py): the composer saves as the member types. The form that
starts a conversation keeps one draft a member, as "Start a thread" does (forum/threads/service/drafts.py)."""

from sqlalchemy.exc import IntegrityError

from ...database import write_transaction
from ...extensions import db
from ...models import MessageDraft, NewConversationDraft, PrivateConversation, User
from ...models.base import utcnow
from ...posts.forms import BODY_MAX
from . import SUBJECT_MAX, sent_with

RECIPIENTS_MAX = 400  # as the form's To field allows


def draft_for(member: User, conversation: PrivateConversation, place) -> MessageDraft | None:
    """The member's draft in the conversation: loaded with their place in it (no query of its own), or
    looked up for staff answering a conversation from the moderators that they are not in yet."""
    if place is not None:
        return place.draft
    return db.session.get(MessageDraft, (member.id, conversation.id))


def save_draft(member: User, conversation: PrivateConversation, body: str) -> None:
    """Keep the text typed so far; an empty composer forgets the draft."""
    body = body[:BODY_MAX]
    try:
        _write_draft(member, conversation, body)
    except IntegrityError:  # two saves of a new draft raced (the composer's timer and its last keystrokes):
        _write_draft(member, conversation, body)  # the other one made the row; this writes over it


def _write_draft(member: User, conversation: PrivateConversation, body: str) -> None:
    with write_transaction(public=False) as session:
        draft = session.get(MessageDraft, (member.id, conversation.id))
        if not body.strip():
            if draft is not None:
                session.delete(draft)
            return
        if draft is None:
            draft = MessageDraft(user_id=member.id, conversation_id=conversation.id, body=body)
            session.add(draft)
        draft.body, draft.updated_at = body, utcnow()


def new_conversation_draft_for(member: User) -> NewConversationDraft | None:
    return db.session.get(NewConversationDraft, member.id)


def save_new_conversation_draft(member: User, recipients: str, subject: str, body: str,
                                request_key: str | None = None) -> None:
    """Keep what the new conversation's form holds so far (the recipients as typed); an empty subject and
    text forget the draft. A save from a form already sent (its key started a conversation: the last
    autosave arriving after Send) keeps nothing, or the sent words would come back as a draft."""
    if sent_with(member, request_key) is not None:
        return
    recipients, subject = (recipients or "")[:RECIPIENTS_MAX], (subject or "")[:SUBJECT_MAX]
    body = (body or "")[:BODY_MAX]
    try:
        _write_new_conversation_draft(member, recipients, subject, body)
    except IntegrityError:  # two saves of a new draft raced: the other one made the row; this writes over it
        _write_new_conversation_draft(member, recipients, subject, body)


def _write_new_conversation_draft(member: User, recipients: str, subject: str, body: str) -> None:
    with write_transaction(public=False) as session:
        draft = session.get(NewConversationDraft, member.id)
        if not subject.strip() and not body.strip():
            if draft is not None:
                session.delete(draft)
            return
        if draft is None:
            draft = NewConversationDraft(user_id=member.id)
            session.add(draft)
        draft.recipients, draft.subject, draft.body, draft.updated_at = recipients, subject, body, utcnow()
