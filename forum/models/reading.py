"""How far each member has read each thread."""

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class ThreadRead(db.Model):
    """The newest post of a thread a member has seen, and its place in the thread.

    Written only when a member sees a post newer than this one, so re-reading costs no write.
    """

    __tablename__ = "thread_reads"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), primary_key=True, index=True)
    last_read_post_id: Mapped[int] = mapped_column(default=0)
    # How many posts of the thread, oldest first, the member has read: the thread's post_count minus
    # this is their unread count, with no counting on list pages.
    read_count: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
