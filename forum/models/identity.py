"""Members' accounts on other sites that may sign them in here: a publisher's single sign-on (a signed
token) or an OpenID Connect provider (forum/auth/)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .user import User


class ExternalAccount(db.Model):
    """One link from another site's account to a member. `issuer` names the site that vouches (the
    publisher's SSO name, or an OpenID provider's issuer URL) and `subject` its user id there; together
    they find the member. Never an email address alone: a token cannot claim an account by its email."""

    __tablename__ = "external_accounts"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ExternalAccount {self.issuer} {self.subject} → {self.user_id}>"
