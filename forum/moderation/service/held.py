"""The moderators' side of new members' held posts (forum.posts.service.held): the queue, approving
(which writes the post, and its thread if it opens one, at that moment, and only then notifies the
members it mentions, quotes or answers), and rejecting with a reason, with or without a suspension."""

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ...database import write_transaction
from ...extensions import db
from ...models import HeldPost, Post, Thread, User
from ...models.base import utcnow
from ...models.moderation import READ_ONLY_KINDS
from ...notifications import mail as notification_mail
from ...policy import active_sanctions
from ...posts import service as posts
from ...posts.service.context import render_post
from ...refusals import Conflict, FieldError, Forbidden
from ...slugs import slugify
from .log import log_action
from . import sanctions

QUEUE_SIZE = 100
REASON_MAX = 200  # HeldPost.reject_reason
SUSPEND_DAYS = 7  # "reject and suspend": long enough to stop a spammer, short of a ban


@dataclass
class Decided:
    held: HeldPost
    post: Post | None = None  # what approval published


def waiting(thread_id: int | None = None) -> list[HeldPost]:
    """Held posts no moderator has decided on (in one thread, an article's say), the longest waiting first."""
    query = select(HeldPost).where(HeldPost.decided_at.is_(None))
    if thread_id is not None:
        query = query.where(HeldPost.thread_id == thread_id)
    return list(db.session.scalars(query
                                   .options(joinedload(HeldPost.author), joinedload(HeldPost.thread),
                                            joinedload(HeldPost.category))
                                   .order_by(HeldPost.created_at, HeldPost.id).limit(QUEUE_SIZE)))


def waiting_count() -> int:
    return db.session.scalar(select(func.count(HeldPost.id)).where(HeldPost.decided_at.is_(None)))


def get(held_id: int) -> HeldPost | None:
    return db.session.get(HeldPost, held_id, options=[joinedload(HeldPost.author), joinedload(HeldPost.thread)])


def _decidable(session, actor: User, held: HeldPost) -> HeldPost:
    current = session.get(HeldPost, held.id, with_for_update=True)
    if current.author_id == actor.id:
        raise Forbidden("This is your own post: another moderator reviews it.")
    if current.decided_at is not None:
        raise Conflict(f"A moderator has already {current.decision} this post.")
    return current


def approve(actor: User, held: HeldPost) -> Decided:
    """Publish the held post where it was written (a reply at the end of its thread, a thread in its
    category), dated now; its mentions, quotes, replies and watchers are notified now, not before."""
    rendered = render_post(held.body, held.links_allowed)
    with write_transaction() as session:
        current = _decidable(session, actor, held)
        author = session.get(User, current.author_id)
        if author.deleted_at is not None:
            raise Conflict("Its author deleted their account: reject it instead.")
        if any(s.kind in READ_ONLY_KINDS for s in active_sanctions(session, author.id)):
            raise Conflict("Its author cannot post now (a silence, suspension or ban): reject it instead.")
        now = utcnow()
        if current.thread_id is None:
            thread = Thread(category_id=current.category_id, author_id=author.id, title=current.title,
                            slug=slugify(current.title), created_at=now, last_post_at=now, post_count=1)
            session.add(thread)
            session.flush()
            parent_id = None
        else:
            thread = session.get(Thread, current.thread_id)
            if thread.removed_at is not None:
                raise Conflict("Its thread was removed: reject it instead.")
            parent_id = posts.parent_in(session, thread.id, current.parent_id)
            session.execute(update(Thread).where(Thread.id == thread.id)
                            .values(post_count=Thread.post_count + 1, last_post_at=now))
        post = posts.new_post(session, thread.id, author, current.body, rendered, current.links_allowed, now,
                              parent_id=parent_id, request_key=current.request_key)
        current.decided_at, current.decided_by_id, current.decision = now, actor.id, "approved"
        current.post_id = post.id
        log_action(session, actor, "approve_held", "post", post.id,
                   details=f"held post {current.id} ({current.why}) approved")
    return Decided(current, post)


def _clean_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise FieldError("reason", "Give a reason: its author reads it.")
    if len(reason) > REASON_MAX:
        raise FieldError("reason", f"Reasons are at most {REASON_MAX} characters.")
    return reason


def reject(actor: User, held: HeldPost, reason: str) -> Decided:
    """Refuse the held post; its author sees it with the reason (and is mailed it, if they take notification
    email), nobody else ever sees it."""
    reason = _clean_reason(reason)
    with write_transaction(public=False) as session:
        current = _decidable(session, actor, held)
        current.decided_at, current.decided_by_id, current.decision = utcnow(), actor.id, "rejected"
        current.reject_reason = reason
        log_action(session, actor, "reject_held", "member", current.author_id,
                   details=f"held post {current.id} rejected: {reason}")
    notification_mail.tell_rejected(current)
    return Decided(current)


def reject_and_suspend(actor: User, held: HeldPost, reason: str) -> Decided:
    """Refuse the held post, every other one its author has waiting, and suspend them for SUSPEND_DAYS."""
    reason = _clean_reason(reason)
    author = db.session.get(User, held.author_id)
    request = sanctions.SanctionRequest(kind="suspension", reason=reason, days=SUSPEND_DAYS)
    sanctions.validate(actor, author, request)
    decided = reject(actor, held, reason)
    with write_transaction(public=False) as session:
        session.execute(update(HeldPost).where(HeldPost.author_id == author.id, HeldPost.decided_at.is_(None))
                        .values(decided_at=utcnow(), decided_by_id=actor.id, decision="rejected",
                                reject_reason=reason))
    sanctions.issue(actor, author, request)
    return decided
