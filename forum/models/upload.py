"""Images members upload for their posts, and which posts show them."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class Upload(db.Model):
    """One member's upload of one image. The file is named by the SHA-256 of its re-encoded bytes, so two
    members uploading the same picture share a file but each has a row: whose it is decides who sees it
    before it is posted, and an account's deletion takes its rows (and any file no one else has) away."""

    __tablename__ = "uploads"
    __table_args__ = (UniqueConstraint("owner_id", "sha256", name="uq_uploads_owner_sha256"),
                      Index("ix_uploads_created", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # hex: the file is <sha256>.webp
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    size: Mapped[int]  # bytes of the stored (re-encoded) file
    width: Mapped[int]
    height: Mapped[int]
    # The smaller copy pages show of a large image (<sha256>-display.webp), when there is one.
    display_width: Mapped[int | None]
    display_height: Mapped[int | None]
    # The words of the uploaded file's name: the alt text when a post gives none.
    alt: Mapped[str] = mapped_column(String(200), default="Image")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Upload {self.sha256[:12]} of {self.owner_id}>"


class PostUpload(db.Model):
    """A post shows this upload of its author's (written from the post's text each time it is saved)."""

    __tablename__ = "post_uploads"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
