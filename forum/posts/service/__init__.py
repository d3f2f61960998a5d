"""Post rules: writing, editing and removing posts, and where a post lives."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ...database import write_transaction
from ...extensions import db
from ...models import (Draft, Ignore, Notification, Post, PostQuote, PostRevision, Thread,
                      ThreadSubscription, User)
from ...models.base import utcnow
from ...models.preferences import ignorable
from ...policy import WriteRefused, check_may_write, links_allowed_for, may_change, members_only_threads
from ...settings import site_setting
from . import articles, uploads
from .context import render_post, render_posts
from .images import hashes_in
from ..forms import BODY_MAX
from .pending import mark_pending
from .pending import rendered_row as _rendered_row
from .plain import text_of
from .render import RENDER_VERSION, Rendered

RERENDER_BATCH = 200  # posts per round trip when a change makes other posts render again
MEMBERS_ONLY_QUOTE = "This quotes a post from a members-only category. Quote it there, or take the quote out."
PRIVATE_QUOTE = ("This quotes a private message. Private messages stay in their conversation: take the quote out "
                 "(or ask its author to say it here themselves).")


class EditConflict(Exception):
    """The post changed after the editor opened it; `current` is what it says now."""

    def __init__(self, current: Post):
        super().__init__("edit conflict")
        self.current = current


class BodyRefused(WriteRefused):
    """The text cannot be posted as it is. Views show the message beside the body field and keep the
    text; any other caller still answers 422 with it."""

    field = "body"  # for refusals.show_on

    def __init__(self, message: str):
        super().__init__(message, status=422)


class QuoteRefused(BodyRefused):
    """The text quotes a post guests may not read into a thread they may."""

    def __init__(self, message: str = MEMBERS_ONLY_QUOTE):
        super().__init__(message)


def get_post(post_id: int) -> Post | None:
    return db.session.get(Post, post_id, options=[joinedload(Post.author), joinedload(Post.thread)])


def add_reply(thread: Thread, author: User, body: str, parent_id: int | None = None,
              request_key: str | None = None) -> Post:
    """Append a post to the thread; the same request_key from the same author never posts twice.

    Callers look for an earlier copy first (`posted_with`); two copies racing each other meet the
    unique constraint, and the loser returns the winner's post.
    """
    check_length(body)
    allowed = links_allowed_for(author)
    rendered = render_post(body, allowed)
    try:
        with write_transaction() as session:
            current = session.get(Thread, thread.id)
            check_may_write(session, author, current)
            articles.check_open(current, author)
            if articles.premoderated(current, author):  # the views hold these (held.hold_reason): never posted
                raise WriteRefused(articles.PREMODERATED, status=409)
            now = utcnow()
            post = new_post(session, thread.id, author, body, rendered, allowed, now,
                            parent_id=parent_in(session, thread.id, parent_id), request_key=request_key)
            session.execute(delete(Draft).where(Draft.user_id == author.id, Draft.thread_id == thread.id))
            session.execute(update(Thread).where(Thread.id == thread.id)
                            .values(post_count=Thread.post_count + 1, last_post_at=now))
    except IntegrityError:  # the same submission raced itself: the other copy won
        earlier = _posted_with(author.id, request_key) if request_key else None
        if earlier is None:
            raise
        return earlier
    return post


def new_post(session, thread_id: int, author: User, body: str, rendered: Rendered, links_allowed: bool,
             now, parent_id: int | None = None, request_key: str | None = None) -> Post:
    """Insert a rendered post with what it quotes and whom it mentions (inside a write transaction)."""
    check_quotes(session, thread_id, rendered)
    post = Post(thread_id=thread_id, author_id=author.id, body=body, body_html=rendered.html,
                search_text=text_of(rendered.html), render_version=RENDER_VERSION, links_allowed=links_allowed,
                created_at=now, parent_id=parent_id, request_key=request_key or None)
    session.add(post)
    session.flush()
    record_references(session, post, rendered, author.id)
    uploads.link(session, post, body)
    return post


def check_quotes(session, thread_id: int, rendered: Rendered) -> None:
    """Raise QuoteRefused if a thread guests may read would quote (at any depth) a post from a
    members-only category or article: the quote would show guests what is kept from them; and in any
    thread, if the text quotes a private message (check_private_quotes)."""
    check_private_quotes(rendered)
    if not rendered.quoted_post_ids:
        return
    members_only = members_only_threads()
    if session.scalar(select(Thread.id).where(Thread.id == thread_id, Thread.id.in_(members_only))) is not None:
        return  # members quoting members
    quoted = select(Post.id).where(Post.id.in_(set(rendered.quoted_post_ids)),
                                   Post.thread_id.in_(members_only)).limit(1)
    if session.scalar(quoted) is not None:
        raise QuoteRefused()


def check_private_quotes(rendered: Rendered) -> None:
    """Raise QuoteRefused if the text quotes a private message ("[Name](/messages/m/12) wrote:"): a post is
    public, or read by members outside the conversation. The renderer never looks a message up for a
    post, so nothing private reaches one; this refuses the quote outright, saying why beside the field."""
    if rendered.quoted_message_ids:
        raise QuoteRefused(PRIVATE_QUOTE)


def record_references(session, post: Post, rendered, actor_id: int, notified: set[int] = frozenset()):
    """Store which posts this one quotes, and notify the members it concerns, once each.

    A mention beats a reply, which beats a quote, which beats a new post in a watched thread (new
    posts only, not edits). The author, those `notified` before, members who muted the thread, deleted
    accounts and members who ignore the author are skipped.
    """
    session.execute(delete(PostQuote).where(PostQuote.post_id == post.id))
    quoted_authors = {}
    for quoted_id in dict.fromkeys(rendered.quoted_post_ids):
        quoted = session.get(Post, quoted_id) if quoted_id != post.id else None
        if quoted is not None:
            session.add(PostQuote(post_id=post.id, quoted_post_id=quoted_id))
            if quoted_id in rendered.directly_quoted:
                quoted_authors[quoted.author_id] = "quote"
    levels = dict(session.execute(select(ThreadSubscription.user_id, ThreadSubscription.level)
                                  .where(ThreadSubscription.thread_id == post.thread_id)).all())
    # Edits bump the version before they get here: only a new post reaches the watchers.
    recipients = {uid: "watched" for uid, level in levels.items() if level == "watching" and post.version == 1}
    recipients.update(quoted_authors)
    if post.parent_id and (parent := session.get(Post, post.parent_id)) is not None:
        recipients[parent.author_id] = "reply"
    if rendered.mentioned:
        for member_id in session.scalars(select(User.id).where(User.username.in_(rendered.mentioned))):
            recipients[member_id] = "mention"
    skipped = {actor_id, *notified, *(uid for uid, level in levels.items() if level == "muted")}
    recipients = {uid: kind for uid, kind in recipients.items() if uid not in skipped}
    unreachable = _unreachable(session, actor_id, recipients) if recipients else set()
    for member_id, kind in recipients.items():
        if member_id not in unreachable:
            session.add(Notification(user_id=member_id, kind=kind, post_id=post.id, actor_id=actor_id))


def _unreachable(session, actor_id: int, members) -> set[int]:
    """Which of these members must not hear of the post: deleted accounts, and members who ignore the
    actor (unless the actor is staff: they are always heard)."""
    ignorers = (select(Ignore.user_id).join(User, User.id == Ignore.ignored_id)
                .where(Ignore.ignored_id == actor_id, ignorable(User)))
    return set(session.scalars(select(User.id).where(
        User.id.in_(list(members)), or_(User.deleted_at.is_not(None), User.id.in_(ignorers)))))


def edit_post(post: Post, editor: User, body: str, expected_version: int | None) -> Post:
    """Replace the body; after the grace period keep the old text as a revision.

    Raises EditConflict if the post changed since `expected_version` was read.
    """
    check_length(body)
    allowed = links_allowed_for(editor)
    rendered = render_post(body, allowed)
    with write_transaction() as session:
        check_may_write(session, editor)
        current = session.get(Post, post.id, with_for_update=True)
        if not may_change(editor, current):
            raise PermissionError("only the author may edit this post")
        if expected_version is not None and current.version != expected_version:
            raise EditConflict(current)
        if current.body == body:
            return current
        check_quotes(session, current.thread_id, rendered)
        now = utcnow()
        grace = timedelta(seconds=current_app.config["EDIT_GRACE_SECONDS"])
        if now - current.created_at > grace:
            session.add(PostRevision(post_id=current.id, body=current.body,
                                     written_at=current.edited_at or current.created_at))
            current.edited_at = now
        already = set(session.scalars(select(Notification.user_id).where(Notification.post_id == current.id)))
        current.body, current.body_html, current.search_text = body, rendered.html, text_of(rendered.html)
        current.render_version, current.links_allowed = RENDER_VERSION, allowed
        current.version += 1
        record_references(session, current, rendered, editor.id, notified=already)
        uploads.link(session, current, body)
    return current


def delete_post(post: Post, actor: User) -> Post:
    """Remove the post's text, leaving a 'deleted by its author' placeholder in its place."""
    with write_transaction() as session:
        check_may_write(session, actor)
        current = session.get(Post, post.id, with_for_update=True)
        if not may_change(actor, current):
            raise PermissionError("only the author may delete this post")
        current.removal, current.removed_at = "author", utcnow()
        rerender_quoting(session, [current.id])
    return current


