"""A member's conversations in their data export: every message of the conversations they are in (their
own and those they received), and nothing of any conversation they are not in."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import ConversationParticipant, NewConversationDraft, PrivateConversation, PrivateMessage, User
from ...models.user import DELETED_NAME
from ...templating import isotime


def conversations_of(member: User) -> list[dict]:
    places = db.session.scalars(select(ConversationParticipant).options(joinedload(ConversationParticipant.conversation))
                                .where(ConversationParticipant.user_id == member.id)
                                .order_by(ConversationParticipant.conversation_id))
    return [_conversation(place.conversation, place) for place in places]


def new_conversation_draft_of(member: User) -> list[dict]:
    """The conversation the member began writing and has not sent (none or one), as they typed it."""
    return [{"to": d.recipients, "subject": d.subject, "body": d.body, "updated_at": _iso(d.updated_at)}
            for d in db.session.scalars(select(NewConversationDraft).where(NewConversationDraft.user_id == member.id))]


def _conversation(conversation: PrivateConversation, place: ConversationParticipant) -> dict:
    messages = db.session.scalars(select(PrivateMessage).options(joinedload(PrivateMessage.author))
                                  .where(PrivateMessage.conversation_id == conversation.id)
                                  .order_by(PrivateMessage.id))
    return {"id": conversation.id, "subject": conversation.subject, "from_moderators": conversation.from_moderators,
            "joined": _iso(place.joined_at), "left": _iso(place.left_at),
            "unsent_draft": place.draft.body if place.draft else None,
            "messages": [{"id": m.id, "author": DELETED_NAME if m.author.is_deleted else m.author.username,
                          "body": m.body, "written_at": _iso(m.created_at), "edited_at": _iso(m.edited_at),
                          "removal": m.removal} for m in messages]}


def _iso(moment) -> str | None:
    return isotime(moment) if moment else None
