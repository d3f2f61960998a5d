"""Private conversations: starting one, writing, editing and deleting messages, adding a member, leaving.

Messages are rendered once, when written, by the posts' renderer (Markdown, sanitised, a new member's
links hidden); mentions link only members of the conversation, so a mention never tells anyone outside
it that it exists. Every write happens in one write transaction that checks again, under the lock, that
the writer may still write (a ban landing at the same moment wins). Nothing here is public: no guest
page, feed, search or profile shows a message, so no write makes the guest page cache stale.
"""

from dataclasses import replace
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ...database import write_transaction
from ...extensions import db
from ...models import (ConversationParticipant, MessageDraft, MessageRevision, NewConversationDraft, PrivateConversation,
                       PrivateMessage, User)
from ...models.base import utcnow
from ...models.messages import MESSAGES_FROM
from ...policy import WriteRefused, check_may_write, links_allowed_for
from ...posts.forms import BODY_MAX
from ...posts.service.context import context_for
from ...posts.service.render import RENDER_VERSION, Rendered, render_body
from ...refusals import Conflict, FieldError, Forbidden
from ...settings import site_setting
from .access import CANNOT_MESSAGE, may_message
from .display import message_references

SUBJECT_MAX = 150
QUOTE_ELSEWHERE = ("This quotes a message from another conversation. A message can quote only the messages "
                   "of its own conversation: take the quote out.")


class EditConflict(Exception):
    """The message changed after the editor opened it; `current` is what it says now."""

    def __init__(self, current: PrivateMessage):
        super().__init__("edit conflict")
        self.current = current


def render_message(body: str, links_allowed: bool, member_ids, conversation_id: int | None = None) -> Rendered:
    """Render as a post renders (quotes of posts attributed, removed ones collapsed), with @mentions
    linking only members of the conversation, and quotes of its own messages attributed as quotes of
    posts are. A quote of any other message, one the conversation's members may not read, is refused."""
    context = context_for(body, links_allowed)
    members = set(member_ids or ())
    context = replace(context, members={name: uid for name, uid in context.members.items() if uid in members},
                      **_quoted_messages(body, conversation_id))
    rendered = render_body(body, context)
    if set(rendered.quoted_message_ids) - set(context.message_quote_names):
        raise FieldError("body", QUOTE_ELSEWHERE)
    return rendered


def _quoted_messages(body: str, conversation_id: int | None) -> dict:
    """The names and placeholders of the messages `body` quotes, of this conversation only."""
    ids = message_references(body)
    names, removed = {}, {}
    if ids and conversation_id is not None:
        for message in db.session.scalars(
                select(PrivateMessage).options(joinedload(PrivateMessage.author))
                .where(PrivateMessage.id.in_(ids), PrivateMessage.conversation_id == conversation_id)
                .execution_options(populate_existing=True)):
            names[message.id] = message.author.public_name
            if message.is_removed:
                removed[message.id] = message.placeholder
    return {"message_quote_names": names, "removed_message_quotes": removed}


def check_length(body: str) -> None:
    if len(body) > BODY_MAX:  # forms say so first; this guards every other caller
        raise FieldError("body", f"Messages are at most {BODY_MAX:,} characters long.")


def max_participants() -> int:
    return site_setting("MESSAGE_MAX_PARTICIPANTS")


def start_conversation(author: User, recipients: list[User], subject: str, body: str,
                       request_key: str | None = None, from_moderators: bool = False) -> PrivateConversation:
    """Start a conversation with these members and its first message. Only staff may start one
    "from the moderators" (then about its one recipient); a repeated submission returns the first."""
    subject, recipients = subject.strip(), list({r.id: r for r in recipients}.values())
    if not subject:
        raise FieldError("subject", "Give the conversation a subject.")
    if not recipients:
        raise FieldError("to", "Name at least one member to write to.")
    if len(recipients) + 1 > max_participants():
        raise FieldError("to", f"A conversation has at most {max_participants()} members, you included.")
    if from_moderators and not author.is_staff:
        raise Forbidden("Only the forum's staff write as the moderators.")
    for recipient in recipients:
        if not may_message(author, recipient):
            raise FieldError("to", CANNOT_MESSAGE if len(recipients) == 1
                             else f"You can't message {recipient.username}.")
    check_length(body)
    allowed = links_allowed_for(author)
    member_ids = [author.id, *(r.id for r in recipients)]
    rendered = render_message(body, allowed, member_ids)
    try:
        with write_transaction(public=False) as session:
            check_may_write(session, author)
            now = utcnow()
            conversation = PrivateConversation(subject=subject[:SUBJECT_MAX], started_by_id=author.id,
                                               created_at=now, last_message_at=now, from_moderators=from_moderators,
                                               about_id=recipients[0].id if from_moderators else None)
            session.add(conversation)
            session.flush()
            for member_id in member_ids:
                session.add(ConversationParticipant(conversation_id=conversation.id, user_id=member_id, joined_at=now))
            _new_message(session, conversation, author, body, rendered, allowed, now, request_key)
            session.execute(delete(NewConversationDraft).where(NewConversationDraft.user_id == author.id))
    except IntegrityError:
        earlier = sent_with(author, request_key) if request_key else None
        if earlier is None:
            raise
        return earlier.conversation
    return conversation


