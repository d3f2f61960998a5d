"""Members and their login identity."""

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow

ROLES = ("member", "moderator", "admin")
NAME_STYLES = ("full", "short")  # "Rhonda Bird" or "Rhonda B."
DELETED_NAME = "deleted member"  # what everyone sees of a member who deleted their account


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(20), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Every sign-in session records it; rotating it ends them all, and every remember-me cookie.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    role: Mapped[str] = mapped_column(String(16), default="member")
    # Two-factor sign-in (forum/auth/service/two_factor.py): the TOTP secret (base32) while it is on,
    # and the last 30-second step a code was accepted for, so no code signs in twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column()
    name_style: Mapped[str] = mapped_column(String(8), default="full")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # sign-ups per day (admin)
    # Notification email: "off", "each" (soon after each notification) or "daily" (a digest).
    email_notifications: Mapped[str] = mapped_column(String(8), default="off", server_default="off")
    email_digest_sent_at: Mapped[datetime | None]
    # The profile: Markdown as written, and rendered once by the posts' pipeline.
    bio: Mapped[str] = mapped_column(Text, default="", server_default="")
    bio_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    avatar: Mapped[str | None] = mapped_column(String(64))  # an uploaded picture's file name
    # Set when the member deleted their account: the row stays (moderation history, the held
    # username), its personal data does not.
    deleted_at: Mapped[datetime | None]
    # The trust level staff set by hand (forum/trust.py), or None: the level the member earned.
    trust_level_set: Mapped[int | None]
    # Who may start a private conversation with them (forum/models/messages.py MESSAGES_FROM).
    messages_from: Mapped[str] = mapped_column(String(8), default="everyone", server_default="everyone")

    # Set on the member a request is signed in as (forum.auth.service.sessions): the id of the sign-in
    # session's row, and the token its cookies carry. Not columns.
    login_session_id = None
    login_token = None

    def get_id(self) -> str | None:
        """The login identity Flask-Login stores in the session and remember-me cookie: the token of
        this browser's sign-in session, which the server can end."""
        return self.login_token

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses to sign in a deleted account, whatever else goes wrong."""
        return self.deleted_at is None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_staff(self) -> bool:
        return self.role in ("moderator", "admin")

    @property
    def public_name(self) -> str:
        """The name everyone else sees: the full display name, or first name and last initial."""
        if self.deleted_at is not None:
            return DELETED_NAME
        if self.name_style == "short":
            return short_name(self.display_name)
        return self.display_name

    def name_seen_by(self, viewer) -> str:
        """The member's name as shown to `viewer`: the full name only to themselves and to staff."""
        return name_seen(self, viewer)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


def name_seen(member, viewer) -> str:
    """User.name_seen_by for a member or a row with its id, display_name, name_style and deleted_at."""
    if member.deleted_at is not None:
        return DELETED_NAME
    if getattr(viewer, "is_authenticated", False) and (viewer.id == member.id or viewer.is_staff):
        return member.display_name
    return short_name(member.display_name) if member.name_style == "short" else member.display_name


def short_name(full: str) -> str:
    """'Rhonda Bird' -> 'Rhonda B.'; a single name stays as it is."""
    parts = full.split()
    if len(parts) < 2:
        return full
    return f"{parts[0]} {parts[-1][0]}."


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app; only its hash is kept, and the row
    goes when the code is used (or when a new set replaces the old)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
