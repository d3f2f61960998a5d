"""Keeping the peace: flags, sanctions, appeals, registration blocks and the moderation log."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .content import Post, Thread
from .user import User

FLAG_REASONS = {"spam": "Spam", "unkind": "Unkind", "off-topic": "Off-topic", "other": "Something else"}

# What each sanction does; a sanction is active from starts_at until ends_at (None: for good)
# unless lifted earlier, so none needs a job to end it.
SANCTION_KINDS = {
    "warning": "Warning",
    "silence": "Silenced (read-only)",
    "suspension": "Suspended",
    "ban": "Banned",
    "thread_ban": "Cannot reply in a thread",
    "slow_mode": "Slow mode",
}
# Kinds that stop every write, everywhere.
READ_ONLY_KINDS = ("silence", "suspension", "ban")
# Kinds that end every session when issued.
SIGN_OUT_KINDS = ("suspension", "ban")


class Flag(db.Model):
    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("post_id", "user_id", name="uq_flags_post_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # flags per day (admin)
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)  # how long flags waited (admin)

    post: Mapped[Post] = relationship()
    flagger: Mapped[User] = relationship()


class Sanction(db.Model):
    __tablename__ = "sanctions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id"))
    slow_mode_minutes: Mapped[int | None]
    reason: Mapped[str] = mapped_column(String(500))  # shown to the member
    note: Mapped[str] = mapped_column(Text, default="")  # for staff only
    # None: the forum itself issued it (a new member's post flagged as spam by enough members).
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # sanctions per day (admin)
    ends_at: Mapped[datetime | None]
    remove_posts: Mapped[bool] = mapped_column(default=False)
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lift_reason: Mapped[str | None] = mapped_column(String(500))

    member: Mapped[User] = relationship(foreign_keys=[user_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    thread: Mapped[Thread | None] = relationship()

    def is_active(self, now: datetime) -> bool:
        return self.lifted_at is None and self.starts_at <= now and (self.ends_at is None or now < self.ends_at)

    @property
    def label(self) -> str:
        return SANCTION_KINDS[self.kind]


class Appeal(db.Model):
    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    sanction_id: Mapped[int] = mapped_column(ForeignKey("sanctions.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))  # "lifted" or "upheld"
    decision_reason: Mapped[str | None] = mapped_column(String(500))

    sanction: Mapped[Sanction] = relationship()


class RegistrationBlock(db.Model):
    """An email address (canonical) or an IP network that may not register."""

    __tablename__ = "registration_blocks"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_registration_blocks_kind_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # "email" or "ip"
    value: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AllowedEmailDomain(db.Model):
    """A domain on the disposable-address list that an admin lets register all the same."""

    __tablename__ = "allowed_email_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModAction(db.Model):
    """One line of the append-only moderation log. `public_reason` may be shown; `details` may not."""

    __tablename__ = "mod_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int | None]
    public_reason: Mapped[str] = mapped_column(String(500), default="")
    details: Mapped[str] = mapped_column(Text, default="")


class RateCounter(db.Model):
    """A rate-limit counter shared by every worker process (when no Redis is configured)."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = mapped_column(index=True)
