"""Notification email: the member's choice, the unsubscribe link, and what `flask forum send-mail` sends.

Each notification is mailed at most once (`Notification.emailed_at`), and only while it is unread
and its post still readable by the member. A run claims what it sends in a write transaction
first, so two runs at once (a slow cron job overlapping the next) never send the same thing twice;
a mail the SMTP server refuses is released again for the next run.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import joinedload

from .. import mail
from ..database import write_transaction
from ..extensions import db
from ..models import (ConversationParticipant, HeldPost, Notification, Post, PrivateConversation, PrivateMessage,
                      Thread, User)
from ..models.base import utcnow
from ..refusals import FieldError
from ..settings import site_setting
from .service import WHAT, visible_notifications

CHOICES = {"off": "Off", "each": "Each notification", "daily": "Daily digest"}
DIGEST_EVERY = timedelta(hours=24)
MAX_LISTED = 50  # notifications listed in one mail; the rest are counted, and wait at /notifications
CHOOSE = "Choose one of: " + ", ".join(CHOICES.values()) + "."
UNSUBSCRIBE_SALT = "email-unsubscribe"


def set_choice(user: User, choice: str) -> User:
    """Set how the member hears of notifications by email.

    Turning email on starts from now: notifications from before were never promised by email,
    and a first mail listing months of them would be noise.
    """
    if choice not in CHOICES:
        raise FieldError("email_notifications", CHOOSE)
    with write_transaction(public=False) as session:
        member = session.get(User, user.id)
        if member.email_notifications == "off" and choice != "off":
            session.execute(update(Notification).where(
                Notification.user_id == member.id, Notification.emailed_at.is_(None)).values(emailed_at=utcnow()))
        member.email_notifications = choice
    if choice != "off":
        _conversations_mailed_up_to_now(session, member.id)
    return member


def _conversations_mailed_up_to_now(session, member_id: int) -> None:
    latest = (select(PrivateConversation.last_message_id)
              .where(PrivateConversation.id == ConversationParticipant.conversation_id).scalar_subquery())
    session.execute(update(ConversationParticipant).where(ConversationParticipant.user_id == member_id)
                    .values(mailed_id=latest).execution_options(synchronize_session=False))


def _unmailed_conversations(member_id=None):
    """SQL: participants with messages they have neither read nor been mailed about (private
    conversations are mailed as "new messages in …", never with what the messages say)."""
    query = (select(ConversationParticipant.conversation_id).join(
        PrivateConversation, PrivateConversation.id == ConversationParticipant.conversation_id)
        .where(ConversationParticipant.left_at.is_(None),
               PrivateConversation.last_message_id > ConversationParticipant.last_read_id,
               PrivateConversation.last_message_id > ConversationParticipant.mailed_id))
    return query.where(ConversationParticipant.user_id == member_id) if member_id else query


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User) -> str:
    return _unsubscribe_serializer().dumps(user.id)


def member_for_unsubscribe(token: str) -> User | None:
    """The member an unsubscribe link is for (None when the link is not valid)."""
    try:
        user_id = _unsubscribe_serializer().loads(token)
    except BadSignature:
        return None
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


# --- Sending -----------------------------------------------------------------------------------

@dataclass
class Report:
    sent: int = 0
    failed: list[str] = field(default_factory=list)  # usernames whose mail did not go out


def send_due(now: datetime | None = None) -> Report:
    """Send every mail that is due now: one per "each" member with something new, and the digests.

    Raises mail.MailError when mail cannot be composed as configured (no BASE_URL).
    """
    now = now or utcnow()
    report = Report()
    mail.base_url()  # fails at once, before anything is claimed, when links cannot be made
    for member in _members_due(now):
        digest = member.email_notifications == "daily"
        ids, previous_digest = _claim(member, now, digest)
        conversations = _claim_conversations(member)
        if not ids and not conversations:
            continue
        if mail.send(_message(member, ids, digest, conversations)):
            report.sent += 1
        else:
            _release(member, ids, digest, previous_digest, conversations)
            report.failed.append(member.username)
    return report


def _members_due(now: datetime) -> list[User]:
    """Members who chose email and have unread notifications not yet mailed (readability comes later)."""
    waiting = select(Notification.user_id).where(Notification.emailed_at.is_(None), Notification.read_at.is_(None))
    in_conversations = _unmailed_conversations().with_only_columns(ConversationParticipant.user_id)
    query = select(User).where(or_(User.id.in_(waiting), User.id.in_(in_conversations)), User.deleted_at.is_(None), or_(
        User.email_notifications == "each", and_(User.email_notifications == "daily", _digest_due(now))))
    return list(db.session.scalars(query.order_by(User.id)))


def _digest_due(now: datetime):
    """SQL: the member's last digest, if any, went out at least DIGEST_EVERY ago."""
    return or_(User.email_digest_sent_at.is_(None), User.email_digest_sent_at <= now - DIGEST_EVERY)


def _claim(member: User, now: datetime, digest: bool) -> tuple[list[int], datetime | None]:
    """Mark what this run will send as emailed, and the digest as sent; what another run took is left out."""
    waiting = visible_notifications(select(Notification.id), member).where(
        Notification.emailed_at.is_(None), Notification.read_at.is_(None), Post.removal.is_(None))
    previous_digest = member.email_digest_sent_at
    with write_transaction(public=False) as session:
        ids = list(session.scalars(waiting))
        if not ids:
            return [], previous_digest
        if digest:
            taken = session.execute(update(User).where(User.id == member.id, _digest_due(now))
                                    .values(email_digest_sent_at=now)
                                    .execution_options(synchronize_session=False))
            if taken.rowcount == 0:
                return [], previous_digest
        claimed = session.execute(update(Notification)
                                  .where(Notification.id.in_(ids), Notification.emailed_at.is_(None))
                                  .values(emailed_at=now).returning(Notification.id)
                                  .execution_options(synchronize_session=False))
        return sorted(claimed.scalars()), previous_digest


