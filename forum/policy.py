"""Who may see and who may write: the answers every part of the forum asks for, so they sit in the
core, below the features, where error pages, templates and rate limits can ask them too.

Reading: a thread a moderator removed is for staff; one in a members-only category is for members.
Roles: staff-only and admin-only views, and who may sanction whom. Writing: who may change a post,
whose links are published, and the sanctions that hold, checked before every write request and again
inside its transaction, so a write that was in flight when a ban landed does not slip through after it.
"""

import math
from dataclasses import dataclass
from functools import wraps

from flask import abort, current_app, g, request
from flask_login import current_user
from sqlalchemy import and_, func, or_, select, true
from werkzeug.exceptions import Forbidden

from .extensions import db, login_manager
from .models import Article, Category, Post, Sanction, Thread, User
from .models.base import utcnow
from .models.moderation import READ_ONLY_KINDS
from .trust import reaches_member


# --- Reading ---------------------------------------------------------------------------------

class MembersOnly(Forbidden):
    """A guest asked for something in a members-only category: they are asked to sign in to read it."""

    description = "This is in a members-only category. Sign in to read it."


def readable(thread: Thread, viewer) -> bool:
    """`visible_to`, except that a guest at a members-only thread raises MembersOnly (they may sign in)."""
    if guest_kept_out(thread, viewer):
        raise MembersOnly()
    return visible_to(thread, viewer)


def visible_to(thread: Thread, viewer) -> bool:
    """A thread a moderator removed is seen by staff only; one in a members-only category by members."""
    return (thread.removed_at is None or getattr(viewer, "is_staff", False)) and not guest_kept_out(thread, viewer)


def guest_kept_out(thread: Thread, viewer) -> bool:
    """Whether `viewer` is a guest and the thread is in a members-only category, or is the comments of an
    article staff made members-only ("sign in to read"; thread.article, loaded with it by get_thread)."""
    if getattr(viewer, "is_authenticated", False):
        return False
    return thread.category.members_only or (thread.article is not None and thread.article.members_only)


def listed_count(viewer, category_id: int | None = None):
    """SQL: how many threads a list shows `viewer` (of one category, or of all): those not removed that
    readable_by lets them read. Counted per category they may read, from ix_threads_category_shown
    without reading the threads' rows; a guest's members-only articles' threads are few and counted
    apart, then taken off (asked of every row, as readable_by asks it, that condition cost more than
    the count). tests/test_listed_count.py holds it to readable_by."""
    guest = reader_kind(viewer) == "guest"
    categories = select(Category.id)
    if category_id is not None:
        categories = categories.where(Category.id == category_id)
    if guest:
        categories = categories.where(Category.members_only.is_(False))
    shown = (Thread.removed_at.is_(None), Thread.category_id.in_(categories))
    total = select(func.count()).select_from(Thread).where(*shown).scalar_subquery()
    if not guest:
        return select(total)
    hidden = (select(func.count()).select_from(Article)  # from the articles: asked of each thread, as slow
              .where(Article.members_only.is_(True),
                     select(Thread.id).where(Thread.id == Article.thread_id, *shown).exists())
              .scalar_subquery())
    return select(total - hidden)


def members_only_threads():
    """SQL: the ids of the threads guests may not read (members-only categories', members-only articles')."""
    return (select(Thread.id).join(Category, Category.id == Thread.category_id)
            .where(Category.members_only.is_(True))
            .union(select(Article.thread_id).where(Article.members_only.is_(True))))


def readable_by(viewer):
    """The SQL condition on Thread for the threads `viewer` may read: all but removed ones for staff,
    and no members-only category's threads for guests. Lists, search, feeds and profiles use it."""
    return readable_by_kind(reader_kind(viewer))


def reader_kind(viewer) -> str:
    """"guest", "member" or "staff": all readable_by tells apart. Answers kept for every reader of a kind
    (forum.unchanged), and statements built once, are keyed by it."""
    if getattr(viewer, "is_staff", False):
        return "staff"
    return "member" if getattr(viewer, "is_authenticated", False) else "guest"


