"""A member's half-written new thread: one at a time, kept server-side until it is posted."""

from ...database import write_transaction
from ...extensions import db
from ...models import ThreadDraft, User
from ...models.base import utcnow
from ...posts.forms import BODY_MAX
from ..forms import TITLE_MAX


def thread_draft_for(user: User) -> ThreadDraft | None:
    return db.session.get(ThreadDraft, user.id)


def save_thread_draft(user: User, category_slug: str, title: str, body: str) -> None:
    """Keep what the "Start a thread" form holds so far; an empty title and body forget the draft."""
    category_slug, title, body = (category_slug or "")[:80], (title or "")[:TITLE_MAX], (body or "")[:BODY_MAX]
    with write_transaction(public=False) as session:
        draft = session.get(ThreadDraft, user.id)
        if not title.strip() and not body.strip():
            if draft is not None:
                session.delete(draft)
            return
        if draft is None:
            draft = ThreadDraft(user_id=user.id)
            session.add(draft)
        draft.category_slug, draft.title, draft.body, draft.updated_at = category_slug, title, body, utcnow()
