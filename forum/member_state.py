"""The signed-in member's own state that every page of theirs shows, read in the same statement as the
member (forum/auth's sessions.member_for) instead of a query each:

- whether a sanction of theirs is in force. Nearly always none is: then the notices, the hidden
  controls (policy.notices_for, write_blocker) and the before-write guard (policy.guard_writes) need no
  query of their own; when one is, they read the sanctions themselves, as before;
- for GET requests (the ones that show it), how many notifications and private conversations they have
  unread, and the newest of each: the header's count (notifications.unread_summary) and the
  notifications page's line about unread conversations (notifications.unread_conversations).

It is kept on `g`, so for this request only, and only until the request commits a write: a conversation
read, notifications marked read, a sanction issued by this very request are shown by what it renders
next, which asks afresh. Every other request reads it afresh with the member, so nothing is ever older
than the request. The count's SQL mirrors notifications.unread_summary's (policy.readable_by for a
member: staff also count notifications about removed threads).
"""

from dataclasses import dataclass

from flask import g, has_app_context
from sqlalchemy import DateTime, bindparam, event, exists, func, or_, select
from sqlalchemy.orm import Session

from . import policy
from .models import ConversationParticipant, Notification, Post, PrivateConversation, Sanction, Thread, User

STAFF_ROLES = ("moderator", "admin")  # compared one by one: an IN list is expanded again at every execution
NOW = bindparam("now", type_=DateTime())


@dataclass(frozen=True)
class MemberState:
    member_id: int
    sanctioned: bool
    unread: tuple[int, str] | None  # (count, tag) as notifications.unread_summary gives; None: not read
    conversations: int | None = None  # how many conversations have unread messages; None: not read


def _unread_columns():
    """The unread counts of the member of the outer query (correlated on users.id)."""
    notifications = (select(Notification.id).join(Post, Post.id == Notification.post_id)
                     .join(Thread, Thread.id == Post.thread_id)
                     .where(Notification.user_id == User.id, Notification.read_at.is_(None),
                            or_(Thread.removed_at.is_(None), *(User.role == role for role in STAFF_ROLES))))
    conversations = (select(PrivateConversation.last_message_id).select_from(ConversationParticipant)
                     .join(PrivateConversation, PrivateConversation.id == ConversationParticipant.conversation_id)
                     .where(ConversationParticipant.user_id == User.id, ConversationParticipant.left_at.is_(None),
                            PrivateConversation.last_message_id > ConversationParticipant.last_read_id))
    return [notifications.with_only_columns(func.count()).correlate(User).scalar_subquery(),
            notifications.with_only_columns(func.max(Notification.id)).correlate(User).scalar_subquery(),
            conversations.with_only_columns(func.count()).correlate(User).scalar_subquery(),
            conversations.with_only_columns(func.max(PrivateConversation.last_message_id)).correlate(User)
            .scalar_subquery()]


def columns(with_unread: bool) -> list:
    """The state's columns, to add to a select of User (bind `now` to utcnow() when executing)."""
    sanctioned = exists().where(Sanction.user_id == User.id, policy.in_force(NOW)).correlate(User)
    return [sanctioned] + (_unread_columns() if with_unread else [])


def keep(member_id: int, values) -> None:
    """Note the state read with the member (the values of `columns`, in order) for this request."""
    sanctioned, *counts = values
    unread = conversations = None
    if counts:
        count, newest, conversations, message = counts
        unread = (count + conversations, f"{newest or 0}" + (f".{message}" if message else ""))
    g.member_state = MemberState(member_id, bool(sanctioned), unread, conversations)
    if not sanctioned:
        policy.known_unsanctioned(member_id)


def of(user) -> MemberState | None:
    """The state read with `user` in this request, if it was and nothing has been committed since."""
    state = g.get("member_state")
    return state if state is not None and state.member_id == getattr(user, "id", None) else None


@event.listens_for(Session, "after_commit")
def _forget(_session) -> None:
    """What the request wrote may change its member's state: ask afresh from now on."""
    if has_app_context():
        g.pop("member_state", None)
