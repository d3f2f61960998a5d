"""Thread rules: starting threads, and the lists that show them."""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..database import write_transaction
from ..extensions import db
from ..models import Category, Post, Thread, User
from ..models.base import utcnow
from ..pagination import Page
from ..moderation.enforcement import check_may_write
from ..posts import service as posts
from ..posts.context import links_allowed_for, render_post
from ..slugs import slugify


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))


def category_by_slug(slug: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.slug == slug))


def count_threads(category: Category | None = None) -> int:
    query = select(func.count(Thread.id)).where(Thread.removed_at.is_(None))
    if category is not None:
        query = query.where(Thread.category_id == category.id)
    return db.session.scalar(query)


def latest_threads(page: Page, category: Category | None = None) -> list[Thread]:
    """Pinned threads first, then by most recent activity, with their category and author loaded in the
    same query; threads a moderator removed are in no list."""
    query = (
        select(Thread)
        .where(Thread.removed_at.is_(None))
        .options(joinedload(Thread.category), joinedload(Thread.author))
        .order_by(Thread.pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
        .offset(page.offset)
        .limit(page.per_page)
    )
    if category is not None:
        query = query.where(Thread.category_id == category.id)
    return list(db.session.scalars(query))


def get_thread(thread_id: int, viewer) -> Thread | None:
    """The thread, or None if there is none or a moderator removed it and `viewer` is not staff."""
    thread = db.session.get(Thread, thread_id, options=[joinedload(Thread.category)])
    if thread is not None and not visible_to(thread, viewer):
        return None
    return thread


def visible_to(thread: Thread, viewer) -> bool:
    """A thread a moderator removed is seen by staff only."""
    return thread.removed_at is None or getattr(viewer, "is_staff", False)


def thread_posts(thread: Thread, page: Page) -> list[Post]:
    """One page of a thread's posts, oldest first, authors loaded in the same query."""
    query = (
        select(Post)
        .where(Post.thread_id == thread.id)
        .options(joinedload(Post.author), joinedload(Post.parent))
        .order_by(Post.id)
        .offset(page.offset)
        .limit(page.per_page)
    )
    return list(db.session.scalars(query))


def start_thread(author: User, category: Category, title: str, body: str) -> Thread:
    """Create a thread with its opening post."""
    posts.check_length(body)
    allowed = links_allowed_for(author)
    rendered = render_post(body, allowed)
    with write_transaction() as session:
        check_may_write(session, author)
        now = utcnow()
        thread = Thread(category_id=category.id, author_id=author.id, title=title.strip(), slug=slugify(title),
                        created_at=now, last_post_at=now, post_count=1)
        session.add(thread)
        session.flush()
        posts.new_post(session, thread.id, author, body, rendered, allowed, now)
    return thread
