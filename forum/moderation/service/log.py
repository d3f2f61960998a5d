"""The append-only moderation log: every staff action is written here, in the same transaction."""

from dataclasses import dataclass

from sqlalchemy import exists, select

from ...extensions import db
from ...models import ModAction, User


def log_action(session, actor: User | None, action: str, target_type: str, target_id: int | None,
               public_reason: str = "", details: str = "") -> ModAction:
    """Add a log line; `public_reason` may be shown on /modlog, `details` only to staff."""
    entry = ModAction(actor_id=actor.id if actor else None, actor_role=actor.role if actor else "system",
                      action=action, target_type=target_type, target_id=target_id,
                      public_reason=public_reason[:500], details=details)
    session.add(entry)
    return entry


PER_PAGE = 50


@dataclass(frozen=True)
class LogPage:
    """Entries newest first, and the cursors of the pages either side (None at either end)."""

    actions: list[ModAction]
    older_than: int | None  # ?before= for the next older page
    newer_than: int | None  # ?after= for the next newer page


def log_page(before: int | None = None, after: int | None = None, per_page: int = PER_PAGE) -> LogPage:
    """A page of the log by id, not by position: the log only grows, so ?before=N names the same
    entries however many are added later, and a link to it stays true."""
    if after is not None:
        rows = db.session.scalars(select(ModAction).where(ModAction.id > after)
                                  .order_by(ModAction.id).limit(per_page))
        actions = list(rows)[::-1]
    else:
        query = select(ModAction).order_by(ModAction.id.desc()).limit(per_page)
        if before is not None:
            query = query.where(ModAction.id < before)
        actions = list(db.session.scalars(query))
    if not actions:
        return LogPage([], None, None)
    oldest, newest = actions[-1].id, actions[0].id
    has_older = db.session.scalar(select(exists().where(ModAction.id < oldest)))
    has_newer = db.session.scalar(select(exists().where(ModAction.id > newest)))
    return LogPage(actions, oldest if has_older else None, newest if has_newer else None)
