"""Reading private conversations: the inbox, a page of messages, who is in it, what a quote says."""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import ConversationParticipant, MessageRevision, PrivateConversation, PrivateMessage, User
from ...pagination import Page

INBOX_PER_PAGE = 25


@dataclass(frozen=True)
class InboxRow:
    conversation: PrivateConversation
    unread: int  # messages after the member's last read one (their own are read when written)
    names: list[str]  # the other members, as the reader sees them


def inbox_total(member: User) -> int:
    return db.session.scalar(select(func.count()).where(
        ConversationParticipant.user_id == member.id, ConversationParticipant.left_at.is_(None)))


def inbox(member: User, page: Page) -> list[InboxRow]:
    """A page of the member's conversations, the latest activity first, with unread counts (two queries)."""
    unread = (select(func.count(PrivateMessage.id)).where(
        PrivateMessage.conversation_id == ConversationParticipant.conversation_id,
        PrivateMessage.id > ConversationParticipant.last_read_id).correlate(ConversationParticipant)
        .scalar_subquery())
    rows = db.session.execute(
        select(PrivateConversation, unread).join(ConversationParticipant, and_(
            ConversationParticipant.conversation_id == PrivateConversation.id,
            ConversationParticipant.user_id == member.id, ConversationParticipant.left_at.is_(None)))
        .order_by(PrivateConversation.last_message_at.desc(), PrivateConversation.id.desc())
        .offset(page.offset).limit(page.per_page)).all()
    others = _others_of([conversation.id for conversation, _ in rows], member)
    return [InboxRow(conversation, count, others.get(conversation.id, [])) for conversation, count in rows]


def _others_of(conversation_ids: list[int], member: User) -> dict[int, list[str]]:
    if not conversation_ids:
        return {}
    query = (select(ConversationParticipant.conversation_id, User).join(User, User.id == ConversationParticipant.user_id)
             .where(ConversationParticipant.conversation_id.in_(conversation_ids), User.id != member.id,
                    ConversationParticipant.left_at.is_(None)).order_by(User.username))
    names: dict[int, list[str]] = {}
    for conversation_id, user in db.session.execute(query):
        names.setdefault(conversation_id, []).append(user.name_seen_by(member))
    return names


def participants(conversation: PrivateConversation) -> list[ConversationParticipant]:
    """Who is in the conversation now, with their member rows (one query)."""
    return list(db.session.scalars(
        select(ConversationParticipant).options(joinedload(ConversationParticipant.member))
        .where(ConversationParticipant.conversation_id == conversation.id, ConversationParticipant.left_at.is_(None))
        .order_by(ConversationParticipant.joined_at, ConversationParticipant.user_id)))


def per_page() -> int:
    return current_app.config["POSTS_PER_PAGE"]


def messages_on(conversation: PrivateConversation, page: Page) -> list[PrivateMessage]:
    return list(db.session.scalars(
        select(PrivateMessage).options(joinedload(PrivateMessage.author))
        .where(PrivateMessage.conversation_id == conversation.id).order_by(PrivateMessage.id)
        .offset(page.offset).limit(page.per_page)))


def messages_after(conversation: PrivateConversation, after: int, limit: int = 50) -> list[PrivateMessage]:
    return list(db.session.scalars(
        select(PrivateMessage).options(joinedload(PrivateMessage.author))
        .where(PrivateMessage.conversation_id == conversation.id, PrivateMessage.id > after)
        .order_by(PrivateMessage.id).limit(limit)))


def get_message(message_id: int) -> PrivateMessage | None:
    return db.session.get(PrivateMessage, message_id, options=[joinedload(PrivateMessage.author)])


def position_of(message: PrivateMessage) -> int:
    return db.session.scalar(select(func.count(PrivateMessage.id)).where(
        PrivateMessage.conversation_id == message.conversation_id, PrivateMessage.id <= message.id))


def quote_of(message: PrivateMessage, viewer) -> str:
    """The Markdown that quotes a message inside its conversation (never a removed one's words)."""
    if message.is_removed:
        return ""
    lines = "\n".join(f"> {line}" if line else ">" for line in message.body.splitlines())
    return f"> **{message.author.name_seen_by(viewer)}** wrote:\n{lines}\n\n"


def versions_of(message: PrivateMessage) -> list[tuple[str, object]]:
    """Every text the message has had, newest first, with when it was written."""
    revisions = db.session.scalars(select(MessageRevision).where(MessageRevision.message_id == message.id)
                                   .order_by(MessageRevision.id.desc()))
    return [(message.body, message.edited_at or message.created_at),
            *((r.body, r.written_at) for r in revisions)]
