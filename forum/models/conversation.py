"""What surrounds posts in a conversation: quotes, revisions, drafts and notifications."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .content import Post
from .user import User

LIKE = "like"  # the kind of reaction the Like button gives


class PostQuote(db.Model):
    """Post `post_id` quotes post `quoted_post_id`: when the quoted post goes, so do its quotes."""

    __tablename__ = "post_quotes"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    quoted_post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True, index=True)


class PostRevision(db.Model):
    """The text a post had before an edit made after the grace period."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    # When this text was written (the post's creation, or the edit that produced it).
    written_at: Mapped[datetime] = mapped_column(default=utcnow)


class Draft(db.Model):
    """A member's half-written reply in a thread, kept until it is posted."""

    __tablename__ = "drafts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ThreadDraft(db.Model):
    """A member's half-written new thread (one at a time), kept until it is posted. The category is
    kept by its slug as typed, not as a key: a category renamed or removed leaves the words alone."""

    __tablename__ = "thread_drafts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    category_slug: Mapped[str] = mapped_column(String(80), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(db.Model):
    """Something a member should hear about (`kind`): a mention, a reply, a quote, a new post in a watched
    thread, or reactions to their post (one notification a post, forum/posts/service/reactions.py)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]  # when it was sent by email (or the member chose email later)

    post: Mapped[Post] = relationship()
    actor: Mapped[User] = relationship(foreign_keys=[actor_id])


class PostReaction(db.Model):
    """One member's reaction to one post: at most one each, so choosing another replaces it. `kind` is
    "like" (the Like button) or a reaction's emoji as the REACTIONS site setting lists it; reactions the
    setting no longer lists keep their emoji, so they are still shown and counted."""

    __tablename__ = "post_reactions"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    kind: Mapped[str] = mapped_column(String(32), default=LIKE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
