"""What a signed-in member has not read yet: stored per member and thread, written only when it moves."""

from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, func, select

from ...database import upsertable_insert, write_transaction
from ...extensions import db
from ...models import Post, Thread, ThreadRead
from ...models.base import utcnow
from ...pagination import Page, page_of_position


class ReadMark(NamedTuple):
    """How far a member has read a thread: its newest post they saw, and how many posts up to it."""

    last_read_post_id: int
    read_count: int


def state_for(user, thread: Thread) -> ReadMark | None:
    """How far `user` has read `thread` (None for guests and threads they never opened)."""
    if not getattr(user, "is_authenticated", False):
        return None
    row = db.session.execute(_state_query(), {"user_id": user.id, "thread_id": thread.id}).first()
    return ReadMark(*row) if row is not None else None


@cache
def _state_query():
    return select(ThreadRead.last_read_post_id, ThreadRead.read_count).where(
        ThreadRead.user_id == bindparam("user_id"), ThreadRead.thread_id == bindparam("thread_id"))


def read_counts(user, thread_ids: list[int]) -> dict[int, int]:
    """How many posts of each of these threads the member had read, by thread id, for those they have
    opened, in one query (a list shows no more of their reading than that)."""
    if not getattr(user, "is_authenticated", False) or not thread_ids:
        return {}
    # On the session's connection: rows alone need nothing of the session's ORM layer (some 30 µs a statement).
    return dict(db.session.connection().execute(READ_COUNTS, {"user_id": user.id, "thread_ids": thread_ids}).all())


# Built once: building it cost more than running it.
READ_COUNTS = select(ThreadRead.thread_id, ThreadRead.read_count).where(
    ThreadRead.user_id == bindparam("user_id"), ThreadRead.thread_id.in_(bindparam("thread_ids", expanding=True)))


def unread_count(thread: Thread, state: ReadMark | None) -> int:
    return max(thread.post_count - state.read_count, 0) if state else 0


def first_unread_id(posts: list[Post], state: ReadMark | None) -> int | None:
    """The first of these posts the member had not read before this page, where the "new" line goes."""
    if state is None:
        return None
    return next((post.id for post in posts if post.id > state.last_read_post_id), None)


def first_unread_place(thread: Thread, state: ReadMark, per_page: int) -> tuple[int, int | None]:
    """(page number, post id) of the first post after the member's last read one."""
    post_id = db.session.scalar(select(func.min(Post.id)).where(
        Post.thread_id == thread.id, Post.id > state.last_read_post_id))
    page = page_of_position(state.read_count + 1, per_page)
    return min(page, Page.last(thread.post_count, per_page).number), post_id


def mark_read(user, thread: Thread, posts: list[Post], state: ReadMark | None) -> None:
    """Record that `user` has seen `posts`; no write when none is newer than what they had read."""
    if not getattr(user, "is_authenticated", False) or not posts:
        return
    newest = max(post.id for post in posts)
    if state is None or state.last_read_post_id < newest:
        _record(user, thread, newest)


def mark_thread_read(user, thread: Thread) -> None:
    """Record that `user` has read all of `thread` as it is now (they just wrote its newest post)."""
    newest = db.session.scalar(select(func.max(Post.id)).where(Post.thread_id == thread.id))
    if newest is not None:
        _record(user, thread, newest)


def _record(user, thread: Thread, newest: int) -> None:
    table = ThreadRead.__table__
    read_count = (select(func.count(Post.id)).where(Post.thread_id == thread.id, Post.id <= newest)
                  .scalar_subquery())
    insert = upsertable_insert(db.engine.dialect.name)(table).values(
        user_id=user.id, thread_id=thread.id, last_read_post_id=newest, read_count=read_count,
        updated_at=utcnow())
    # Two tabs may race: the later write never moves the mark backwards.
    upsert = insert.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.thread_id],
        set_={"last_read_post_id": insert.excluded.last_read_post_id,
              "read_count": insert.excluded.read_count, "updated_at": insert.excluded.updated_at},
        where=table.c.last_read_post_id < insert.excluded.last_read_post_id)
    with write_transaction(public=False) as session:
        session.execute(upsert)