def add_message(conversation: PrivateConversation, author: User, body: str,
                request_key: str | None = None) -> PrivateMessage:
    """Append a message. The author must be in the conversation (staff join one from the moderators by
    answering it); the same request key never sends twice."""
    check_length(body)
    allowed = links_allowed_for(author)
    try:
        with write_transaction(public=False) as session:
            check_may_write(session, author)
            current = session.get(PrivateConversation, conversation.id, with_for_update=True)
            place = session.get(ConversationParticipant, (current.id, author.id))
            now = utcnow()
            if place is None or place.left_at is not None:
                if not (current.from_moderators and author.is_staff):
                    raise WriteRefused("You are not in this conversation.", status=404)
                _join(session, current, author, place, now)
            others = _active_ids(session, current.id) - {author.id}
            if not others or not any(may_message(author, m) for m in session.scalars(
                    select(User).where(User.id.in_(others)))):
                raise WriteRefused(CANNOT_MESSAGE if others else "Everyone else has left this conversation.")
            rendered = render_message(body, allowed, others | {author.id}, current.id)
            message = _new_message(session, current, author, body, rendered, allowed, now, request_key)
    except IntegrityError:
        earlier = sent_with(author, request_key) if request_key else None
        if earlier is None:
            raise
        return earlier
    return message


def _join(session, conversation, member, place, now) -> None:
    if place is None:
        session.add(ConversationParticipant(conversation_id=conversation.id, user_id=member.id, joined_at=now))
    else:
        place.left_at, place.joined_at = None, now
    session.flush()


def _active_ids(session, conversation_id: int) -> set[int]:
    return set(session.scalars(select(ConversationParticipant.user_id).where(
        ConversationParticipant.conversation_id == conversation_id, ConversationParticipant.left_at.is_(None))))


def _new_message(session, conversation, author, body, rendered, allowed, now, request_key) -> PrivateMessage:
    message = PrivateMessage(conversation_id=conversation.id, author_id=author.id, body=body,
                             body_html=rendered.html, render_version=RENDER_VERSION, links_allowed=allowed,
                             request_key=request_key or None, created_at=now)
    session.add(message)
    session.flush()
    session.execute(update(PrivateConversation).where(PrivateConversation.id == conversation.id).values(
        last_message_at=now, last_message_id=message.id, message_count=PrivateConversation.message_count + 1))
    # Sent: the draft it grew from is done with.
    session.execute(delete(MessageDraft).where(MessageDraft.user_id == author.id,
                                               MessageDraft.conversation_id == conversation.id))
    # Their own message is never unread to them.
    session.execute(update(ConversationParticipant).where(
        ConversationParticipant.conversation_id == conversation.id, ConversationParticipant.user_id == author.id)
        .values(last_read_id=message.id, mailed_id=message.id))
    return message


def add_member(conversation: PrivateConversation, adder: User, member: User) -> ConversationParticipant:
    """Bring another member into the conversation (they read it from the start)."""
    if not may_message(adder, member):
        raise FieldError("username", CANNOT_MESSAGE)
    with write_transaction(public=False) as session:
        check_may_write(session, adder)
        if session.get(ConversationParticipant, (conversation.id, adder.id)) is None:
            raise WriteRefused("You are not in this conversation.", status=404)
        active = _active_ids(session, conversation.id)
        if member.id in active:
            raise FieldError("username", f"{member.username} is in this conversation already.")
        if len(active) + 1 > max_participants():
            raise FieldError("username", f"A conversation has at most {max_participants()} members.")
        place = session.get(ConversationParticipant, (conversation.id, member.id))
        _join(session, conversation, member, place, utcnow())
        return session.get(ConversationParticipant, (conversation.id, member.id))


def leave(conversation: PrivateConversation, member: User) -> None:
    """The member leaves: it goes from their inbox, and they hear of it no more."""
    with write_transaction(public=False) as session:
        place = session.get(ConversationParticipant, (conversation.id, member.id))
        if place is not None and place.left_at is None:
            place.left_at = utcnow()
        session.execute(delete(MessageDraft).where(MessageDraft.user_id == member.id,
                                                   MessageDraft.conversation_id == conversation.id))


def mark_read(conversation: PrivateConversation, member: User, up_to: int) -> None:
    """Everything up to message `up_to` is read by the member (never moving backwards)."""
    with write_transaction(public=False) as session:
        session.execute(update(ConversationParticipant).where(
            ConversationParticipant.conversation_id == conversation.id, ConversationParticipant.user_id == member.id,
            ConversationParticipant.last_read_id < up_to).values(last_read_id=up_to))


def may_change(user, message: PrivateMessage) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.id == message.author_id and not message.is_removed