def _claim_conversations(member: User) -> dict[int, tuple[int, int]]:
    """Mark the member's conversations with new messages as mailed up to their newest message; returns
    {conversation id: (mailed up to before, newest message id)} for what this run claimed."""
    with write_transaction(public=False) as session:
        rows = session.execute(
            select(ConversationParticipant.conversation_id, ConversationParticipant.mailed_id,
                   PrivateConversation.last_message_id)
            .join(PrivateConversation, PrivateConversation.id == ConversationParticipant.conversation_id)
            .where(ConversationParticipant.conversation_id.in_(_unmailed_conversations(member.id)),
                   ConversationParticipant.user_id == member.id)).all()
        claimed = {}
        for conversation_id, before, newest in rows:
            taken = session.execute(update(ConversationParticipant).where(
                ConversationParticipant.conversation_id == conversation_id,
                ConversationParticipant.user_id == member.id, ConversationParticipant.mailed_id == before)
                .values(mailed_id=newest).execution_options(synchronize_session=False))
            if taken.rowcount:
                claimed[conversation_id] = (before, newest)
    return claimed


def _release(member: User, ids: list[int], digest: bool, previous_digest: datetime | None,
             conversations: dict[int, tuple[int, int]] | None = None) -> None:
    """The mail did not go out: let the next run try again."""
    with write_transaction(public=False) as session:
        for conversation_id, (before, _) in (conversations or {}).items():
            session.execute(update(ConversationParticipant).where(
                ConversationParticipant.conversation_id == conversation_id,
                ConversationParticipant.user_id == member.id).values(mailed_id=before)
                .execution_options(synchronize_session=False))
        session.execute(update(Notification).where(Notification.id.in_(ids)).values(emailed_at=None)
                        .execution_options(synchronize_session=False))
        if digest:
            session.execute(update(User).where(User.id == member.id)
                            .values(email_digest_sent_at=previous_digest)
                            .execution_options(synchronize_session=False))


def _message(member: User, ids: list[int], digest: bool, conversations: dict | None = None):
    query = (select(Notification).where(Notification.id.in_(ids[:MAX_LISTED]))
             .options(joinedload(Notification.actor), joinedload(Notification.post).joinedload(Post.thread))
             .order_by(Notification.id))
    items = [{"who": n.actor.name_seen_by(member), "what": WHAT.get(n.kind, "wrote"),
              "title": n.post.thread.title, "link": mail.external_url("posts.show", post_id=n.post_id)}
             for n in db.session.scalars(query)] if ids else []
    # A private conversation is named, never quoted: what its messages say stays on the site.
    for conversation in db.session.scalars(select(PrivateConversation).where(
            PrivateConversation.id.in_(list(conversations or {}))).order_by(PrivateConversation.id)):
        newest = db.session.get(PrivateMessage, conversation.last_message_id)
        who = newest.author.name_seen_by(member) if newest is not None else "A member"
        items.append({"who": who, "what": "wrote to you privately", "title": conversation.subject,
                      "link": mail.external_url("messages.show", conversation_id=conversation.id)})
    ids = [*ids, *(conversations or {})]
    site = site_setting("SITE_NAME")
    if digest:
        subject = f"Your daily digest from {site}: {_count(len(ids))}"
    elif len(ids) == 1:
        subject = f"{items[0]['who']} {items[0]['what']} in “{items[0]['title']}”"
    else:
        subject = f"{_count(len(ids))} on {site}"
    unsubscribe = mail.external_url("notifications.unsubscribe_form", token=unsubscribe_token(member))
    return mail.compose(
        member.email, subject, "notifications", headers={"List-Unsubscribe": f"<{unsubscribe}>"},
        member=member, items=items, more=len(ids) - len(items), digest=digest,
        all_link=mail.external_url("notifications.index"),
        settings_link=mail.external_url("account.email_settings"), unsubscribe_link=unsubscribe)


def _count(n: int) -> str:
    return f"{n} new notification{'' if n == 1 else 's'}"


def tell_rejected(held: HeldPost) -> None:
    """Mail a held post's author that a moderator rejected it, with the reason and what they wrote (so that
    nothing is lost), if they chose notification email at all ("each" or "daily": a decision on their own
    post is sent at once, not in a digest). Queued as a job (forum/mail.py), so the moderator does not wait."""
    author = db.session.get(User, held.author_id)
    if author is None or author.deleted_at is not None or author.email_notifications == "off":
        return
    where = f"a new thread, “{held.title}”" if held.thread_id is None else \
        f"a reply in “{db.session.get(Thread, held.thread_id).title}”"
    unsubscribe = mail.external_url("notifications.unsubscribe_form", token=unsubscribe_token(author))
    message = mail.compose(
        author.email, f"Your post on {site_setting('SITE_NAME')} was not published", "held_rejected",
        headers={"List-Unsubscribe": f"<{unsubscribe}>"}, member=author, where=where, held=held,
        held_link=mail.external_url("posts.held"), settings_link=mail.external_url("account.email_settings"),
        unsubscribe_link=unsubscribe, choice=CHOICES[author.email_notifications])
    mail.send(message, background=True)
