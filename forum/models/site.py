"""State of the whole site that every worker process reads."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class SiteState(db.Model):
    """One row. `pages_version` is a fresh random value in every transaction that changes what a guest
    can see, so a page cached under the old value is stale (see forum.page_cache). Random rather than a
    counter: after a restore from backup, an old value again means the content it was cached with."""

    __tablename__ = "site_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    pages_version: Mapped[str] = mapped_column(String(32))
