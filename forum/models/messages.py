"""Private conversations: a few members talking apart from the threads, and nobody else reading."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .content import placeholder_text
from .user import User

# Who a member takes new conversations from (users.messages_from): everyone, members of at least that
# trust level (forum/trust.py), or staff only. Staff may always write: a quiet word before a warning.
MESSAGES_FROM = {"everyone": "Everyone", "member": "Members (not new members)",
                 "regular": "Regulars only", "staff": "Only the forum's staff"}


class PrivateConversation(db.Model):
    __tablename__ = "private_conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(150))
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Kept in step by the messages service, so the inbox never counts rows.
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_id: Mapped[int] = mapped_column(default=0)
    message_count: Mapped[int] = mapped_column(default=0)
    # Started by staff from the sanction form or the review queue: every member of staff may read it.
    from_moderators: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The member a conversation from the moderators is about (listed on their standing page for staff).
    about_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    started_by: Mapped[User] = relationship(foreign_keys=[started_by_id])

    def __repr__(self) -> str:
        return f"<PrivateConversation {self.id}>"


class ConversationParticipant(db.Model):
    """A member in a conversation: what they have read, and whether they left it."""

    __tablename__ = "conversation_participants"
    # The inbox: a member's conversations, the latest activity first, read from the index.
    __table_args__ = (Index("ix_conversation_participants_inbox", "user_id", "left_at"),)

    conversation_id: Mapped[int] = mapped_column(ForeignKey("private_conversations.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]
    # The newest message they have seen; messages after it are unread.
    last_read_id: Mapped[int] = mapped_column(default=0)
    # The newest message the notification mail told them of: each is mailed at most once.
    mailed_id: Mapped[int] = mapped_column(default=0)

    conversation: Mapped[PrivateConversation] = relationship()
    member: Mapped[User] = relationship()
    # Loaded with the row (one query): the conversation page asks for the member's place anyway.
    draft: Mapped["MessageDraft | None"] = relationship(
        lazy="joined", viewonly=True,
        primaryjoin="and_(MessageDraft.conversation_id == ConversationParticipant.conversation_id, "
                    "MessageDraft.user_id == ConversationParticipant.user_id)",
        foreign_keys="[MessageDraft.conversation_id, MessageDraft.user_id]")


class MessageDraft(db.Model):
    """A member's half-written message in a conversation, kept until it is sent (as a reply's Draft is)."""

    __tablename__ = "message_drafts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("private_conversations.id"), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NewConversationDraft(db.Model):
    """A member's half-written new conversation (one at a time), kept until it is sent, as a new thread's
    ThreadDraft is. The recipients are kept as typed, not as keys: a member renamed or gone leaves the words alone."""

    __tablename__ = "new_conversation_drafts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    recipients: Mapped[str] = mapped_column(String(400), default="")
    subject: Mapped[str] = mapped_column(String(150), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PrivateMessage(db.Model):
    __tablename__ = "private_messages"
    __table_args__ = (
        Index("ix_private_messages_conversation_order", "conversation_id", "id"),
        # A form carries a one-time key, so a double click or a retried submission cannot send twice.
        UniqueConstraint("author_id", "request_key", name="uq_private_messages_author_request_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("private_conversations.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    # Rendered once when written, as posts are (forum/posts/service/render.py).
    body_html: Mapped[str] = mapped_column(Text)
    render_version: Mapped[int] = mapped_column(default=1)
    links_allowed: Mapped[bool] = mapped_column(default=True)
    request_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]
    removal: Mapped[str | None] = mapped_column(String(16))  # "author" (deleted, or the account was)
    # The ban ("remove all posts") that marked this message as from a banned member: the recipients
    # keep it, and lifting the ban takes the mark away.
    banned_by_sanction_id: Mapped[int | None] = mapped_column(ForeignKey("sanctions.id"))
    version: Mapped[int] = mapped_column(default=1)

    conversation: Mapped[PrivateConversation] = relationship()
    author: Mapped[User] = relationship()

    @property
    def is_removed(self) -> bool:
        return self.removal is not None

    @property
    def placeholder(self) -> str | None:
        text = placeholder_text(self.removal)
        return text and text.replace("post", "message")

    def __repr__(self) -> str:
        return f"<PrivateMessage {self.id} in conversation {self.conversation_id}>"


class MessageRevision(db.Model):
    """The text a message had before an edit made after the grace period."""

    __tablename__ = "message_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("private_messages.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(default=utcnow)


class MessageFlag(db.Model):
    """A participant shows a message to the moderators: only a flagged message (and the few before it)
    is ever readable by staff who are not in the conversation."""

    __tablename__ = "message_flags"
    __table_args__ = (UniqueConstraint("message_id", "user_id", name="uq_message_flags_message_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("private_messages.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)

    message: Mapped[PrivateMessage] = relationship()
    flagger: Mapped[User] = relationship()
