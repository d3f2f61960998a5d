"""Categories, threads and posts."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .user import User

# Why a post no longer shows its text; each has its own placeholder.
REMOVAL_KINDS = ("author", "moderator", "banned", "flagged", "spam")


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)
    # Guests see only that it exists: its threads, posts and feeds are for signed-in members.
    members_only: Mapped[bool] = mapped_column(default=False, server_default=false())

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Thread(db.Model):
    __tablename__ = "threads"
    # The order of thread lists (pinned first, then latest activity), read straight from an index.
    __table_args__ = (Index("ix_threads_category_activity", "category_id", "pinned", "last_post_at", "id"),
                      Index("ix_threads_activity", "pinned", "last_post_at", "id"),
                      # How many threads a list shows (policy.listed_count), without reading their rows. Like
                      # posts' ix_posts_author_shown: partial on SQLite, removed_at carried on PostgreSQL.
                      Index("ix_threads_category_shown", "category_id", sqlite_where=text("removed_at IS NULL"),
                            postgresql_include=["removed_at"]))

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(150))
    slug: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Kept in step by the posts service, so pages never count rows to paginate.
    post_count: Mapped[int] = mapped_column(default=0)
    locked: Mapped[bool] = mapped_column(default=False)
    pinned: Mapped[bool] = mapped_column(default=False)
    removed_at: Mapped[datetime | None]
    # The silence for spam that removed this thread with its author's posts; lifting it brings them back.
    # A sanctions.id, kept without a foreign key: sanctions already refer to threads (thread bans).
    removed_by_sanction_id: Mapped[int | None]
    slow_mode_minutes: Mapped[int | None]

    category: Mapped[Category] = relationship()
    author: Mapped[User] = relationship()

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)

    def __repr__(self) -> str:
        return f"<Thread {self.id} {self.slug}>"


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_thread_order", "thread_id", "id"),
        Index("ix_posts_thread_reactions", "thread_id", "reaction_count", "id"),  # a thread read "top" first
        # The admin charts: posts per day and the busiest threads of a period, read from the index alone.
        Index("ix_posts_created_thread", "created_at", "thread_id"),
        # How many posts a profile shows (members.service.profiles), without reading their rows. Not a
        # partial index on PostgreSQL, nor removal a key column there: its planner would take any index
        # naming "removal IS NULL" for the search's shown-posts condition instead of the full-text index.
        Index("ix_posts_author_shown", "author_id", "thread_id", sqlite_where=text("removal IS NULL"),
              postgresql_include=["removal"]),
        # A form carries a one-time key, so a double click or a retried submission cannot post twice.
        UniqueConstraint("author_id", "request_key", name="uq_posts_author_request_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    # The body rendered to safe HTML once, when written; pages only ever show this.
    body_html: Mapped[str] = mapped_column(Text)
    # The plain text of body_html (posts.service.plain.text_of), written with it: what search indexes and
    # excerpts, so a quote of a removed post is no more findable than it is readable.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    render_version: Mapped[int] = mapped_column(default=1)
    # Decided when written: a new member's links are shown as a marker instead.
    links_allowed: Mapped[bool] = mapped_column(default=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), index=True)
    request_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]
    removal: Mapped[str | None] = mapped_column(String(16))
    removal_reason: Mapped[str | None] = mapped_column(String(200))
    # The ban that removed this post with all the member's others; lifting it brings them back.
    removed_by_sanction_id: Mapped[int | None] = mapped_column(ForeignKey("sanctions.id"))
    # Its reactions (likes included), kept in step by the reactions service: "top" order reads it, and a
    # page asks for the reactions' kinds only when one of its posts has any.
    reaction_count: Mapped[int] = mapped_column(default=0)
    # How many gave each kind ("like:3 👍:1", reactions.summary_of reads it), kept in step with the
    # count in the same transaction: a page shows the counts from the rows it loads, with no query.
    reaction_summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Bumped on every edit, so that an edit made from a stale form is detected.
    version: Mapped[int] = mapped_column(default=1)
    # An editors' pick (forum/moderation/service/newsroom.py): when staff featured it, None when not.
    featured_at: Mapped[datetime | None]

    thread: Mapped[Thread] = relationship()
    author: Mapped[User] = relationship()
    parent: Mapped["Post | None"] = relationship(remote_side=[id])

    @property
    def is_removed(self) -> bool:
        return self.removal is not None

    @property
    def placeholder(self) -> str | None:
        """What a removed post says in its place (and in every quote of it)."""
        return placeholder_text(self.removal, self.removal_reason)

    def __repr__(self) -> str:
        return f"<Post {self.id} in thread {self.thread_id}>"


def placeholder_text(removal: str | None, reason: str | None = None) -> str | None:
    """The honest placeholder for a removal kind, or None for a post that is not removed."""
    if removal is None:
        return None
    if removal == "moderator":
        return f"Removed by a moderator: {reason}" if reason else "Removed by a moderator."
    if removal == "banned":
        return "Removed: the member was banned."
    if removal == "flagged":
        return "Hidden until a moderator reviews it: several members flagged it."
    if removal == "spam":
        return "Hidden until a moderator reviews it: flagged as spam."
    return "This post was deleted by its author."


class HeldPost(db.Model):
    """A new member's post (or new thread) waiting for a moderator, kept apart from `posts` until it is
    approved: what is not a post yet cannot leak into a list, a count, search, a feed, a quote or a
    notification. Approving writes the post (and thread) then, as if it were written at that moment,
    and sends its notifications; rejecting keeps the row, with the reason, for its author to read."""

    __tablename__ = "held_posts"
    __table_args__ = (UniqueConstraint("author_id", "request_key", name="uq_held_posts_author_request_key"),
                      Index("ix_held_posts_waiting", "decided_at", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # A reply names its thread; a new thread names its category and title instead.
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    title: Mapped[str | None] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    # Rendered when written, for its author and the moderators only.
    body_html: Mapped[str] = mapped_column(Text)
    links_allowed: Mapped[bool] = mapped_column(default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    request_key: Mapped[str | None] = mapped_column(String(64))
    why: Mapped[str] = mapped_column(String(16))  # "links", "new" or "article" (a pre-moderated article's)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str | None] = mapped_column(String(16))  # "approved" or "rejected"
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))  # the post approval wrote

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    thread: Mapped[Thread | None] = relationship()
    category: Mapped[Category | None] = relationship()

    @property
    def is_thread(self) -> bool:
        return self.thread_id is None

    def __repr__(self) -> str:
        return f"<HeldPost {self.id} by {self.author_id}>"
