"""What a signed-in member has not read yet: stored per member and thread, written only when it moves."""

from sqlalchemy import func, select

from ...database import upsertable_insert, write_transaction
from ...extensions import db
from ...models import Post, Thread, ThreadRead
from ...models.base import utcnow
from ...pagination import Page, page_of_position


def state_for(user, thread: Thread) -> ThreadRead | None:
    """How far `user` has read `thread` (None for guests and threads they never opened)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.get(ThreadRead, (user.id, thread.id))


def states_for(user, threads: list[Thread]) -> dict[int, ThreadRead]:
    """Reading state of each of `threads` the member has opened, by thread id, in one query."""
    if not getattr(user, "is_authenticated", False) or not threads:
        return {}
    rows = db.session.scalars(select(ThreadRead).where(
        ThreadRead.user_id == user.id, ThreadRead.thread_id.in_([t.id for t in threads])))
    return {row.thread_id: row for row in rows}


def unread_count(thread: Thread, state: ThreadRead | None) -> int:
    return max(thread.post_count - state.read_count, 0) if state else 0


def first_unread_id(posts: list[Post], state: ThreadRead | None) -> int | None:
    """The first of these posts the member had not read before this page, where the "new" line goes."""
    if state is None:
        return None
    return next((post.id for post in posts if post.id > state.last_read_post_id), None)


def first_unread_place(thread: Thread, state: ThreadRead, per_page: int) -> tuple[int, int | None]:
    """(page number, post id) of the first post after the member's last read one."""
    post_id = db.session.scalar(select(func.min(Post.id)).where(
        Post.thread_id == thread.id, Post.id > state.last_read_post_id))
    page = page_of_position(state.read_count + 1, per_page)
    return min(page, Page.last(thread.post_count, per_page).number), post_id


def mark_read(user, thread: Thread, posts: list[Post], state: ThreadRead | None) -> None:
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
