"""Thread rules: starting threads, and the lists that show them."""

import functools
from datetime import datetime

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from ...database import write_transaction
from ...extensions import db
from ...models import Category, Post, Thread, ThreadDraft, User
from ...models.base import utcnow
from ...pagination import Page
from ...policy import check_may_write, links_allowed_for, readable, readable_by
from ...posts import service as posts
from ...posts.service.context import render_post
from ...slugs import slugify


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))


def readable_categories(viewer) -> list[Category]:
    """The categories whose threads `viewer` may read: members-only ones are for signed-in members."""
    query = select(Category).order_by(Category.position, Category.name)
    if not getattr(viewer, "is_authenticated", False):
        query = query.where(Category.members_only.is_(False))
    return list(db.session.scalars(query))


def category_by_slug(slug: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.slug == slug))


def count_threads(category: Category | None = None, viewer=None) -> int:
    query = select(func.count(Thread.id)).where(Thread.removed_at.is_(None), readable_by(viewer))
    if category is not None:
        query = query.where(Thread.category_id == category.id)
    return db.session.scalar(query)


def latest_threads(page: Page, category: Category | None = None, viewer=None) -> list[Thread]:
    """Pinned threads first, then by most recent activity, with their category and author loaded in the
    same query; threads a moderator removed are in no list, members-only ones in none a guest sees."""
    query = (
        select(Thread)
        .where(Thread.removed_at.is_(None), readable_by(viewer))
        .options(joinedload(Thread.category), joinedload(Thread.author))
        .order_by(Thread.pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
        .offset(page.offset)
        .limit(page.per_page)
    )
    if category is not None:
        query = query.where(Thread.category_id == category.id)
    return list(db.session.scalars(query))


def last_posters(threads: list[Thread]) -> dict[int, tuple[User, datetime]]:
    """Who wrote each thread's latest post still shown, and when, in one query for the list: a post its
    author deleted or a moderator hid is not "the last post" (its author's name would point at nothing
    on the thread). Each thread's highest post id comes from the (thread_id, id) index."""
    if not threads:
        return {}
    latest = aliased(Post)
    last_id = (select(func.max(latest.id)).where(latest.thread_id == Thread.id, latest.removal.is_(None))
               .correlate(Thread).scalar_subquery())
    rows = db.session.execute(
        select(Thread.id, User, Post.created_at)
        .select_from(Thread)
        .join(Post, Post.id == last_id)
        .join(User, User.id == Post.author_id)
        .where(Thread.id.in_([thread.id for thread in threads]))
    )
    return {key: (poster, at) for key, poster, at in rows}


def get_thread(thread_id: int, viewer) -> Thread | None:
    """The thread, or None if there is none or a moderator removed it and `viewer` is not staff.

    Raises MembersOnly for a guest at a members-only thread."""
    thread = db.session.scalar(select(Thread).where(Thread.id == thread_id)
                               .options(joinedload(Thread.category), joinedload(Thread.article)))
    if thread is None or not readable(thread, viewer):
        return None
    return thread


# The orders a thread can be read in, as named in ?order=; oldest first unless asked otherwise.
POST_ORDERS = {
    "oldest": (Post.id,),
    "newest": (Post.id.desc(),),
    "top": (Post.reaction_count.desc(), Post.id),  # likes and every other reaction
}


def opening_post(thread: Thread) -> Post | None:
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id).order_by(Post.id).limit(1))


def summary(thread: Thread, opening: Post | None, length: int = 160) -> str:
    """A line or two about the thread for search results and link previews: the start of its opening
    post (what every reader sees: nothing of a removed one), else what the thread is."""
    text = " ".join(opening.search_text.split()) if opening is not None and not opening.is_removed else ""
    if not text:
        replies = thread.post_count - 1
        return f"{thread.title}: a thread in {thread.category.name}, {replies} repl{'y' if replies == 1 else 'ies'}."
    return text if len(text) <= length else text[:length - 1].rsplit(" ", 1)[0] + "…"


