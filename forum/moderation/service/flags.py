"""Flags and the review queue: members point out posts that break the rules, enough of them hide a
post until it is reviewed, and moderators hide, restore or dismiss."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ...database import write_transaction
from ...extensions import db
from ...models import Appeal, Flag, HeldPost, MessageFlag, Post, Sanction, Thread, User
from ...models.base import utcnow
from ...models.moderation import FLAG_REASONS, READ_ONLY_KINDS
from ...policy import active_sanctions, check_may_write
from ...posts import service as posts
from ...posts.service import held
from ...refusals import Conflict, FieldError, Forbidden, Refusal
from ...settings import site_setting
from ...trust import flag_weight
from .log import log_action

NOTE_MAX = 500
REASON_MAX = 200  # Post.removal_reason
QUEUE_SIZE = 100
ALREADY_FLAGGED = "You already flagged this post."
# Removals a moderator may undo here; an author's deletion is theirs, a ban's removals follow the ban.
RESTORABLE = ("moderator", "flagged")
SPAM_NOTICE = ("Your post was flagged as spam, so your posts are hidden and you cannot post until a moderator "
               "reviews them. If this is a mistake, appeal: a moderator will look soon.")


@dataclass
class QueueEntry:
    """One post awaiting review, with every flag it ever had (open ones have no resolved_at)."""

    post: Post
    flags: list[Flag]

    @property
    def open_flags(self) -> list[Flag]:
        return [flag for flag in self.flags if flag.resolved_at is None]

    @staticmethod
    def reason_label(flag: Flag) -> str:
        return FLAG_REASONS.get(flag.reason, flag.reason)


@dataclass
class QueueCounts:
    posts: int
    flags: int
    hidden: int
    appeals: int
    oldest: datetime | None


def refusal(post: Post, member: User) -> Refusal | None:
    """Why `member` may not flag `post`, or None if they may."""
    if post.author_id == member.id:
        return Forbidden("You cannot flag your own post.")
    if post.is_removed:
        return Conflict("This post is already removed.")
    flagged = db.session.scalar(select(Flag.id).where(Flag.post_id == post.id, Flag.user_id == member.id))
    return Conflict(ALREADY_FLAGGED) if flagged else None


def review_refusal(actor: User, post: Post, open_flags) -> Refusal | None:
    """Why `actor` may not decide on `post` (hide, restore, dismiss its flags), or None: a moderator
    is no judge of their own post, nor of a post whose open flags include their own."""
    if post.author_id == actor.id:
        return Forbidden("This is your own post: another moderator reviews it.")
    if any(flag.user_id == actor.id for flag in open_flags):
        return Forbidden("You flagged this post: another moderator decides on it.")
    return None


def validate_flag(reason: str, note: str) -> None:
    """Raise FieldError for a reason that is not on the list, or "something else" without a note."""
    if reason not in FLAG_REASONS:
        raise FieldError("reason", "Choose why you are flagging this post.")
    if len(note) > NOTE_MAX:
        raise FieldError("note", f"Notes are at most {NOTE_MAX} characters.")
    if reason == "other" and not note.strip():
        raise FieldError("note", "Tell the moderators what is wrong with this post.")


def flag_post(post: Post, member: User, reason: str, note: str = "") -> Flag:
    """Record the member's flag; when enough members have flagged the post, hide it until reviewed."""
    validate_flag(reason, note)
    try:
        with write_transaction() as session:
            check_may_write(session, member)
            current = session.get(Post, post.id, with_for_update=True)
            if refused := refusal(current, member):
                raise refused
            flag = Flag(post_id=current.id, user_id=member.id, reason=reason, note=note.strip())
            session.add(flag)
            session.flush()
            if _silence_if_spam(session, current, member) or _hide_if_flagged_enough(session, current):
                posts.rerender_quoting(session, [current.id])
    except IntegrityError:  # the same member's second flag raced the first
        raise Conflict(ALREADY_FLAGGED) from None
    return flag