def edit_message(message: PrivateMessage, editor: User, body: str, expected_version: int | None) -> PrivateMessage:
    """Replace the text; after the grace period keep the old one as a revision, as posts do."""
    check_length(body)
    allowed = links_allowed_for(editor)
    with write_transaction(public=False) as session:
        check_may_write(session, editor)
        current = session.get(PrivateMessage, message.id, with_for_update=True)
        if not may_change(editor, current):
            raise Forbidden("Only its author may edit this message.")
        if expected_version is not None and current.version != expected_version:
            raise EditConflict(current)
        if current.body == body:
            return current
        rendered = render_message(body, allowed, _active_ids(session, current.conversation_id), current.conversation_id)
        now = utcnow()
        if now - current.created_at > timedelta(seconds=current_app.config["EDIT_GRACE_SECONDS"]):
            session.add(MessageRevision(message_id=current.id, body=current.body,
                                        written_at=current.edited_at or current.created_at))
            current.edited_at = now
        current.body, current.body_html, current.links_allowed = body, rendered.html, allowed
        current.render_version, current.version = RENDER_VERSION, current.version + 1
    return current


def delete_message(message: PrivateMessage, actor: User) -> PrivateMessage:
    """Take the text away, leaving "deleted by its author" in its place (and no earlier versions)."""
    with write_transaction(public=False) as session:
        check_may_write(session, actor)
        current = session.get(PrivateMessage, message.id, with_for_update=True)
        if not may_change(actor, current):
            raise Conflict("This message is not yours to delete, or is deleted already.")
        _blank(session, [current.id])
    return current


def _blank(session, message_ids) -> None:
    ids = list(message_ids)
    session.execute(update(PrivateMessage).where(PrivateMessage.id.in_(ids)).values(
        removal="author", removed_at=utcnow(), body="", body_html=""), execution_options={"synchronize_session": False})
    session.execute(MessageRevision.__table__.delete().where(MessageRevision.message_id.in_(ids)))
    _rerender_quotes_of(session, set(ids))


def _rerender_quotes_of(session, removed_ids: set[int]) -> None:
    """The messages quoting these (now removed) ones show the placeholder instead of the quoted words, as
    quotes of a removed post do; a quote never keeps what its author took back. Only the conversations of
    the removed messages can quote them, so only those are read."""
    conversations = select(PrivateMessage.conversation_id).where(PrivateMessage.id.in_(removed_ids))
    quoting = session.scalars(select(PrivateMessage).where(
        PrivateMessage.conversation_id.in_(conversations), PrivateMessage.removal.is_(None),
        PrivateMessage.body.contains("](/messages/m/")).execution_options(populate_existing=True)).all()
    for message in quoting:
        if message_references(message.body) & removed_ids:
            members = _active_ids(session, message.conversation_id) | {message.author_id}
            rendered = render_message(message.body, message.links_allowed, members, message.conversation_id)
            message.body_html, message.render_version = rendered.html, RENDER_VERSION


def blank_messages_of(session, member_id: int) -> None:
    """For a deleted account, inside its transaction: every message of theirs becomes a placeholder,
    earlier versions and all; their conversations stay with the others."""
    ids = list(session.scalars(select(PrivateMessage.id).where(PrivateMessage.author_id == member_id)))
    if ids:
        _blank(session, ids)
    session.execute(update(ConversationParticipant).where(ConversationParticipant.user_id == member_id,
                                                          ConversationParticipant.left_at.is_(None))
                    .values(left_at=utcnow()))
    session.execute(delete(MessageDraft).where(MessageDraft.user_id == member_id))
    session.execute(delete(NewConversationDraft).where(NewConversationDraft.user_id == member_id))


def mark_banned(session, member_id: int, sanction_id: int) -> None:
    """A ban that removes the member's posts leaves their messages with the recipients, marked as from
    a banned member (inside the ban's transaction); lifting it takes the mark away (`unmark_banned`)."""
    session.execute(update(PrivateMessage).where(PrivateMessage.author_id == member_id,
                                                 PrivateMessage.banned_by_sanction_id.is_(None))
                    .values(banned_by_sanction_id=sanction_id), execution_options={"synchronize_session": False})


def unmark_banned(session, sanction_id: int) -> None:
    session.execute(update(PrivateMessage).where(PrivateMessage.banned_by_sanction_id == sanction_id)
                    .values(banned_by_sanction_id=None), execution_options={"synchronize_session": False})


def sent_with(author: User, request_key: str | None) -> PrivateMessage | None:
    """The message this author already sent with this composer's key, if any (a repeated submission)."""
    if not request_key:
        return None
    db.session.rollback()  # look past this request's snapshot
    return db.session.scalar(select(PrivateMessage).where(PrivateMessage.author_id == author.id,
                                                          PrivateMessage.request_key == request_key))


def set_messages_from(member: User, choice: str) -> User:
    """Who may start a conversation with the member (staff always may)."""
    if choice not in MESSAGES_FROM:
        raise FieldError("messages_from", "Choose one of the options.")
    with write_transaction(public=False) as session:
        current = session.get(User, member.id)
        current.messages_from = choice
    return current


def member_named(username: str | None) -> User | None:
    """The member of that username (as typed, with or without @), unless their account is deleted."""
    name = (username or "").strip().lstrip("@").lower()
    return db.session.scalar(select(User).where(User.username == name, User.deleted_at.is_(None))) if name else None