def readable_by_kind(kind: str):
    """readable_by for any reader of this kind (reader_kind): for a statement built once per kind."""
    conditions = []
    if kind != "staff":
        conditions.append(Thread.removed_at.is_(None))
    if kind == "guest":
        conditions.append(Thread.category_id.not_in(select(Category.id).where(Category.members_only)))
        conditions.append(Thread.id.not_in(select(Article.thread_id).where(Article.members_only)))
    return and_(true(), *conditions)


# --- Roles -----------------------------------------------------------------------------------

def staff_required(view):
    """Moderators and admins only: guests are sent to sign in, members get 403."""
    return _role_required(view, ("moderator", "admin"))


def admin_required(view):
    """Admins only."""
    return _role_required(view, ("admin",))


def _role_required(view, roles):
    @wraps(view)
    def checked(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in roles:
            current_app.logger.warning("refused %s to %s (%s)", view.__name__, current_user.username, current_user.role)
            abort(403, "That is for the forum's staff.")
        return view(*args, **kwargs)

    return checked


def may_sanction(actor, member) -> bool:
    """Staff sanction members; a moderator cannot sanction an admin, and nobody sanctions themselves."""
    if actor.id == member.id or not actor.is_staff:
        return False
    return actor.is_admin or member.role != "admin"


# --- Writing ---------------------------------------------------------------------------------

def may_change(user, post: Post) -> bool:
    """Only the author changes a post, and only while it is not removed."""
    return bool(getattr(user, "is_authenticated", False)) and user.id == post.author_id and not post.is_removed


def links_allowed_for(author: User) -> bool:
    """Whether the member's trust level publishes their links (forum/trust.py's table: from MEMBER on)."""
    return reaches_member(author)


# What a member under a read-only sanction may still do.
ALLOWED_WHILE_READ_ONLY = {"auth.logout", "auth.login", "auth.sso_sign_out_confirmed", "auth.sso_sign_in_in_frame",
                           "moderation.appeal", "static",
                           "account.update_email_settings", "notifications.unsubscribe"}  # what mail they get


@dataclass
class WriteRefused(Exception):
    """A write the member may not make now, with what to tell them."""

    message: str
    status: int = 403
    retry_after: int | None = None  # seconds, for a wait (slow mode)


def in_force(now):
    """SQL for "this sanction is in force at `now`": ended and lifted ones need no job to stop."""
    return and_(Sanction.lifted_at.is_(None), Sanction.starts_at <= now,
                or_(Sanction.ends_at.is_(None), Sanction.ends_at > now))


def active_sanctions(session, user_id: int) -> list[Sanction]:
    """The member's sanctions in force right now."""
    query = select(Sanction).where(Sanction.user_id == user_id, in_force(utcnow())).order_by(Sanction.id)
    return list(session.scalars(query))


def refusal_for(sanction: Sanction) -> WriteRefused:
    until = f" until {sanction.ends_at:%-d %B %Y, %H:%M} UTC" if sanction.ends_at else ""
    what = {"silence": "You are silenced", "suspension": "Your account is suspended",
            "ban": "Your account is banned"}[sanction.kind]
    return WriteRefused(f"{what}{until}, so you cannot post or change anything. "
                        f"Reason: {sanction.reason} You can read your notice and appeal on your standing page.")


def check_may_write(session, user: User, thread: Thread | None = None) -> None:
    """Raise WriteRefused unless `user` may write now (in `thread`, if given).

    Call inside the write transaction: the member's row is locked for share first, so a ban
    being issued at the same moment either lands before this check or waits for this write.
    """
    session.execute(select(User.id).where(User.id == user.id).with_for_update(read=True))
    sanctions = active_sanctions(session, user.id)
    for sanction in sanctions:
        if sanction.kind in READ_ONLY_KINDS:
            raise refusal_for(sanction)
    if thread is None:
        return
    if thread.removed_at is not None:
        raise WriteRefused("This thread was removed by a moderator.", status=404)
    if thread.locked and not user.is_staff:
        raise WriteRefused("This thread is locked: no new replies.")
    for sanction in sanctions:
        if sanction.kind == "thread_ban" and sanction.thread_id == thread.id:
            until = f" until {sanction.ends_at:%-d %B %Y, %H:%M} UTC" if sanction.ends_at else ""
            raise WriteRefused(f"You cannot reply in this thread{until}. Reason: {sanction.reason}")
    _check_slow_mode(session, user, thread, sanctions)


def _check_slow_mode(session, user: User, thread: Thread, sanctions: list[Sanction]) -> None:
    """One post every N minutes: the member's own slow mode, and the thread's."""
    waits = [(s.slow_mode_minutes, None) for s in sanctions if s.kind == "slow_mode" and s.slow_mode_minutes]
    if thread.slow_mode_minutes and not user.is_staff:
        waits.append((thread.slow_mode_minutes, thread.id))
    for minutes, thread_id in waits:
        query = select(func.max(Post.created_at)).where(Post.author_id == user.id)
        if thread_id is not None:
            query = query.where(Post.thread_id == thread_id)
        last = session.scalar(query)
        if last is None:
            continue
        remaining = (last - utcnow()).total_seconds() + minutes * 60
        if remaining > 0:
            where = "this thread is in slow mode" if thread_id else "you are in slow mode"
            raise WriteRefused(f"Slow down: {where}, one post every {minutes} minutes. "
                               f"You can post again in {math.ceil(remaining / 60)} minutes.",
                               status=429, retry_after=math.ceil(remaining))


def guard_writes():
    """Before every state-changing request: refuse it at once if the member is read-only."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not current_user.is_authenticated:
        return None
    if request.endpoint in ALLOWED_WHILE_READ_ONLY:
        return None
    for sanction in notices_for(current_user):
        if sanction.kind in READ_ONLY_KINDS:
            raise refusal_for(sanction)
    return None


def notices_for(user) -> list[Sanction]:
    """The sanctions a signed-in member is told about on every page (read once a request)."""
    if not getattr(user, "is_authenticated", False):
        return []
    if getattr(g, "sanctions_of", (None,))[0] != user.id:
        g.sanctions_of = (user.id, active_sanctions(db.session, user.id))
    return g.sanctions_of[1]


def known_unsanctioned(user_id: int) -> None:
    """The member was read in this request with no sanction in force (forum/member_state.py):
    notices_for needs no query of its own."""
    g.sanctions_of = (user_id, [])


def shown_notices(user) -> list[Sanction]:
    """The notices a page shows the member: all their sanctions in force, but while a silence,
    suspension or ban stops every write, not a thread ban or slow mode too, whose "everywhere else
    is as usual" / "once every N minutes" would contradict it (the standing page still lists them)."""
    sanctions = notices_for(user)
    if any(sanction.kind in READ_ONLY_KINDS for sanction in sanctions):
        return [sanction for sanction in sanctions if sanction.kind not in ("thread_ban", "slow_mode")]
    return sanctions


def write_blocker(user, thread: Thread | None = None, thread_id: int | None = None) -> Sanction | None:
    """The sanction that would refuse `user` a write now (anywhere, or a reply in `thread`, or in the
    thread of that id), so that pages do not offer a control whose use would be refused: a silence,
    suspension or ban hides every composer, "Start a thread" and each post's Reply, Quote, Like, Edit,
    Delete and Flag; a thread ban, that thread's composer and its posts' Reply and Quote.
    check_may_write still decides."""
    sanctions = notices_for(user)
    for sanction in sanctions:
        if sanction.kind in READ_ONLY_KINDS:
            return sanction
    if thread is not None:
        thread_id = thread.id
    if thread_id is not None:
        for sanction in sanctions:
            if sanction.kind == "thread_ban" and sanction.thread_id == thread_id:
                return sanction
    return None
