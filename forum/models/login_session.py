"""Sign-in sessions: the server's record of each browser a member is signed in on."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow


class LoginSession(db.Model):
    """One sign-in. The browser's cookies carry a secret token; only its hash is stored, so a copy of
    the database signs no one in. Deleting the row signs that browser out, cookies and all."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The member's session_token when this session began: a ban, a suspension or a new password
    # rotates that token, which ends every session begun before it.
    generation: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the member last gave their password in this session (signing in, or confirming it again):
    # sensitive staff actions ask for it again once this is older than FRESH_SIGN_IN_MINUTES.
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)
    address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    # Set when a suspension or a ban ended this session: the browser that still carries its cookie is
    # told why it was signed out (and nobody else is), while that sanction is in force. The row is
    # kept for this until the browser signs in again or forgets it, or the sanction ends.
    ended_by_sanction_id: Mapped[int | None] = mapped_column(ForeignKey("sanctions.id"))

    member = relationship("User")
    ended_by = relationship("Sanction")
