"""The single sign-on tokens already used (forum/auth/service/sso.py): each works once."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class UsedSsoToken(db.Model):
    """A publisher's token that signed a browser in (or out), by its issuer and `jti`, kept until it
    expires: a copy of it (a link in a log, a browser's history) is refused. Rows past `expires_at`
    refuse nothing (the token's own expiry does) and are deleted as new tokens are used."""

    __tablename__ = "used_sso_tokens"

    issuer: Mapped[str] = mapped_column(String(200), primary_key=True)
    jti: Mapped[str] = mapped_column(String(200), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
