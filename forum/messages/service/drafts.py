"""Half-written messages, kept server-side per member and conversation until they are sent, as a
reply's draft is (forum/posts/service/drafts.py): the composer saves as the member types."""

from sqlalchemy.exc import IntegrityError

from ...database import write_transaction
from ...extensions import db
from ...models import MessageDraft, PrivateConversation, User
from ...models.base import utcnow
from ...posts.forms import BODY_MAX


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
