"""Finding members: by username, by the start of a username, and what they wrote."""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ...auth.service.names import canonical_username
from ...extensions import db
from ...models import Post, Thread, User
from ...policy import readable_by


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


def recent_posts(user: User, viewer, limit: int = 10) -> list[Post]:
    """The member's latest posts that `viewer` may read, with their threads."""
    query = (select(Post).join(Post.thread).where(Post.author_id == user.id, Post.removal.is_(None),
                                                  readable_by(viewer))
             .options(joinedload(Post.thread).joinedload(Thread.category))
             .order_by(Post.id.desc()).limit(limit))
    return list(db.session.scalars(query))


def post_count(user: User, viewer) -> int:
    """How many of the member's posts `viewer` may read."""
    return db.session.scalar(select(func.count(Post.id)).join(Post.thread).where(
        Post.author_id == user.id, Post.removal.is_(None), readable_by(viewer)))
