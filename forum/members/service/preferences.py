"""A member's choices about what reaches them: watching or muting a thread, ignoring a member."""

from datetime import datetime

from sqlalchemy import delete, select

from ...database import upsertable_insert, write_transaction
from ...extensions import db
from ...models import Ignore, Thread, ThreadSubscription, User
from ...models.base import utcnow
from ...models.preferences import SUBSCRIPTION_LEVELS
from ...refusals import Refusal

WATCH_LEVELS = ("normal", *SUBSCRIPTION_LEVELS)  # "normal" is kept as no row at all


def set_watch_level(member: User, thread: Thread, level: str) -> str:
    """Watch the thread (every new post notifies), mute it (nothing does) or go back to normal."""
    if level not in WATCH_LEVELS:
        raise ValueError(f"unknown watch level {level!r}")
    with write_transaction(public=False) as session:
        if level == "normal":
            session.execute(delete(ThreadSubscription).where(ThreadSubscription.user_id == member.id,
                                                             ThreadSubscription.thread_id == thread.id))
        else:  # one statement, so two quick clicks cannot both insert
            insert = upsertable_insert(session.get_bind().dialect.name)
            session.execute(insert(ThreadSubscription).values(user_id=member.id, thread_id=thread.id, level=level)
                            .on_conflict_do_update(index_elements=["user_id", "thread_id"], set_={"level": level}))
    return level


def ignore(member: User, other: User):
    """Ignore `other`: their posts collapse for `member` and they no longer notify them.

    Nobody ignores themselves, and nobody ignores staff: moderators must be heard.
    """
    if other.id == member.id:
        raise Refusal("You cannot ignore yourself.")
    if other.is_staff:
        raise Refusal("Moderators and admins cannot be ignored: members must be able to hear them.")
    with write_transaction(public=False) as session:
        insert = upsertable_insert(session.get_bind().dialect.name)
        session.execute(insert(Ignore).values(user_id=member.id, ignored_id=other.id, created_at=utcnow())
                        .on_conflict_do_nothing(index_elements=["user_id", "ignored_id"]))


def unignore(member: User, other: User):
    with write_transaction(public=False) as session:
        session.execute(delete(Ignore).where(Ignore.user_id == member.id, Ignore.ignored_id == other.id))


def ignores(member, other: User) -> bool:
    """Whether `member` has chosen to ignore `other` (False for guests)."""
    if not getattr(member, "is_authenticated", False):
        return False
    return db.session.scalar(select(Ignore.ignored_id).where(Ignore.user_id == member.id,
                                                             Ignore.ignored_id == other.id)) is not None


def ignored_members(member: User) -> list[tuple[User, datetime]]:
    """The members `member` ignores, and since when, most recently ignored first."""
    query = (select(User, Ignore.created_at).join(Ignore, Ignore.ignored_id == User.id)
             .where(Ignore.user_id == member.id).order_by(Ignore.created_at.desc(), User.username))
    return [(user, since) for user, since in db.session.execute(query)]
