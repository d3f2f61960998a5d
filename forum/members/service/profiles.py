"""Finding members: by username, by the start of a username, and what they wrote.

What a profile shows of a member's writing (how many posts, the latest ten) is counted over a million
posts, and is the same for every reader of a kind, so it is kept per worker until the site changes
(forum.unchanged): keyed by the member's id and the reader's kind (`reader_kind`), because what a
reader may read differs only by kind (readable_by: staff see removed threads, guests no members-only
threads). Every change that could alter it (a post written, edited, removed or restored, a thread
removed, restored, renamed or moved, a category or an article made members-only, a category renamed,
an account deleted) is a public write, which makes every kept answer stale. Only plain values are kept
(ShownPost), never rows.
"""

import functools
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, func, select

from ...auth.service.names import canonical_username
from ...extensions import db
from ...models import Category, Post, Thread, User
from ...policy import readable_by_kind, reader_kind
from ...posts.service.plain import excerpt_of
from ...unchanged import while_unchanged

RECENT_POSTS = 10


class ShownPost(NamedTuple):
    """One of a member's recent posts as their profile lists it."""

    id: int
    thread_title: str
    category_name: str
    excerpt: str
    created_at: datetime


class Writing(NamedTuple):
    """What a reader of a kind sees of a member's writing: how many posts, and the latest ones."""

    post_count: int
    recent: tuple[ShownPost, ...]


def by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == canonical_username(username)))


def active_member(username: str) -> User | None:
    """The member with this username, unless they deleted their account."""
    member = by_username(username)
    return member if member is not None and not member.is_deleted else None


def suggest(prefix: str, limit: int = 6) -> list[User]:
    """Members whose username starts with `prefix` (at least one character), shortest first."""
    prefix = canonical_username(prefix)
    if not prefix or not prefix.replace("_", "").replace("-", "").isalnum() or not prefix.isascii():
        return []
    pattern = prefix.replace("_", r"\_") + "%"
    query = (select(User).where(User.username.like(pattern, escape="\\"), User.deleted_at.is_(None))
             .order_by(func.length(User.username), User.username).limit(limit))
    return list(db.session.scalars(query))


def recent_posts(user: User, viewer, limit: int = RECENT_POSTS) -> list[ShownPost]:
    """The member's latest posts that `viewer` may read, as their profile lists them: plain rows of the
    columns shown (a whole post, Markdown source and search text included, costs ten times as much)."""
    rows = db.session.execute(_recent_posts_query(reader_kind(viewer)), {"author_id": user.id, "limit": limit})
    return [ShownPost(post_id, title, category, excerpt_of(html), created_at)
            for post_id, title, category, html, created_at in rows]


def post_count(user: User, viewer) -> int:
    """How many of the member's posts `viewer` may read (from the ix_posts_author_shown index)."""
    return db.session.scalar(_post_count_query(reader_kind(viewer)), {"author_id": user.id})


# The statements are built once per reader kind, with bind parameters: building them cost more than
# running them when the answer is not kept.

@functools.cache
def _recent_posts_query(kind: str):
    return (select(Post.id, Thread.title, Category.name, Post.body_html, Post.created_at)
            .join(Post.thread).join(Thread.category)
            .where(Post.author_id == bindparam("author_id"), Post.removal.is_(None), readable_by_kind(kind))
            .order_by(Post.id.desc()).limit(bindparam("limit")))


@functools.cache
def _post_count_query(kind: str):
    return select(func.count()).select_from(Post).join(Post.thread).where(
        Post.author_id == bindparam("author_id"), Post.removal.is_(None), readable_by_kind(kind))


def writing(user: User, viewer) -> Writing:
    """How many of the member's posts `viewer` may read and the latest of them, kept until the site changes."""
    return while_unchanged(("profile writing", user.id, reader_kind(viewer)), lambda: Writing(
        post_count(user, viewer), tuple(recent_posts(user, viewer))))
