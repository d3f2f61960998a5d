"""A member's notifications: mentions of them, replies to and quotes of their posts, reactions to them."""

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from .. import member_state
from ..database import write_transaction
from ..extensions import db
from ..models import ConversationParticipant, Notification, Post, PrivateConversation, Thread
from ..models.base import utcnow
from ..policy import readable_by

WHAT = {"mention": "mentioned you", "reply": "replied to your post", "quote": "quoted your post",
        "watched": "posted in a thread you watch", "reaction": "reacted to your post"}


def unread_summary(user) -> tuple[int, str]:
    """(how many unread, a tag of the newest unread) in one query; (0, "0") for guests. The count
    includes private conversations with unread messages (one each, however many messages).

    The tag (the newest unread notification's id and the newest unread message's) marks the header's
    count for polling: reading them all, then getting a new one, gives a new tag even when the count is
    the same as before."""
    if not getattr(user, "is_authenticated", False):
        return 0, "0"
    if (state := member_state.of(user)) is not None and state.unread is not None:
        return state.unread  # read with the member (forum/member_state.py)
    unread_conversations = (select(ConversationParticipant.conversation_id)
                            .join(PrivateConversation, PrivateConversation.id == ConversationParticipant.conversation_id)
                            .where(ConversationParticipant.user_id == user.id, ConversationParticipant.left_at.is_(None),
                                   PrivateConversation.last_message_id > ConversationParticipant.last_read_id))
    conversations = select(func.count()).select_from(unread_conversations.subquery()).scalar_subquery()
    newest_message = (select(func.max(PrivateConversation.last_message_id))
                      .where(PrivateConversation.id.in_(unread_conversations)).scalar_subquery())
    count, newest, in_conversations, message = db.session.execute(visible_notifications(
        select(func.count(Notification.id), func.max(Notification.id), conversations, newest_message), user
    ).where(Notification.read_at.is_(None))).one()
    return count + in_conversations, f"{newest or 0}" + (f".{message}" if message else "")


def unread_conversations(user) -> int:
    """How many of the member's private conversations have messages they have not read."""
    if (state := member_state.of(user)) is not None and state.conversations is not None:
        return state.conversations  # read with the member (forum/member_state.py)
    return db.session.scalar(select(func.count()).select_from(ConversationParticipant).join(
        PrivateConversation, PrivateConversation.id == ConversationParticipant.conversation_id).where(
        ConversationParticipant.user_id == user.id, ConversationParticipant.left_at.is_(None),
        PrivateConversation.last_message_id > ConversationParticipant.last_read_id))


def recent(user, limit: int = 50) -> list[Notification]:
    """The member's latest notifications with their posts, threads and who acted, newest first."""
    query = (visible_notifications(select(Notification), user)
             .options(joinedload(Notification.actor),
                      joinedload(Notification.post).joinedload(Post.thread).joinedload(Thread.category))
             .order_by(Notification.id.desc()).limit(limit))
    return list(db.session.scalars(query))


def visible_notifications(query, user):
    """The member's notifications about posts in threads they may still read (not removed ones), so
    that the count in the header and the list always agree."""
    return (query.join(Post, Post.id == Notification.post_id).join(Thread, Thread.id == Post.thread_id)
            .where(Notification.user_id == user.id, readable_by(user)))


def mark_all_read(user) -> int:
    with write_transaction(public=False) as session:
        result = session.execute(update(Notification).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    return result.rowcount
