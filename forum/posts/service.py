"""Post rules: who may change a post, replying, editing, deleting, and where a post lives."""

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ..database import write_transaction
from ..extensions import db
from ..models import Post, Thread, User
from ..models.base import utcnow
from .render import render_body


class EditConflict(Exception):
    """The post changed after the editor opened it; `current` is what it says now."""

    def __init__(self, current: Post):
        super().__init__("edit conflict")
        self.current = current


def get_post(post_id: int) -> Post | None:
    return db.session.get(Post, post_id, options=[joinedload(Post.author), joinedload(Post.thread)])


def may_change(user, post: Post) -> bool:
    """Only the author changes a post, and only while it is not removed."""
    return bool(getattr(user, "is_authenticated", False)) and user.id == post.author_id and not post.is_removed


def add_reply(thread: Thread, author: User, body: str) -> Post:
    """Append a post to the thread and move the thread to the top of the lists."""
    body_html = render_body(body)
    with write_transaction() as session:
        now = utcnow()
        post = Post(thread_id=thread.id, author_id=author.id, body=body, body_html=body_html, created_at=now)
        session.add(post)
        session.execute(
            update(Thread)
            .where(Thread.id == thread.id)
            .values(post_count=Thread.post_count + 1, last_post_at=now)
        )
    return post


def edit_post(post: Post, editor: User, body: str, expected_version: int | None) -> Post:
    """Replace the body; raise EditConflict if it changed since `expected_version` was read."""
    body_html = render_body(body)
    with write_transaction() as session:
        current = session.get(Post, post.id, with_for_update=True)
        if not may_change(editor, current):
            raise PermissionError("only the author may edit this post")
        if expected_version is not None and current.version != expected_version:
            raise EditConflict(current)
        if current.body != body:
            current.body = body
            current.body_html = body_html
            current.edited_at = utcnow()
            current.version += 1
    return current


def delete_post(post: Post, actor: User) -> Post:
    """Remove the post's text, leaving a 'deleted by its author' placeholder in its place."""
    with write_transaction() as session:
        current = session.get(Post, post.id, with_for_update=True)
        if not may_change(actor, current):
            raise PermissionError("only the author may delete this post")
        current.removal = "author"
        current.removed_at = utcnow()
    return current


def position_in_thread(post: Post) -> int:
    """The 1-based place of the post in its thread, oldest first."""
    query = select(func.count(Post.id)).where(Post.thread_id == post.thread_id, Post.id <= post.id)
    return db.session.scalar(query)
