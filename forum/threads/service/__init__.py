"""Thread rules: starting threads, and the lists that show them."""

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import and_, bindparam, case, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from ...database import write_transaction
from ...extensions import db
from ...models import Category, Draft, Ignore, Post, Thread, ThreadDraft, ThreadRead, ThreadSubscription, User
from ...models.user import name_seen
from ...models.base import utcnow
from ...pagination import Page
from ...policy import (check_may_write, links_allowed_for, listed_count, readable, readable_by_kind,
                       reader_kind)
from ...posts import service as posts
from ...posts.service.context import render_post
from ...posts.service.display import ReaderChoices
from ...slugs import slugify
from ...unchanged import while_unchanged
from .unread import ReadMark


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))


class ListedCategory(NamedTuple):
    """A category as a thread list shows it (its heading, the sidebar, each row's tag)."""
    id: int
    slug: str
    name: str
    members_only: bool
    description: str


class Person(NamedTuple):
    """A member as a thread list shows them: what their name as a reader sees it (models.user.name_seen)
    and their picture (members.service.avatars) are made of."""
    id: int
    display_name: str
    name_style: str
    deleted_at: datetime | None
    avatar: str | None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def public_name(self) -> str:
        return name_seen(self, None)


class ListedThread(NamedTuple):
    """A thread as a row of a list shows it, with who wrote its latest post still shown (`last`, None if
    none is) and when (`last_at`). Plain values, so that a list can be kept (forum.unchanged)."""
    id: int
    slug: str
    title: str
    pinned: bool
    locked: bool
    post_count: int
    last_post_at: datetime
    category: ListedCategory
    author: Person
    last: Person | None
    last_at: datetime

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)


CATEGORY_COLUMNS = (Category.id, Category.slug, Category.name, Category.members_only, Category.description)
THREAD_COLUMNS = (Thread.id, Thread.slug, Thread.title, Thread.pinned, Thread.locked, Thread.post_count,
                  Thread.last_post_at)


def _person_columns(user) -> tuple:
    return user.id, user.display_name, user.name_style, user.deleted_at, user.avatar


def listed_categories() -> tuple[ListedCategory, ...]:
    """Every category, in the sidebar's order, kept until the site changes."""
    return while_unchanged(("listed categories",), lambda: tuple(
        ListedCategory(*row) for row in db.session.execute(
            select(*CATEGORY_COLUMNS).order_by(Category.position, Category.name))))


def listed_category(slug: str) -> ListedCategory | None:
    """The category with this slug, from the kept list of them all (a forum has a few dozen at most)."""
    return next((category for category in listed_categories() if category.slug == slug), None)


def readable_categories(viewer) -> list[Category]:
    """The categories whose threads `viewer` may read: members-only ones are for signed-in members."""
    query = select(Category).order_by(Category.position, Category.name)
    if not getattr(viewer, "is_authenticated", False):
        query = query.where(Category.members_only.is_(False))
    return list(db.session.scalars(query))


def category_by_slug(slug: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.slug == slug))


def count_threads(category: Category | ListedCategory | None = None, viewer=None) -> int:
    """How many threads the list shows `viewer`: the same for every viewer of a kind, so kept until the
    site changes (on a big forum the count is the dearest query of the page)."""
    def count() -> int:
        return db.session.scalar(listed_count(viewer, category.id if category is not None else None))
    return while_unchanged(("thread count", category.id if category else None, reader_kind(viewer)), count)


# How many pages of each list are kept (forum.unchanged): the first ones, which most readers ask for. A
# kept page holds about 30 KB; a crawler walking every page of a big forum must not make a worker keep them all.
KEPT_PAGES = 10


def latest_threads(page: Page, category: Category | ListedCategory | None = None,
                   viewer=None) -> tuple[ListedThread, ...]:
    """Pinned threads first, then by most recent activity, with their category, author and last poster;
    threads a moderator removed are in no list, members-only ones in none a guest sees. The same for every
    viewer of a kind, so the first KEPT_PAGES are kept until the site changes."""
    if page.number > KEPT_PAGES:
        return _latest_threads(page, category, viewer)
    key = ("latest threads", category.id if category else None, page.offset, page.per_page, reader_kind(viewer))
    return while_unchanged(key, lambda: _latest_threads(page, category, viewer))


