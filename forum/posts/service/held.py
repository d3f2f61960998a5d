"""New members' posts held for a moderator (the NEW_MEMBER_POST_REVIEW setting): deciding whether a post
is held, keeping it, and what its author sees of it. A held post lives in held_posts, not posts, until a
moderator approves it (forum.moderation.service.held), so no list, count, search, feed, quote, page cache
or notification can show it to anyone: only its author (here) and the moderators (the queue) read it."""

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ...database import write_transaction
from ...extensions import db
from ...models import Category, Draft, HeldPost, Thread, ThreadDraft, User
from ...models.base import utcnow
from ...policy import check_may_write, links_allowed_for
from ...settings import site_setting
from . import articles, check_length, check_private_quotes, check_quotes, parent_in
from .context import render_post

WAITING = "Your post is waiting for a moderator: nobody else sees it until it is approved."
WAITING_THREAD = "Your thread is waiting for a moderator: nobody else sees it until it is approved."


def is_new_member(author: User) -> bool:
    """Whether the member is still new. The one place this feature asks, so that a change to what
    "new" means (trust levels) is made here alone."""
    return not links_allowed_for(author)


def hold_reason(author: User, body: str, thread: Thread | None = None) -> str | None:
    """Why this post by `author` (in `thread`, for a reply) must wait for a moderator ("article": the
    thread is a pre-moderated article's; "new" or "links"), or None to publish it."""
    if articles.premoderated(thread, author):
        return "article"
    mode = site_setting("NEW_MEMBER_POST_REVIEW")
    if mode == "publish" or author.is_staff or not is_new_member(author):
        return None
    if mode == "hold":
        return "new"
    # A new member's links are hidden when rendered: any hidden link means the body has one.
    return "links" if render_post(body, False).hidden_links else None


def hold_reply(thread: Thread, author: User, body: str, why: str, parent_id: int | None = None,
               request_key: str | None = None) -> HeldPost:
    """Keep a reply for a moderator. Not a public change: guests' cached pages stay as they are."""
    check_length(body)
    rendered = render_post(body, False)
    return _hold(author, request_key, lambda session: HeldPost(
        author_id=author.id, thread_id=thread.id, body=body, body_html=rendered.html, links_allowed=False,
        parent_id=parent_in(session, thread.id, parent_id), request_key=request_key or None, why=why),
        thread=thread, rendered=rendered)


def hold_thread(author: User, category: Category, title: str, body: str, why: str,
                request_key: str | None = None) -> HeldPost:
    """Keep a new thread (its title and opening post) for a moderator."""
    check_length(body)
    rendered = render_post(body, False)
    return _hold(author, request_key, lambda session: HeldPost(
        author_id=author.id, category_id=category.id, title=title.strip(), body=body, body_html=rendered.html,
        links_allowed=False, request_key=request_key or None, why=why), rendered=rendered)


def _hold(author: User, request_key, make, rendered, thread: Thread | None = None) -> HeldPost:
    try:
        with write_transaction(public=False) as session:
            current = session.get(Thread, thread.id) if thread is not None else None
            check_may_write(session, author, current)
            if current is not None:
                articles.check_open(current, author)
                check_quotes(session, current.id, rendered)
                session.execute(delete(Draft).where(Draft.user_id == author.id, Draft.thread_id == current.id))
            else:
                check_private_quotes(rendered)
                session.execute(delete(ThreadDraft).where(ThreadDraft.user_id == author.id))
            held = make(session)
            held.created_at = utcnow()
            session.add(held)
    except IntegrityError:  # the same submission raced itself: the other copy won
        earlier = held_with(author, request_key)
        if earlier is None:
            raise
        return earlier
    return held


def held_with(author: User, request_key: str | None) -> HeldPost | None:
    """The held post this author already sent with this form's key, if any (a repeated submission)."""
    if not request_key:
        return None
    return db.session.scalar(select(HeldPost).where(HeldPost.author_id == author.id,
                                                    HeldPost.request_key == request_key))


def waiting_in(thread: Thread, viewer) -> list[HeldPost]:
    """The viewer's own replies waiting in this thread, oldest first (nobody else's, ever)."""
    if not getattr(viewer, "is_authenticated", False):
        return []
    if site_setting("NEW_MEMBER_POST_REVIEW") == "publish" and not articles.premoderated(thread, viewer):
        # Nothing is held while posts publish at once (the default): thread pages skip the query. Posts
        # still waiting from before the setting changed are on their authors' /held page.
        return []
    return list(db.session.scalars(select(HeldPost).where(
        HeldPost.thread_id == thread.id, HeldPost.author_id == viewer.id, HeldPost.decided_at.is_(None))
        .order_by(HeldPost.id)))


def held_by(member: User) -> list[HeldPost]:
    """The member's held posts, waiting or rejected (approved ones are posts now), newest first."""
    return list(db.session.scalars(select(HeldPost).where(
        HeldPost.author_id == member.id, (HeldPost.decision.is_(None)) | (HeldPost.decision == "rejected"))
        .options(joinedload(HeldPost.thread), joinedload(HeldPost.category))
        .order_by(HeldPost.id.desc()).limit(100)))
