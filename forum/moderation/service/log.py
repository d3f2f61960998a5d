"""The append-only moderation log: every staff action is written here, in the same transaction."""

from sqlalchemy import select

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


def recent_actions(limit: int = 100, before_id: int | None = None) -> list[ModAction]:
    query = select(ModAction).order_by(ModAction.id.desc()).limit(limit)
    if before_id:
        query = query.where(ModAction.id < before_id)
    return list(db.session.scalars(query))
