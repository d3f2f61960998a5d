"""Staff and private conversations: flagged messages, and nothing else.

Staff read a conversation only when they are in it, or when it is from the moderators. Any other
message they read only once a participant flagged it: that message and the few before it, each reading
written to the moderation log (who read which message, never what it says).
"""

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ...database import write_transaction
from ...extensions import db
from ...models import MessageFlag, ModAction, PrivateConversation, PrivateMessage, User
from ...models.base import utcnow
from ...models.moderation import FLAG_REASONS
from ...refusals import Conflict, FieldError
from .access import participant

CONTEXT = 5  # messages before the flagged one that staff may read with it


def flag_message(message: PrivateMessage, member: User, reason: str, note: str = "") -> MessageFlag:
    """A participant shows the message to the moderators (once each)."""
    if reason not in FLAG_REASONS:
        raise FieldError("reason", "Choose a reason.")
    if message.author_id == member.id:
        raise Conflict("You cannot flag your own message.", field="reason")
    if participant(message.conversation_id, member) is None:
        raise Conflict("Only the members of a conversation may flag its messages.", field="reason")
    try:
        with write_transaction(public=False) as session:
            flag = MessageFlag(message_id=message.id, user_id=member.id, reason=reason, note=note.strip()[:500])
            session.add(flag)
    except IntegrityError:
        raise Conflict("You have flagged this message already.", field="reason") from None
    return flag


def open_flags() -> list[MessageFlag]:
    """Flagged messages waiting for a moderator, oldest first (what they say is not loaded here)."""
    return list(db.session.scalars(select(MessageFlag).options(joinedload(MessageFlag.flagger))
                                   .where(MessageFlag.resolved_at.is_(None)).order_by(MessageFlag.id)))


def open_count() -> int:
    return db.session.scalar(select(func.count(MessageFlag.id)).where(MessageFlag.resolved_at.is_(None)))


def is_flagged(message_id: int) -> bool:
    return db.session.scalar(select(MessageFlag.id).where(MessageFlag.message_id == message_id).limit(1)) is not None


def read_flagged(message: PrivateMessage, reader: User) -> list[PrivateMessage]:
    """The flagged message and up to CONTEXT before it, for staff; the reading is logged. Raises
    LookupError for a message nobody flagged: staff cannot read it."""
    if not reader.is_staff or not is_flagged(message.id):
        raise LookupError("not flagged")
    before = list(db.session.scalars(
        select(PrivateMessage).options(joinedload(PrivateMessage.author))
        .where(PrivateMessage.conversation_id == message.conversation_id, PrivateMessage.id < message.id)
        .order_by(PrivateMessage.id.desc()).limit(CONTEXT)))
    with write_transaction(public=False) as session:
        session.add(ModAction(actor_id=reader.id, actor_role=reader.role, action="read_flagged_message",
                              target_type="message", target_id=message.id,
                              details=f"Read message {message.id} (flagged) and {len(before)} before it."))
    return [*reversed(before), message]


def resolve(message: PrivateMessage, moderator: User) -> int:
    """The moderators have seen to the flags on this message."""
    with write_transaction(public=False) as session:
        result = session.execute(update(MessageFlag).where(MessageFlag.message_id == message.id,
                                                           MessageFlag.resolved_at.is_(None))
                                 .values(resolved_at=utcnow()))
        session.add(ModAction(actor_id=moderator.id, actor_role=moderator.role, action="resolve_message_flags",
                              target_type="message", target_id=message.id))
    return result.rowcount


def from_moderators_about(member: User) -> list[PrivateConversation]:
    """Conversations staff started with the member from the moderators, newest first (for the standing page)."""
    return list(db.session.scalars(select(PrivateConversation).where(
        PrivateConversation.from_moderators.is_(True), PrivateConversation.about_id == member.id)
        .order_by(PrivateConversation.id.desc())))
