"""Reading private conversations: the inbox, a page of messages, who is in it, what a quote says."""

import re
from datetime import datetime
from typing import NamedTuple

from flask import current_app
from markupsafe import Markup
from sqlalchemy import and_, func, literal, select, union_all
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...ids import parse_id
from ...models import ConversationParticipant, Ignore, MessageRevision, Post, PrivateConversation, PrivateMessage, User
from ...pagination import Page
from ...models.preferences import ignorable
from ...models.user import name_seen
from ...posts.service.collapse import collapse_quotes
from ...posts.service.quoting import quoted_block
from ...posts.service.render import references

INBOX_PER_PAGE = 25
QUOTED_MESSAGE_LINK = re.compile(r"\]\(/messages/m/(\d+)\)")
QUOTE_MARK = re.compile(r'<blockquote class="quote" data-quote="(m?)(\d+)"')  # as render.py writes them


class InboxRow(NamedTuple):
    """A conversation as the inbox lists it: plain values, read as columns (whole rows cost more to
    load than the rest of the page)."""

    id: int
    subject: str
    from_moderators: bool
    message_count: int
    last_message_at: datetime
    unread: int  # messages after the member's last read one (their own are read when written)
    names: list[str]  # the other members, as the reader sees them


def inbox_total(member: User) -> int:
    return db.session.scalar(select(func.count()).where(
        ConversationParticipant.user_id == member.id, ConversationParticipant.left_at.is_(None)))


def inbox(member: User, page: Page) -> list[InboxRow]:
    """A page of the member's conversations, the latest activity first, with unread counts (two queries)."""
    member = getattr(member, "_get_current_object", lambda: member)()  # current_user: asked once a row
    unread = (select(func.count(PrivateMessage.id)).where(
        PrivateMessage.conversation_id == ConversationParticipant.conversation_id,
        PrivateMessage.id > ConversationParticipant.last_read_id).correlate(ConversationParticipant)
        .scalar_subquery())
    rows = db.session.execute(
        select(PrivateConversation.id, PrivateConversation.subject, PrivateConversation.from_moderators,
               PrivateConversation.message_count, PrivateConversation.last_message_at, unread)
        .join(ConversationParticipant, and_(
            ConversationParticipant.conversation_id == PrivateConversation.id,
            ConversationParticipant.user_id == member.id, ConversationParticipant.left_at.is_(None)))
        .order_by(PrivateConversation.last_message_at.desc(), PrivateConversation.id.desc())
        .offset(page.offset).limit(page.per_page)).all()
    others = _others_of([row[0] for row in rows], member)
    return [InboxRow(*row, others.get(row[0], [])) for row in rows]


def _others_of(conversation_ids: list[int], member: User) -> dict[int, list[str]]:
    if not conversation_ids:
        return {}
    query = (select(ConversationParticipant.conversation_id, User.id, User.display_name, User.name_style,
                    User.deleted_at)
             .join(User, User.id == ConversationParticipant.user_id)
             .where(ConversationParticipant.conversation_id.in_(conversation_ids), User.id != member.id,
                    ConversationParticipant.left_at.is_(None)).order_by(User.username))
    names: dict[int, list[str]] = {}
    for row in db.session.execute(query):
        names.setdefault(row.conversation_id, []).append(name_seen(row, member))
    return names


def participants(conversation: PrivateConversation) -> list[ConversationParticipant]:
    """Who is in the conversation now, with their member rows (one query)."""
    return list(db.session.scalars(
        select(ConversationParticipant).options(joinedload(ConversationParticipant.member))
        .where(ConversationParticipant.conversation_id == conversation.id, ConversationParticipant.left_at.is_(None))
        .order_by(ConversationParticipant.joined_at, ConversationParticipant.user_id)))


def per_page() -> int:
    return current_app.config["POSTS_PER_PAGE"]


def messages_on(conversation: PrivateConversation, page: Page) -> list[PrivateMessage]:
    return list(db.session.scalars(
        select(PrivateMessage).options(joinedload(PrivateMessage.author))
        .where(PrivateMessage.conversation_id == conversation.id).order_by(PrivateMessage.id)
        .offset(page.offset).limit(page.per_page)))


