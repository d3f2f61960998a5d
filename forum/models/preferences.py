"""What a member chooses about what reaches them: watched and muted threads, ignored members."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow

# No row means "normal": notified of mentions, replies and quotes only.
SUBSCRIPTION_LEVELS = ("watching", "muted")


class ThreadSubscription(db.Model):
    """A member watches a thread (told of every new post) or mutes it (told of nothing from it)."""

    __tablename__ = "thread_subscriptions"
    __table_args__ = (CheckConstraint("level IN ('watching', 'muted')", name="level"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), primary_key=True, index=True)
    level: Mapped[str] = mapped_column(String(8))


class Ignore(db.Model):
    """A member ignores another: no notifications from them, and their posts collapse."""

    __tablename__ = "ignores"
    __table_args__ = (CheckConstraint("user_id <> ignored_id", name="not_self"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    ignored_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def ignorable(user_entity):
    """SQL: the member may be ignored. Staff never can be (moderators must be heard), which also
    sets aside the ignores of a member appointed to staff after being ignored."""
    return user_entity.role == "member"
