"""Who may read a conversation and who may write to whom: asked on every request, fragments included.

Only participants read a conversation (anyone else gets the same 404 as for one that does not exist);
staff read one only when it is "from the moderators". Staff reading a flagged message is moderation.py's.
"""

from sqlalchemy import select

from ...extensions import db
from ...models import ConversationParticipant, Ignore, PrivateConversation, User
from ...trust import MEMBER, REGULAR, level_of

CANNOT_MESSAGE = "You can't message this member."
NEEDED_LEVEL = {"member": MEMBER, "regular": REGULAR}


def participant(conversation_id: int, member) -> ConversationParticipant | None:
    """The member's place in the conversation, if they are in it and have not left."""
    if not getattr(member, "is_authenticated", False):
        return None
    row = db.session.get(ConversationParticipant, (conversation_id, member.id))
    return row if row is not None and row.left_at is None else None


def readable_conversation(conversation_id: int, viewer) -> tuple[PrivateConversation, ConversationParticipant | None] | None:
    """The conversation and the viewer's place in it, or None when the viewer may not read it (or it
    does not exist: the two are never told apart). Staff read conversations from the moderators."""
    if not getattr(viewer, "is_authenticated", False):
        return None
    conversation = db.session.get(PrivateConversation, conversation_id)
    if conversation is None:
        return None
    place = participant(conversation_id, viewer)
    if place is None and not (conversation.from_moderators and viewer.is_staff):
        return None
    return conversation, place


def may_message(sender: User, recipient: User) -> bool:
    """Whether `sender` may start a conversation with (or add) `recipient`. Staff may always write; a
    member who ignores the sender, or takes messages only from a trust level or staff the sender lacks,
    may not be written to. The sender is only ever told CANNOT_MESSAGE, never which of these it was."""
    if recipient.id == sender.id or recipient.is_deleted:
        return False
    if sender.is_staff:
        return True
    if recipient.messages_from == "staff":
        return False
    needed = NEEDED_LEVEL.get(recipient.messages_from)
    if needed is not None and level_of(sender) < needed:
        return False
    ignored = select(Ignore.user_id).where(Ignore.user_id == recipient.id, Ignore.ignored_id == sender.id)
    return db.session.scalar(ignored) is None


def reachable_ids(sender: User, member_ids) -> set[int]:
    """Of these members, those who hear of a message by `sender`: not those who ignore them (unless the
    sender is staff), and not deleted accounts."""
    members = list(member_ids)
    if not members:
        return set()
    query = select(User.id).where(User.id.in_(members), User.deleted_at.is_(None))
    if not sender.is_staff:
        ignorers = select(Ignore.user_id).where(Ignore.ignored_id == sender.id)
        query = query.where(User.id.not_in(ignorers))
    return set(db.session.scalars(query))
