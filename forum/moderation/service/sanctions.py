"""The sanction ladder: issuing and lifting warnings, silences, suspensions, bans and scoped limits."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from ...auth.service import sessions
from ...database import write_transaction
from ...extensions import db
from ...models import Post, Sanction, Thread, User
from ...models.base import utcnow
from ...models.moderation import SANCTION_KINDS, SIGN_OUT_KINDS
from ...messages import service as messages
from ...models.user import new_session_token
from ...policy import may_sanction
from ...posts.service import rerender_quoting
from ...refusals import FieldError, Forbidden, Refusal
from .log import log_action

log = logging.getLogger(__name__)

WARNING_DAYS = 90  # a warning stays on the member's standing this long


@dataclass
class SanctionRequest:
    kind: str
    reason: str
    note: str = ""
    days: int | None = None  # None: for good (bans) or the kind's default
    thread_id: int | None = None
    slow_mode_minutes: int | None = None
    remove_posts: bool = False


def ends_at_for(request: SanctionRequest, now: datetime) -> datetime | None:
    if request.kind == "ban":
        return None
    if request.kind == "warning" and not request.days:
        return now + timedelta(days=WARNING_DAYS)
    return now + timedelta(days=request.days) if request.days else None


def validate(actor: User, member: User, request: SanctionRequest) -> None:
    """Raise a Refusal for a sanction that breaks the rules (Forbidden when it is not the actor's to issue)."""
    if actor.id == member.id:
        raise Forbidden("Nobody sanctions themselves.", field="kind")
    if not may_sanction(actor, member):
        raise Forbidden("You cannot sanction this member.", field="kind")
    if request.kind not in SANCTION_KINDS:
        raise FieldError("kind", "Choose a sanction.")
    if not request.reason.strip():
        raise FieldError("reason", "Give the member a reason: it is shown to them.")
    if request.kind == "suspension" and not request.days:
        raise FieldError("days", "A suspension needs an end: give a number of days (a ban has none).")
    if request.kind == "thread_ban" and not (request.thread_id and db.session.get(Thread, request.thread_id)):
        raise FieldError("thread_id", "Name the thread the member may not reply in.")
    if request.kind == "slow_mode" and not (request.slow_mode_minutes and request.slow_mode_minutes > 0):
        raise FieldError("slow_mode_minutes", "Say how many minutes must pass between posts.")
    if request.remove_posts and request.kind not in SIGN_OUT_KINDS:
        raise FieldError("remove_posts", "Only a suspension or a ban can remove the member's posts.")


def preview(actor: User, member: User, request: SanctionRequest) -> str:
    """What will happen, in words, before a moderator confirms it."""
    name = member.public_name
    ends = ends_at_for(request, utcnow())
    until = f" until {ends:%-d %B %Y, %H:%M} UTC" if ends else " for good"
    effects = {
        "warning": f"{name} gets a warning, shown on their standing page{until}.",
        "silence": f"{name} can read but not post, reply, edit, like or flag{until}.",
        "suspension": f"{name} is signed out everywhere at once and can only sign in to read the notice and "
                      f"appeal{until}.",
        "ban": f"{name} is signed out everywhere at once and can only sign in to read the notice and appeal, "
               "for good.",
        "thread_ban": f"{name} cannot reply in the thread{until}.",
        "slow_mode": f"{name} can post once every {request.slow_mode_minutes or '?'} minutes{until}.",
    }
    text = effects.get(request.kind, "")
    if request.remove_posts:
        count = db.session.scalar(select(func.count(Post.id)).where(
            Post.author_id == member.id, Post.removal.is_(None)))
        text += f" Their {count} visible posts are replaced by “Removed: the member was banned” (restored if lifted)."
    return text


def issue(actor: User, member: User, request: SanctionRequest) -> Sanction:
    """Issue a sanction: it starts now; suspensions and bans end every session of the member."""
    validate(actor, member, request)
    with write_transaction() as session:
        target = session.get(User, member.id, with_for_update=True)
        now = utcnow()
        sanction = Sanction(user_id=target.id, kind=request.kind, reason=request.reason.strip(),
                            note=request.note.strip(), issued_by_id=actor.id, starts_at=now,
                            ends_at=ends_at_for(request, now), thread_id=request.thread_id,
                            slow_mode_minutes=request.slow_mode_minutes, remove_posts=request.remove_posts)
        session.add(sanction)
        session.flush()
        if request.kind in SIGN_OUT_KINDS:
            sessions.mark_ended_by(session, target, sanction)  # each signed-out browser is told why
            target.session_token = new_session_token()
        removed = _remove_posts(session, target, sanction) if request.remove_posts else []
        if request.remove_posts:  # their messages stay with the recipients, marked as from a banned member
            messages.mark_banned(session, target.id, sanction.id)
        log_action(session, actor, f"sanction:{request.kind}", "member", target.id,
                   public_reason=sanction.reason, details=sanction.note)
        rerender_quoting(session, removed)  # in this transaction: no removal commits with stale quotes
    log.info("Sanction %s issued: %s of member %s by member %s (%s posts removed)", sanction.id, sanction.kind,
             sanction.user_id, actor.id, len(removed))
    return sanction


def lift_refusal(actor: User, sanction: Sanction) -> Refusal | None:
    """Why `actor` may not lift `sanction`, or None: only staff who could have issued it may lift it,
    so nobody lifts their own, and a moderator does not lift an admin's."""
    if sanction.user_id == actor.id:
        return Forbidden("Nobody lifts a sanction on themselves: another moderator decides.", field="reason")
    if not may_sanction(actor, sanction.member):
        return Forbidden("You cannot lift this member's sanctions.", field="reason")
    return None


def lift(actor: User, sanction: Sanction, reason: str, logged: bool = True) -> Sanction:
    """End a sanction early (with a logged reason); posts it removed come back. `logged=False` when
    the caller writes the log's one row for it (a granted appeal: appeals.decide)."""
    if refused := lift_refusal(actor, sanction):
        raise refused
    if not reason.strip():
        raise FieldError("reason", "Say why the sanction is lifted.")
    with write_transaction() as session:
        current = session.get(Sanction, sanction.id, with_for_update=True)
        if current.lifted_at is not None:
            return current
        current.lifted_at, current.lifted_by_id, current.lift_reason = utcnow(), actor.id, reason.strip()
        restored = list(session.scalars(select(Post.id).where(Post.removed_by_sanction_id == current.id)))
        if restored:
            session.execute(update(Post).where(Post.id.in_(restored)).values(
                removal=None, removal_reason=None, removed_at=None, removed_by_sanction_id=None))
        session.execute(update(Thread).where(Thread.removed_by_sanction_id == current.id).values(
            removed_at=None, removed_by_sanction_id=None))
        messages.unmark_banned(session, current.id)
        if logged:
            log_action(session, actor, f"lift:{current.kind}", "member", current.user_id,
                       public_reason=current.lift_reason)
        rerender_quoting(session, restored)
    log.info("Sanction %s lifted: %s of member %s by member %s (%s posts restored)", current.id, current.kind,
             current.user_id, actor.id, len(restored))
    return current


def _remove_posts(session, member: User, sanction: Sanction) -> list[int]:
    post_ids = list(session.scalars(select(Post.id).where(Post.author_id == member.id, Post.removal.is_(None))))
    if post_ids:
        session.execute(update(Post).where(Post.id.in_(post_ids)).values(
            removal="banned", removed_at=utcnow(), removed_by_sanction_id=sanction.id))
    return post_ids


def history_of(member: User) -> list[Sanction]:
    """Every sanction the member has had, newest first."""
    return list(db.session.scalars(select(Sanction).where(Sanction.user_id == member.id).order_by(Sanction.id.desc())))