def thread_posts(thread: Thread, page: Page, order: str = "oldest") -> list[Post]:
    """One page of a thread's posts in `order`, authors loaded in the same query.

    The page's ids are picked first from the index alone, so a deep page skips index entries rather
    than whole posts with their authors."""
    rows = db.session.scalars(_thread_posts_query(order), {"thread_id": thread.id, "offset": page.offset,
                                                           "limit": page.per_page})
    return list(rows)


@functools.cache
def _thread_posts_query(order: str):
    """Built once per order, with bind parameters: building it cost more than SQLite takes to run it."""
    ordering = POST_ORDERS[order]
    page_ids = (select(Post.id).where(Post.thread_id == bindparam("thread_id")).order_by(*ordering)
                .offset(bindparam("offset")).limit(bindparam("limit")))
    return (select(Post).where(Post.id.in_(page_ids))
            .options(joinedload(Post.author), joinedload(Post.parent)).order_by(*ordering))


def _picks(thread: Thread):
    return select(Post.id).where(Post.thread_id == thread.id, Post.featured_at.is_not(None), Post.removal.is_(None))


def count_picks(thread: Thread) -> int:
    """How many of the thread's posts are editors' picks (shown, not removed)."""
    return db.session.scalar(select(func.count()).select_from(_picks(thread).subquery()))


def picked_posts(thread: Thread, page: Page) -> list[Post]:
    """One page of the thread's editors' picks, in the thread's order, authors loaded in the same query."""
    page_ids = _picks(thread).order_by(Post.id).offset(page.offset).limit(page.per_page)
    return list(db.session.scalars(select(Post).where(Post.id.in_(page_ids))
                                   .options(joinedload(Post.author), joinedload(Post.parent)).order_by(Post.id)))


def featured_first(thread: Thread, limit: int) -> list[Post]:
    """The thread's editors' picks, the latest featured first: what the comments under an article open with."""
    return list(db.session.scalars(
        select(Post).where(Post.id.in_(_picks(thread)))
        .options(joinedload(Post.author), joinedload(Post.parent))
        .order_by(Post.featured_at.desc(), Post.id.desc()).limit(limit)))


def posts_after(thread: Thread, after_id: int, reader, limit: int) -> list[Post]:
    """Posts others wrote in the thread after `after_id` that are still shown, oldest first."""
    query = (_others_posts_after(select(Post), thread, after_id, reader)
             .options(joinedload(Post.author), joinedload(Post.parent)).order_by(Post.id).limit(limit))
    return list(db.session.scalars(query))


def count_posts_after(thread: Thread, after_id: int, reader) -> int:
    return db.session.scalar(_others_posts_after(select(func.count(Post.id)), thread, after_id, reader))


def _others_posts_after(query, thread: Thread, after_id: int, reader):
    query = query.where(Post.thread_id == thread.id, Post.id > after_id, Post.removal.is_(None))
    if getattr(reader, "is_authenticated", False):
        query = query.where(Post.author_id != reader.id)
    return query


def start_thread(author: User, category: Category, title: str, body: str, request_key: str | None = None) -> Thread:
    """Create a thread with its opening post, and forget the member's new-thread draft.

    The same request_key from the same author never starts two threads: callers look for an earlier
    one first (`started_with`); two copies racing each other meet the opening posts' unique constraint
    on (author, request key), the loser's thread is rolled back with its post, and it returns the winner's.
    """
    posts.check_length(body)
    allowed = links_allowed_for(author)
    rendered = render_post(body, allowed)
    try:
        with write_transaction() as session:
            check_may_write(session, author)
            now = utcnow()
            thread = Thread(category_id=category.id, author_id=author.id, title=title.strip(), slug=slugify(title),
                            created_at=now, last_post_at=now, post_count=1)
            session.add(thread)
            session.flush()
            posts.new_post(session, thread.id, author, body, rendered, allowed, now, request_key=request_key)
            session.execute(delete(ThreadDraft).where(ThreadDraft.user_id == author.id))
    except IntegrityError:  # the same submission raced itself: the other copy won
        earlier = started_with(author, request_key)
        if earlier is None:
            raise
        return earlier
    return thread


def started_with(author: User, request_key: str | None) -> Thread | None:
    """The thread this author already started with this form's key, if any (a repeated submission)."""
    post = posts.posted_with(author, request_key)
    return db.session.get(Thread, post.thread_id) if post is not None else None
