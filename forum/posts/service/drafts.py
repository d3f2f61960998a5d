"""Half-written replies, kept server-side per member and thread until they are posted."""

from sqlalchemy.exc import IntegrityError

from ...database import write_transaction
from ...extensions import db
from ...models import Draft, Thread, User
from ...models.base import utcnow
from ..forms import BODY_MAX
from . import parent_in


def draft_for(user: User, thread: Thread) -> Draft | None:
    return db.session.get(Draft, (user.id, thread.id))


def save_draft(user: User, thread: Thread, body: str, parent_id: int | None = None) -> None:
    """Keep the text typed so far; an empty composer forgets the draft."""
    body = body[:BODY_MAX]
    try:
        _write_draft(user, thread, body, parent_id)
    except IntegrityError:  # two saves of a new draft raced (the composer's timer and its last keystrokes):
        _write_draft(user, thread, body, parent_id)  # the other one made the row; this writes over it


def _write_draft(user: User, thread: Thread, body: str, parent_id: int | None) -> None:
    with write_transaction(public=False) as session:
        draft = stored_draft(session, user.id, thread.id)
        if not body.strip():
            if draft is not None:
                session.delete(draft)
            return
        if draft is None:
            draft = Draft(user_id=user.id, thread_id=thread.id, body=body)
            session.add(draft)
        draft.body, draft.updated_at = body, utcnow()
        draft.parent_id = parent_in(session, thread.id, parent_id)


def stored_draft(session, user_id: int, thread_id: int) -> Draft | None:
    return session.get(Draft, (user_id, thread_id))