def messages_after(conversation: PrivateConversation, after: int, limit: int = 50) -> list[PrivateMessage]:
    return list(db.session.scalars(
        select(PrivateMessage).options(joinedload(PrivateMessage.author))
        .where(PrivateMessage.conversation_id == conversation.id, PrivateMessage.id > after)
        .order_by(PrivateMessage.id).limit(limit)))


def bodies_for(messages: list[PrivateMessage], viewer) -> dict[int, Markup]:
    """Each message's stored HTML with its quotes of members the viewer ignores collapsed, as a post's
    are (forum/posts/service/collapse.py), for the messages that have any: one query when the page holds
    quotes at all, none when it holds none."""
    quotes = {m.id: set(QUOTE_MARK.findall(m.body_html)) for m in messages if 'data-quote="' in m.body_html}
    quoted_posts = {int(n) for marks in quotes.values() for kind, n in marks if not kind}
    quoted_messages = {int(n) for marks in quotes.values() for kind, n in marks if kind}
    if not quotes or not getattr(viewer, "is_authenticated", False):
        return {}
    ignored = select(Ignore.ignored_id).join(User, User.id == Ignore.ignored_id).where(
        Ignore.user_id == viewer.id, ignorable(User))
    rows = db.session.execute(union_all(
        select(literal(""), Post.id).where(Post.id.in_(quoted_posts), Post.author_id.in_(ignored)),
        select(literal("m"), PrivateMessage.id).where(PrivateMessage.id.in_(quoted_messages),
                                                      PrivateMessage.author_id.in_(ignored))))
    collapsed = {f"{kind}{n}" for kind, n in rows}
    bodies = {}
    for message in messages:
        wanted = {kind + n for kind, n in quotes.get(message.id, ())} & collapsed
        if wanted:
            bodies[message.id] = collapse_quotes(message.body_html, wanted)
    return bodies


def get_message(message_id: int) -> PrivateMessage | None:
    return db.session.get(PrivateMessage, message_id, options=[joinedload(PrivateMessage.author)])


def position_of(message: PrivateMessage) -> int:
    return db.session.scalar(select(func.count(PrivateMessage.id)).where(
        PrivateMessage.conversation_id == message.conversation_id, PrivateMessage.id <= message.id))


def quote_of(message: PrivateMessage, selection: str | None = None) -> str:
    """The Markdown that quotes a message (or the selected part of it) inside its conversation, as a post
    is quoted: "> [Name](/messages/m/12) wrote:", removed quotes inside it carried over as their
    placeholder, the deepest trimmed. Never a removed message's words."""
    if message.is_removed:
        return ""
    return quoted_block(message.author.public_name, f"/messages/m/{message.id}",
                        (selection or "").strip() or message.body, _removed_in(message.body))


def message_references(body: str) -> set[int]:
    """The ids of the messages a body links to (the messages it quotes among them)."""
    return {parse_id(n) for n in QUOTED_MESSAGE_LINK.findall(body)} - {None}


def _removed_in(body: str) -> dict[str, str]:
    """The removed posts and messages (of any conversation: only their placeholder is used) a body quotes."""
    post_ids, _ = references(body)
    message_ids = message_references(body)
    removed = {}
    if post_ids:
        for post in db.session.scalars(select(Post).where(Post.id.in_(post_ids), Post.removal.is_not(None))):
            removed[f"/p/{post.id}"] = post.placeholder
    if message_ids:
        for quoted in db.session.scalars(select(PrivateMessage).where(PrivateMessage.id.in_(message_ids),
                                                                     PrivateMessage.removal.is_not(None))):
            removed[f"/messages/m/{quoted.id}"] = quoted.placeholder
    return removed


def versions_of(message: PrivateMessage) -> list[tuple[str, object]]:
    """Every text the message has had, newest first, with when it was written."""
    revisions = db.session.scalars(select(MessageRevision).where(MessageRevision.message_id == message.id)
                                   .order_by(MessageRevision.id.desc()))
    return [(message.body, message.edited_at or message.created_at),
            *((r.body, r.written_at) for r in revisions)]