def rerender_quoting(session, post_ids) -> int:
    """Render again every post that quotes one of these, so its quotes show what they now are (a
    removal, a restore), inside the caller's write transaction: the change and the quotes that show
    it commit together or not at all. Returns how many posts were rendered."""
    session.flush()
    ids = sorted(set(post_ids))
    quoting: set[int] = set()
    for chunk in _batches(ids):
        quoting.update(session.scalars(select(PostQuote.post_id).where(PostQuote.quoted_post_id.in_(chunk))))
    return _rerender_in(session, quoting)


def rerender_quotes_of(session, member_id: int) -> int:
    """Render again, inside the caller's write transaction, the posts that quote this member, so their
    attributions show the current name (or the placeholder of a deleted account's posts)."""
    session.flush()
    quoted = select(Post.id).where(Post.author_id == member_id)
    quoting = session.scalars(select(PostQuote.post_id).where(PostQuote.quoted_post_id.in_(quoted)))
    return _rerender_in(session, set(quoting))


def forget_uploads_of(session, member_id: int) -> set[str]:
    """Delete a member's uploads (their account is being deleted) inside that write transaction, and render
    again the posts that showed them ("image removed" now). Returns the hashes whose files no one else
    has, for uploads.discard once the transaction is committed."""
    post_ids, orphaned = uploads.forget_member(session, member_id)
    _rerender_in(session, set(post_ids))
    return orphaned


