"""Publishers' articles whose comments are a thread of the forum (forum/embed/)."""

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .content import Thread


class Article(db.Model):
    """An article's canonical address (as its publisher's snippet names it), and the thread of its comments.
    `origin` is the address's scheme://host[:port]: the one site allowed to frame the thread.

    Its settings, which staff change from the thread (forum/moderation/service/newsroom.py): comments
    closed now; closed `close_after_days` after the article's thread began (None: the site's
    EMBED_CLOSE_AFTER_DAYS; 0: never); every comment held for a moderator; read by members only."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
    origin: Mapped[str] = mapped_column(String(200))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), unique=True)
    title: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed: Mapped[bool] = mapped_column(default=False, server_default=false())
    close_after_days: Mapped[int | None]
    premoderated: Mapped[bool] = mapped_column(default=False, server_default=false())
    members_only: Mapped[bool] = mapped_column(default=False, server_default=false())

    # thread.article is loaded with the thread where a page needs it (threads.service.get_thread).
    thread: Mapped[Thread] = relationship(backref=backref("article", uselist=False))

    def closes_at(self, default_days: int) -> datetime | None:
        """When comments close by themselves, or None if they never do (`default_days`: the site's)."""
        days = default_days if self.close_after_days is None else self.close_after_days
        return self.created_at + timedelta(days=days) if days else None

    def is_closed(self, default_days: int, now: datetime | None = None) -> bool:
        """Closed by staff, or by time."""
        closes = self.closes_at(default_days)
        return self.closed or (closes is not None and (now or utcnow()) >= closes)

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.url}>"