def _silence_if_spam(session, post: Post, flagger: User) -> bool:
    """When a new member's post is flagged as spam by SPAM_FLAG_THRESHOLD members (or by one moderator):
    silence the member, hide every post and thread of theirs until a moderator reviews it, and log it.
    All of it hangs on the silence: lifting it (one action, on their standing page) brings it all back."""
    author = session.get(User, post.author_id)
    if author.is_staff or not held.is_new_member(author):
        return False
    spam_flaggers = session.scalar(select(func.count(func.distinct(Flag.user_id))).where(
        Flag.post_id == post.id, Flag.reason == "spam", Flag.resolved_at.is_(None)))
    if not spam_flaggers or (spam_flaggers < site_setting("SPAM_FLAG_THRESHOLD") and not flagger.is_staff):
        return False
    if any(s.kind in READ_ONLY_KINDS for s in active_sanctions(session, author.id)):
        return False  # already kept from writing: a moderator decides what more to do
    now = utcnow()
    by = "a moderator" if flagger.is_staff else f"{spam_flaggers} members"
    silence = Sanction(user_id=author.id, kind="silence", reason=SPAM_NOTICE,
                       note=f"Automatic: post {post.id} was flagged as spam by {by}.",
                       issued_by_id=flagger.id if flagger.is_staff else None, starts_at=now)
    session.add(silence)
    session.flush()
    hidden = list(session.scalars(select(Post.id).where(Post.author_id == author.id, Post.removal.is_(None))))
    if hidden:
        session.execute(update(Post).where(Post.id.in_(hidden)).values(
            removal="spam", removed_at=now, removed_by_sanction_id=silence.id))
    threads = session.execute(update(Thread).where(Thread.author_id == author.id, Thread.removed_at.is_(None))
                              .values(removed_at=now, removed_by_sanction_id=silence.id)).rowcount
    log_action(session, flagger if flagger.is_staff else None, "sanction:silence", "member", author.id,
               public_reason=f"A new member's post was flagged as spam by {by}: their posts are hidden and they "
                             "are silenced until a moderator reviews it.",
               details=f"post {post.id}; {len(hidden)} posts and {threads} threads hidden")
    posts.rerender_quoting(session, hidden)
    return True


def _hide_if_flagged_enough(session, post: Post) -> bool:
    threshold = site_setting("FLAG_HIDE_THRESHOLD")
    if post.removal is not None:
        return False
    members = list(session.scalars(select(User).where(User.id.in_(
        select(Flag.user_id).where(Flag.post_id == post.id, Flag.resolved_at.is_(None))))))
    flaggers = len(members)
    # Each flag counts as its member's trust level says (forum/trust.py: a regular's counts double).
    if sum(flag_weight(member) for member in members) < threshold:
        return False
    post.removal, post.removed_at = "flagged", utcnow()
    log_action(session, None, "hide_flagged", "post", post.id,
               public_reason=f"Flagged by {flaggers} members; hidden until a moderator reviews it.")
    return True


def hide_post(actor: User, post: Post, reason: str) -> Post:
    """Hide a post with a public reason ("Removed by a moderator: …"); its open flags are resolved."""
    reason = reason.strip()
    if not reason:
        raise FieldError("reason", "Give a reason: it is shown in place of the post.")
    if len(reason) > REASON_MAX:
        raise FieldError("reason", f"Reasons are at most {REASON_MAX} characters.")

    def hide(current: Post):
        if current.removal == "moderator":
            raise Conflict("A moderator has already hidden this post.")
        if current.removal not in (None, "flagged"):
            raise Conflict("This post is already removed.")
        current.removal, current.removal_reason, current.removed_at = "moderator", reason, utcnow()

    return _review(actor, post, "hide", hide, public_reason=reason)


def restore_post(actor: User, post: Post) -> Post:
    """Show a post hidden by a moderator or by flags again; its open flags are resolved."""

    def restore(current: Post):
        if current.removal == "banned":
            raise Conflict("This post was removed with its author's ban: lifting the ban restores it.")
        if current.removal not in RESTORABLE:
            raise Conflict("Only posts hidden by a moderator or by flags can be restored.")
        current.removal, current.removal_reason, current.removed_at = None, None, None

    return _review(actor, post, "restore", restore)