def _rerender_in(session, post_ids: set[int]) -> int:
    """Render these posts again and store the result, RERENDER_BATCH at a time: a few statements per
    batch (read, look up what they quote, write), however many posts quote what changed. Beyond
    RERENDER_IN_REQUEST posts (about a millisecond each), they are marked pending instead and a job
    renders them (posts/service/pending.py): either way, none shows its old quote once this commits."""
    if len(post_ids) > current_app.config["RERENDER_IN_REQUEST"]:
        mark_pending(session, sorted(post_ids))
        return len(post_ids)
    for chunk in _batches(sorted(post_ids)):
        rows = session.execute(select(Post.id, Post.body, Post.links_allowed).where(Post.id.in_(chunk))).all()
        rendered = render_posts([(body, allowed) for _, body, allowed in rows])
        session.execute(update(Post), [_rendered_row(post_id, fresh.html)
                                       for (post_id, _, _), fresh in zip(rows, rendered, strict=True)])
    return len(post_ids)


def _batches(ids: list[int]):
    for start in range(0, len(ids), RERENDER_BATCH):
        yield ids[start:start + RERENDER_BATCH]


def rerender(posts: list[Post]) -> int:
    """Bring the stored HTML of these posts (and its text, which search reads) up to date with the
    renderer and what they refer to."""
    rendered = render_posts([(post.body, post.links_allowed) for post in posts])
    if posts:
        with write_transaction() as session:
            session.execute(update(Post), [_rendered_row(post.id, fresh.html)
                                           for post, fresh in zip(posts, rendered, strict=True)])
    return len(posts)


def position_in_thread(post: Post) -> int:
    """The 1-based place of the post in its thread, oldest first."""
    query = select(func.count(Post.id)).where(Post.thread_id == post.thread_id, Post.id <= post.id)
    return db.session.scalar(query)


def posted_with(author: User, request_key: str | None) -> Post | None:
    """The post this author already made with this composer's key, if any (a repeated submission)."""
    return _posted_with(author.id, request_key) if request_key else None


def check_length(body: str):
    """Refuse a body too long to render (ValueError: forms say so first; this guards every other caller),
    or one showing more images than IMAGES_PER_POST (BodyRefused)."""
    if len(body) > BODY_MAX:
        raise ValueError(f"post bodies are at most {BODY_MAX} characters")
    limit = site_setting("IMAGES_PER_POST")
    if len(hashes_in(body)) > limit:
        raise BodyRefused(uploads.TOO_MANY_IMAGES.format(limit=limit) if limit else uploads.NO_IMAGES)


def _posted_with(author_id: int, request_key: str) -> Post | None:
    db.session.rollback()  # look past this request's snapshot
    return db.session.scalar(select(Post).where(Post.author_id == author_id, Post.request_key == request_key))


def parent_in(session, thread_id: int, parent_id: int | None) -> int | None:
    """The answered post, if it is in this thread (a stale or forged id is dropped)."""
    if parent_id is None:
        return None
    parent = session.get(Post, parent_id)
    return parent_id if parent is not None and parent.thread_id == thread_id else None
