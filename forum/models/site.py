"""State of the whole site that every worker process reads."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class SiteState(db.Model):
    """One row. `pages_version` is a fresh random value in every transaction that changes what a guest
    can see, so a page cached under the old value is stale (see forum.page_cache). Random rather than a
    counter: after a restore from backup, an old value again means the content it was cached with."""

    __tablename__ = "site_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    pages_version: Mapped[str] = mapped_column(String(32))


class SiteSetting(db.Model):
    """A value an admin chose at /admin/settings (forum.settings lists them). `value` is JSON; a setting
    with no row has its value from the configuration (forum.config)."""

    __tablename__ = "site_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
