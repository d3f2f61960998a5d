"""Invitation links: who invited whom (REGISTRATION_MODE "invite", or any time an admin wants to)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .user import User


class Invite(db.Model):
    """One invitation. The link carries a random token; only its SHA-256 is stored, so a copy of the
    database cannot be turned into working links. It makes one account (used_at), before expires_at."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)

    inviter: Mapped[User] = relationship(foreign_keys=[created_by_id])
    invitee: Mapped[User | None] = relationship(foreign_keys=[used_by_id])