def dismiss_flags(actor: User, post: Post) -> Post:
    """Resolve the post's open flags without acting on it; a post the flags hid comes back."""

    def dismiss(current: Post):
        if current.removal == "flagged":
            current.removal, current.removed_at = None, None

    return _review(actor, post, "dismiss_flags", dismiss, needs_flags=True)


def _review(actor: User, post: Post, action: str, change, public_reason: str = "",
            needs_flags: bool = False) -> Post:
    """Apply a moderator's decision on a post: change it, resolve its open flags, log it, fix quotes."""
    with write_transaction() as session:
        check_may_write(session, actor)
        current = session.get(Post, post.id, with_for_update=True)
        open_flags = list(session.scalars(select(Flag).where(Flag.post_id == current.id,
                                                             Flag.resolved_at.is_(None))))
        if refused := review_refusal(actor, current, open_flags):
            raise refused
        if needs_flags and not open_flags:
            raise Conflict("There are no open flags on this post.")
        change(current)
        now = utcnow()
        for flag in open_flags:
            flag.resolved_at = now
        log_action(session, actor, action, "post", current.id, public_reason=public_reason,
                   details=f"{len(open_flags)} open flags resolved")
        posts.rerender_quoting(session, [current.id])
    return current


def queue() -> list[QueueEntry]:
    """Posts with open flags, the longest waiting first."""
    first_flag = func.min(Flag.created_at)
    waiting = (select(Flag.post_id).where(Flag.resolved_at.is_(None)).group_by(Flag.post_id)
               .order_by(first_flag, Flag.post_id).limit(QUEUE_SIZE))
    post_ids = list(db.session.scalars(waiting))
    return entries_for(post_ids)


def entry_for(post: Post) -> QueueEntry:
    """The queue entry of one post, as it is now (its flags may all be resolved)."""
    return entries_for([post.id])[0]


def entries_for(post_ids: list[int]) -> list[QueueEntry]:
    if not post_ids:
        return []
    loaded = db.session.scalars(select(Post).where(Post.id.in_(post_ids)).options(
        joinedload(Post.author), joinedload(Post.thread).joinedload(Thread.category)))
    by_id = {post.id: post for post in loaded}
    flags = db.session.scalars(select(Flag).where(Flag.post_id.in_(post_ids))
                               .options(joinedload(Flag.flagger)).order_by(Flag.created_at, Flag.id))
    entries = {post_id: QueueEntry(by_id[post_id], []) for post_id in post_ids}
    for flag in flags:
        entries[flag.post_id].flags.append(flag)
    return list(entries.values())


def waiting_for_review() -> tuple[int, int, int]:
    """(open flags, held posts waiting, flagged private messages waiting at /mod/messages), in one query:
    the numbers beside the staff header's review link."""
    flags_open = select(func.count(Flag.id)).where(Flag.resolved_at.is_(None)).scalar_subquery()
    held_open = select(func.count(HeldPost.id)).where(HeldPost.decided_at.is_(None)).scalar_subquery()
    messages_open = (select(func.count(func.distinct(MessageFlag.message_id)))
                     .where(MessageFlag.resolved_at.is_(None)).scalar_subquery())
    return tuple(db.session.execute(select(flags_open, held_open, messages_open)).one())


def counts() -> QueueCounts:
    """What waits for the moderators: flagged posts, open flags, posts hidden by flags, open appeals."""
    open_flags = select(Flag).where(Flag.resolved_at.is_(None)).subquery()
    flags, posts_waiting, oldest = db.session.execute(select(
        func.count(open_flags.c.id), func.count(func.distinct(open_flags.c.post_id)),
        func.min(open_flags.c.created_at))).one()
    hidden = db.session.scalar(select(func.count(Post.id)).where(Post.removal == "flagged"))
    appeals = db.session.scalar(select(func.count(Appeal.id)).where(Appeal.decided_at.is_(None)))
    return QueueCounts(posts=posts_waiting, flags=flags, hidden=hidden, appeals=appeals, oldest=oldest)
