"""Likes: one per member and post, toggled, with the count kept on the post."""

from sqlalchemy import select, update

from ...database import write_transaction
from ...extensions import db
from ...models import Post, PostLike, User
from ...policy import check_may_write
from ...refusals import Forbidden


def toggle_like(member: User, post: Post) -> bool:
    """Like the post, or take the like back; returns whether the member now likes it."""
    if post.author_id == member.id:
        raise Forbidden("You cannot like your own post.")
    if post.is_removed:
        raise Forbidden("This post was removed.")
    with write_transaction() as session:
        check_may_write(session, member)
        existing = session.get(PostLike, (post.id, member.id))
        if existing is not None:
            session.delete(existing)
        else:
            session.add(PostLike(post_id=post.id, user_id=member.id))
        step = -1 if existing is not None else 1
        session.execute(update(Post).where(Post.id == post.id).values(like_count=Post.like_count + step))
    return existing is None


def liked_by(member, post_ids: list[int]) -> set[int]:
    """Which of these posts the member likes (one query; nothing for guests)."""
    if not getattr(member, "is_authenticated", False) or not post_ids:
        return set()
    rows = db.session.scalars(select(PostLike.post_id).where(PostLike.user_id == member.id,
                                                             PostLike.post_id.in_(post_ids)))
    return set(rows)
