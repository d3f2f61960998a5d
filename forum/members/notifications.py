"""A member's notifications: mentions of them, replies to and quotes of their posts."""

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ..database import write_transaction
from ..extensions import db
from ..models import Notification, Post
from ..threads.service import visible_to
from ..models.base import utcnow

WHAT = {"mention": "mentioned you", "reply": "replied to your post", "quote": "quoted your post"}


def unread_count(user) -> int:
    """How many notifications the signed-in member has not read (0 for guests)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


def recent(user, limit: int = 50) -> list[Notification]:
    """The member's latest notifications with their posts, threads and who acted, newest first."""
    query = (select(Notification).where(Notification.user_id == user.id)
             .options(joinedload(Notification.actor), joinedload(Notification.post).joinedload(Post.thread))
             .order_by(Notification.id.desc()).limit(limit))
    return [n for n in db.session.scalars(query) if visible_to(n.post.thread, user)]


def mark_all_read(user) -> int:
    with write_transaction() as session:
        result = session.execute(update(Notification).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    return result.rowcount
