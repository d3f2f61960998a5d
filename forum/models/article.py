"""Publishers' articles whose comments are a thread of the forum (forum/embed/)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .content import Thread


class Article(db.Model):
    """An article's canonical address (as its publisher's snippet names it), and the thread of its comments.
    `origin` is the address's scheme://host[:port]: the one site allowed to frame the thread."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
    origin: Mapped[str] = mapped_column(String(200))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), unique=True)
    title: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    thread: Mapped[Thread] = relationship()

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.url}>"
