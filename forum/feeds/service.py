"""What the feeds hold. Feed readers never sign in, so every feed is what a guest may read: no
members-only category, no removed thread, no removed post (not even its placeholder)."""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Category, Post, Thread
from ..policy import readable_by

ENTRIES = 25
# An empty feed has changed never: its <updated> must still be a date, and a stable one.
NEVER = datetime(1970, 1, 1)
# Characters XML 1.0 forbids; autoescaping leaves them, and one would make the whole feed unreadable.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class ThreadEntry:
    """A thread as a feed entry: its opening post is the content, unless that post was removed."""

    thread: Thread
    opening: Post | None

    @property
    def updated(self) -> datetime:
        edited = self.opening.edited_at if self.opening else None
        return max(self.thread.created_at, edited or self.thread.created_at)


def guest_threads(category: Category | None = None, limit: int = ENTRIES) -> list[ThreadEntry]:
    """The newest threads a guest may read, newest first, each with its opening post if it still shows."""
    query = (select(Thread).where(readable_by(None))
             .options(joinedload(Thread.author), joinedload(Thread.category))
             .order_by(Thread.id.desc()).limit(limit))  # ids grow with creation, and are indexed
    if category is not None:
        query = query.where(Thread.category_id == category.id)
    threads = list(db.session.scalars(query))
    openings = _opening_posts([thread.id for thread in threads])
    return [ThreadEntry(thread, openings.get(thread.id)) for thread in threads]


def _opening_posts(thread_ids: list[int]) -> dict[int, Post]:
    """The first post of each thread, in one query; a removed one is left out."""
    if not thread_ids:
        return {}
    first = select(func.min(Post.id)).where(Post.thread_id.in_(thread_ids)).group_by(Post.thread_id)
    posts = db.session.scalars(select(Post).where(Post.id.in_(first), Post.removal.is_(None)))
    return {post.thread_id: post for post in posts}


def latest_posts(thread: Thread, limit: int = ENTRIES) -> list[Post]:
    """The thread's newest posts that still show, newest first, with their authors."""
    query = (select(Post).where(Post.thread_id == thread.id, Post.removal.is_(None))
             .options(joinedload(Post.author)).order_by(Post.id.desc()).limit(limit))
    return list(db.session.scalars(query))


def post_updated(post: Post) -> datetime:
    return post.edited_at or post.created_at


def newest(moments) -> datetime:
    """The feed's <updated>: its latest entry's."""
    return max(moments, default=NEVER)


def xml_safe(text: str) -> str:
    """Drop the characters XML cannot hold at all (escaping cannot help with them)."""
    return NOT_XML.sub("", text)


# --- The sitemap -------------------------------------------------------------------------------

def sitemap_size() -> int:
    """How many addresses the sitemap lists: the home page, each public category, each thread a guest may read."""
    threads = db.session.scalar(select(func.count(Thread.id)).where(readable_by(None)))
    return 1 + len(public_categories()) + threads


def public_categories() -> list[Category]:
    return list(db.session.scalars(select(Category).where(Category.members_only.is_(False))
                                   .order_by(Category.position, Category.id)))


@dataclass(frozen=True)
class SitemapEntry:
    """One address: "home", a Category or a Thread, and when it last changed (None: unknown)."""

    place: object
    changed: datetime | None = None


def sitemap_entries(start: int, count: int) -> list[SitemapEntry]:
    """The addresses from `start` (0 is the home page, then the categories, then threads, oldest first)."""
    categories = public_categories()
    head = [SitemapEntry("home"), *(SitemapEntry(category) for category in categories)]
    entries = head[start:start + count]
    skip, wanted = max(0, start - len(head)), count - len(entries)
    if wanted > 0:
        threads = db.session.scalars(select(Thread).where(readable_by(None)).order_by(Thread.id)
                                     .offset(skip).limit(wanted))
        entries += [SitemapEntry(thread, thread.last_post_at) for thread in threads]
    return entries