def _latest_threads(page: Page, category: Category | ListedCategory | None, viewer) -> tuple[ListedThread, ...]:
    parameters = {"offset": page.offset, "limit": page.per_page}
    if category is not None:
        parameters["category_id"] = category.id
    rows = db.session.execute(_latest_threads_query(category is not None, reader_kind(viewer)), parameters).all()
    last = last_posters([row[0] for row in rows])
    threads = []
    for row in rows:
        poster, at = last.get(row[0], (None, row[6]))
        threads.append(ListedThread(*row[:7], ListedCategory(*row[7:12]), Person(*row[12:17]), poster, at))
    return tuple(threads)


@functools.cache
def _latest_threads_query(of_category: bool, kind: str):
    """A page of a list, built once per (one category or all, viewer kind), with bind parameters: building
    it cost more than running it. The page's ids first, from the threads' activity index alone (a deep
    page skips index entries, not joined rows), then their columns, their category's and their author's."""
    ordering = (Thread.pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
    page_ids = (select(Thread.id).where(Thread.removed_at.is_(None), readable_by_kind(kind))
                .order_by(*ordering).offset(bindparam("offset")).limit(bindparam("limit")))
    if of_category:
        page_ids = page_ids.where(Thread.category_id == bindparam("category_id"))
    page_ids = page_ids.subquery()
    return (select(*THREAD_COLUMNS, *CATEGORY_COLUMNS, *_person_columns(User))
            .select_from(page_ids).join(Thread, Thread.id == page_ids.c.id)
            .join(Category, Category.id == Thread.category_id).join(User, User.id == Thread.author_id)
            .order_by(*ordering))


def last_posters(thread_ids: list[int]) -> dict[int, tuple[Person, datetime]]:
    """Who wrote each thread's latest post still shown, and when, in one query for the list: a post its
    author deleted or a moderator hid is not "the last post" (its author's name would point at nothing
    on the thread). Each thread's highest post id comes from the (thread_id, id) index."""
    if not thread_ids:
        return {}
    rows = db.session.execute(_last_posters_query(), {"thread_ids": thread_ids})
    return {row[0]: (Person(*row[1:6]), row[6]) for row in rows}


@functools.cache
def _last_posters_query():
    latest = aliased(Post)
    last_id = (select(func.max(latest.id)).where(latest.thread_id == Thread.id, latest.removal.is_(None))
               .correlate(Thread).scalar_subquery())
    return (select(Thread.id, *_person_columns(User), Post.created_at)
            .select_from(Thread)
            .join(Post, Post.id == last_id)
            .join(User, User.id == Post.author_id)
            .where(Thread.id.in_(bindparam("thread_ids", expanding=True))))


def get_thread(thread_id: int, viewer) -> Thread | None:
    """The thread, or None if there is none or a moderator removed it and `viewer` is not staff.

    Raises MembersOnly for a guest at a members-only thread."""
    thread = db.session.scalar(_thread_query(), {"thread_id": thread_id})
    if thread is None or not readable(thread, viewer):
        return None
    return thread


@functools.cache
def _thread_query():
    """Built once, with bind parameters: building it cost more than running it."""
    return (select(Thread).where(Thread.id == bindparam("thread_id"))
            .options(joinedload(Thread.category), joinedload(Thread.article)))


@dataclass(frozen=True)
class Reader:
    """A member's own on a thread's page, read with the thread: their draft reply (its text and the post
    it answers), how far they had read the thread, and their choices (watch level, and whether they
    ignore anyone: if not, the page asks nothing more about whom)."""

    draft: tuple[str, int | None] | None
    read: ReadMark | None
    choices: ReaderChoices


def thread_for_reader(thread_id: int, viewer) -> tuple[Thread | None, Reader | None]:
    """`get_thread`, and for a member what is theirs on its page (Reader), in the same statement: the
    page once asked for each apart. A guest has no Reader. (The site's pages_version, which what the page
    keeps is kept under, was read with the member: forum.auth's sessions.member_for.)"""
    if not getattr(viewer, "is_authenticated", False):
        return get_thread(thread_id, viewer), None
    row = db.session.execute(_thread_for_reader_query(), {"thread_id": thread_id, "viewer_id": viewer.id}).first()
    if row is None or not readable(row[0], viewer):
        return None, None
    thread, draft_body, draft_parent_id, last_read_post_id, read_count, level, ignores_anyone = row
    return thread, Reader(
        draft=(draft_body, draft_parent_id) if draft_body is not None else None,
        read=ReadMark(last_read_post_id, read_count) if last_read_post_id is not None else None,
        choices=ReaderChoices(watch_level=level or "normal", ignores_anyone=bool(ignores_anyone)))


@functools.cache
def _thread_for_reader_query():
    viewer = bindparam("viewer_id")
    mine = {model: and_(model.thread_id == Thread.id, model.user_id == viewer)
            for model in (Draft, ThreadRead, ThreadSubscription)}
    ignores_anyone = select(Ignore.ignored_id).where(Ignore.user_id == viewer).exists()
    return (select(Thread, Draft.body, Draft.parent_id, ThreadRead.last_read_post_id, ThreadRead.read_count,
                   ThreadSubscription.level, ignores_anyone)
            .outerjoin(Draft, mine[Draft]).outerjoin(ThreadRead, mine[ThreadRead])
            .outerjoin(ThreadSubscription, mine[ThreadSubscription])
            .where(Thread.id == bindparam("thread_id"))
            .options(joinedload(Thread.category), joinedload(Thread.article)))


# The orders a thread can be read in, as named in ?order=; oldest first unless asked otherwise.
POST_ORDERS = {
    "oldest": (Post.id,),
    "newest": (Post.id.desc(),),
    "top": (Post.reaction_count.desc(), Post.id),  # likes and every other reaction
}


def summary(thread: Thread, opening: Post | None = None, length: int = 160) -> str:
    """A line or two about the thread for search results and link previews: the start of its opening
    post (what every reader sees: nothing of a removed one), else what the thread is. `opening` is the
    opening post when the page holds it; else its words alone are read."""
    if opening is not None:
        words = opening.search_text if not opening.is_removed else None
    else:
        words = db.session.execute(_opening_words_query(), {"thread_id": thread.id}).scalar()
    text = " ".join(words.split()) if words else ""
    if not text:
        replies = thread.post_count - 1
        return f"{thread.title}: a thread in {thread.category.name}, {replies} repl{'y' if replies == 1 else 'ies'}."
    return text if len(text) <= length else text[:length - 1].rsplit(" ", 1)[0] + "…"


@functools.cache
def _opening_words_query():
    """The opening post's searchable text, or None when it is removed."""
    return (select(case((Post.removal.is_(None), Post.search_text))).where(Post.thread_id == bindparam("thread_id"))
            .order_by(Post.id).limit(1))


def thread_posts(thread: Thread, page: Page, order: str = "oldest") -> list[Post]:
    """One page of a thread's posts in `order`, authors loaded in the same query.

    The page's ids are picked first from the index alone, so a deep page skips index entries rather
    than whole posts with their authors."""
    rows = db.session.scalars(_thread_posts_query(order), {"thread_id": thread.id, "offset": page.offset,
                                                           "limit": page.per_page})
    return list(rows)


def post_numbers(thread: Thread, page: Page, order: str, posts: list[Post]) -> dict[int, int] | None:
    """Each of a page's posts' place in the thread (#12 in its header), where the page tells it: read
    oldest first, the page is the thread's posts from offset + 1 on; newest first, they count down from
    how many posts there are up to the page's newest (one count over the index). None in other orders:
    forum.posts.service.display counts those. Removed posts keep their place: they are still rows."""
    if order == "oldest":
        return {post.id: page.offset + place for place, post in enumerate(posts, 1)}
    if order == "newest" and posts:
        newest = db.session.execute(_count_up_to_query(), {"thread_id": thread.id, "post_id": posts[0].id}).scalar()
        return {post.id: newest - place for place, post in enumerate(posts)}
    return None


@functools.cache
def _count_up_to_query():
    return select(func.count(Post.id)).where(Post.thread_id == bindparam("thread_id"), Post.id <= bindparam("post_id"))


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
