"""A member's own account: their profile (bio, picture), a copy of their data, and deleting it all."""

import logging
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import joinedload

from .. import jobs, mail
from ..auth.service import blocks as registration_blocks
from ..auth.service.accounts import canonical_email
from ..auth.service.passwords import hash_password, verify_password
from ..database import write_transaction
from ..extensions import db
from ..models import (Draft, HeldPost, Ignore, LoginSession, Notification, Post, PostReaction, PostRevision, RecoveryCode,
                      ThreadDraft, ThreadRead, ThreadSubscription, User)
from ..models.base import utcnow
from ..models.user import DELETED_NAME, new_session_token
from ..policy import links_allowed_for
from ..posts.service.context import render_post
from ..posts.service import forget_uploads_of, reactions, rerender_quotes_of, uploads
from ..refusals import FieldError, Gone, Malformed
from ..templating import isotime
from ..members.service import avatars
from ..messages import service as messages
from ..messages.service import export as message_export

log = logging.getLogger(__name__)
BIO_MAX = 500

# Rows that are only the member's own business, erased with the account: (model, its member column).
# Rows that are the member's alone, deleted with the account (ignores both ways: nobody keeps a
# deleted member on their list, and the deleted member's list goes).
PERSONAL_ROWS = ((Draft, Draft.user_id), (ThreadDraft, ThreadDraft.user_id), (Notification, Notification.user_id), (ThreadRead, ThreadRead.user_id),
                 (ThreadSubscription, ThreadSubscription.user_id), (Ignore, Ignore.user_id),
                 (Ignore, Ignore.ignored_id), (LoginSession, LoginSession.user_id),
                 (RecoveryCode, RecoveryCode.user_id),
                 (HeldPost, HeldPost.author_id))  # posts no moderator published: only ever theirs


def update_bio(user: User, bio: str) -> User:
    """Store the bio and its HTML, rendered once by the same pipeline and sanitiser as posts."""
    bio = bio.strip()
    if len(bio) > BIO_MAX:  # the form says so first; this guards every other caller
        raise FieldError("bio", f"Keep your bio to {BIO_MAX} characters.")
    html = render_post(bio, links_allowed_for(user)).html if bio else ""
    with write_transaction() as session:
        member = session.get(User, user.id)
        member.bio, member.bio_html = bio, html
    return member


def set_avatar(user: User, data: bytes) -> bool:
    """Replace the member's picture with this upload, re-encoded: here if that is cheap, else by the
    prepare_avatar job (the old picture shows until it is done). Raises FieldError for the picture
    (what its header and chunks show); returns whether the new picture is in place already."""
    avatars.check_size(data)
    if avatars.cheap_to_reencode(data):
        avatars.forget_waiting(user.id)
        _use_avatar(user.id, avatars.store(user.id, avatars.reencode(data)))
        return True
    waiting = avatars.keep_waiting(user.id, data)
    prepare_avatar(user.id, waiting)
    return not avatars.is_waiting(waiting)  # done already where jobs run at once


@jobs.task(retries=2, retry_delay=10)
def prepare_avatar(user_id: int, waiting: str) -> None:
    """Re-encode a member's upload and make it their picture, unless a newer upload took its place."""
    data = avatars.waiting_upload(waiting)
    if data is None:
        return
    try:
        webp = avatars.reencode(data)
    except FieldError as error:  # its pixels were unreadable after all: no retry will change that
        log.warning("Member %s's picture could not be used: %s", user_id, error.message)
        avatars.refuse_waiting(waiting, error.message)
        return
    if not avatars.is_waiting(waiting):
        return  # replaced or removed while this ran
    _use_avatar(user_id, avatars.store(user_id, webp))
    avatars.forget_waiting(user_id)


def _use_avatar(user_id: int, name: str) -> None:
    try:
        with write_transaction() as session:
            member = session.get(User, user_id)
            old, member.avatar = member.avatar, (None if member.is_deleted else name)
    except BaseException:
        avatars.discard(name)
        raise
    avatars.discard(old)


def remove_avatar(user: User) -> User:
    """Go back to the generated initials picture (an upload still waiting for the job is dropped)."""
    avatars.forget_waiting(user.id)
    with write_transaction() as session:
        member = session.get(User, user.id)
        old, member.avatar = member.avatar, None
    avatars.discard(old)
    return member


def export(user: User) -> dict:
    """Everything the forum holds that is the member's own, as plain JSON-ready data."""
    return {
        "account": {
            "username": user.username, "display_name": user.display_name, "email": user.email,
            "name_style": user.name_style, "joined": _iso(user.created_at), "bio": user.bio, "role": user.role,
        },
        "posts": _posts_of(user),
        "revisions": [{"post_id": r.post_id, "body": r.body, "written_at": _iso(r.written_at)}
                      for r in db.session.scalars(select(PostRevision).join(Post, Post.id == PostRevision.post_id)
                                                  .where(Post.author_id == user.id).order_by(PostRevision.id))],
        "reactions": [{"post_id": r.post_id, "reaction": r.kind, "created_at": _iso(r.created_at)}
                      for r in db.session.scalars(select(PostReaction).where(PostReaction.user_id == user.id)
                                                  .order_by(PostReaction.created_at, PostReaction.post_id))],
        "notifications": [{"kind": n.kind, "post_id": n.post_id, "actor": _username(n.actor),
                           "created_at": _iso(n.created_at), "read_at": _iso(n.read_at)}
                          for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                                      .options(joinedload(Notification.actor))
                                                      .order_by(Notification.id))],
        "drafts": [{"thread_id": d.thread_id, "body": d.body, "parent_id": d.parent_id,
                    "updated_at": _iso(d.updated_at)}
                   for d in db.session.scalars(select(Draft).where(Draft.user_id == user.id))],
        "new_thread_draft": [{"category": d.category_slug, "title": d.title, "body": d.body,
                              "updated_at": _iso(d.updated_at)}
                             for d in db.session.scalars(select(ThreadDraft).where(ThreadDraft.user_id == user.id))],
        "held_posts": [{"thread_id": h.thread_id, "new_thread_title": h.title, "body": h.body,
                        "written_at": _iso(h.created_at), "decision": h.decision, "reason": h.reject_reason}
                       for h in db.session.scalars(select(HeldPost).where(HeldPost.author_id == user.id,
                                                                          HeldPost.post_id.is_(None))
                                                   .order_by(HeldPost.id))],
        "conversations": message_export.conversations_of(user),
        "new_conversation_draft": message_export.new_conversation_draft_of(user),
        "sessions": [{"browser": s.user_agent, "address": s.address, "signed_in": _iso(s.created_at),
                      "last_seen": _iso(s.last_seen_at)}
                     for s in db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)
                                                 .order_by(LoginSession.id))],
    }


def _posts_of(user: User) -> list[dict]:
    query = (select(Post).where(Post.author_id == user.id).options(joinedload(Post.thread))
             .order_by(Post.id))
    return [{"id": p.id, "thread_id": p.thread_id, "thread_title": p.thread.title, "body": p.body,
             "in_reply_to": p.parent_id, "created_at": _iso(p.created_at), "edited_at": _iso(p.edited_at),
             "removal": p.removal} for p in db.session.scalars(query)]


def _username(user: User) -> str:
    return DELETED_NAME if user.is_deleted else user.username


def _iso(moment) -> str | None:
    return isotime(moment) if moment else None


def delete_account(user: User, password: str, keep_posts: bool) -> User:
    """Erase the member's personal data, keeping the row (moderation history, the held username).

    Their posts stay under "deleted member" (`keep_posts`) or are removed, leaving the author's
    placeholder. Their reactions (likes too) are taken back (the counts go down, and a notification that
    named them names another reactor or goes), their drafts and notifications
    go, every session and remember-me cookie ends, and no password opens the account again.
    """
    if not verify_password(user.password_hash, password):
        raise FieldError("password", "That is not your password. Nothing was deleted.")
    unusable = hash_password(secrets.token_urlsafe(32))  # slow: outside the write lock; never told to anyone
    with write_transaction() as session:
        member = session.get(User, user.id, with_for_update=True)
        if member.is_admin and _only_admin(session):
            raise FieldError("password", "You are the forum's only admin. Make someone else an admin first.")
        now = utcnow()
        reactions.take_back_all(session, member.id)
        for model, column in PERSONAL_ROWS:
            session.execute(delete(model).where(column == member.id))
        if not keep_posts:
            _remove_posts(session, member.id, now)
        messages.blank_messages_of(session, member.id)  # private words go whatever the choice for posts
        old_avatar = member.avatar
        member.email = f"deleted-{member.id}-{secrets.token_hex(6)}"  # unique, and no address
        member.email_notifications = "off"
        member.display_name, member.name_style = DELETED_NAME, "full"
        member.bio = member.bio_html = ""
        member.avatar = None
        member.password_hash = unusable
        member.totp_secret = member.totp_last_step = None
        member.session_token = new_session_token()
        member.role = "member"
        member.deleted_at = now
        rerender_quotes_of(session, member.id)  # quotes name "deleted member", or collapse to the placeholder
        images = forget_uploads_of(session, member.id)  # their images go from every page and the disk
    avatars.discard(old_avatar)
    uploads.discard(images)
    return member


def _only_admin(session) -> bool:
    admins = session.scalars(select(User.id).where(User.role == "admin").with_for_update()).all()
    return len(admins) <= 1


def _remove_posts(session, member_id: int, now) -> None:
    """Every post the member could still be read by becomes "deleted by its author", and the words
    of all their posts, with every earlier revision, are erased: only the placeholders stay.

    Posts hidden by flags go too (and those hidden with a silence for spam); those removed with a ban
    stay removed even if the ban is lifted.
    Posts a moderator removed keep the moderator's placeholder (and nothing to restore).
    """
    unsynced = {"synchronize_session": False}
    session.execute(update(Post).where(Post.author_id == member_id,
                                       or_(Post.removal.is_(None), Post.removal.in_(("flagged", "spam"))))
                    .values(removal="author", removed_at=now), execution_options=unsynced)
    session.execute(update(Post).where(Post.author_id == member_id)
                    .values(body="", body_html="", search_text="", removed_by_sanction_id=None),
                    execution_options=unsynced)
    session.execute(delete(PostRevision).where(PostRevision.post_id.in_(
        select(Post.id).where(Post.author_id == member_id))), execution_options=unsynced)


def release_usernames(now=None) -> list[str]:
    """Free the usernames of accounts deleted longer ago than the hold; returns the names freed.

    The row keeps a name nobody can register or mention ("~" and its id), so the moderation
    history still points at it.
    """
    hold = timedelta(days=current_app.config["DELETED_USERNAME_HOLD_DAYS"])
    cutoff = (now or utcnow()) - hold
    with write_transaction() as session:
        members = session.scalars(select(User).where(User.deleted_at.is_not(None), User.deleted_at <= cutoff,
                                                     ~User.username.startswith("~"))).all()
        freed = []
        for member in members:
            freed.append(member.username)
            member.username = f"~{member.id}"
    return freed


# --- Changing the email address ------------------------------------------------------------------
# The new address is confirmed before it replaces the old: the member asks (with their password), the
# new address gets a link, and only following it makes the change, after which the old address is
# told. The link carries the member's id and both addresses; it works once, because the change makes
# the old address no longer the member's, and it expires (EMAIL_CHANGE_MAX_AGE). Whether the new
# address has an account already is said only in the mail sent to it, as at registration.

EMAIL_CHANGE_SALT = "email-change"
EMAIL_CHANGE_EXPIRED = Gone("This link has expired. Ask for a new one on your email settings page.")
EMAIL_CHANGE_USED = Gone("This link has been used already, or your account's address changed since it was sent.")
EMAIL_CHANGE_TAKEN = Gone("Another account uses this address now, so yours cannot move to it.")
EMAIL_CHANGE_GARBLED = Malformed("This link is not valid. Check that you copied all of it from the email.")


def _email_change_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=EMAIL_CHANGE_SALT)


def email_change_hours() -> int:
    return max(1, current_app.config["EMAIL_CHANGE_MAX_AGE"] // 3600)


def request_email_change(user: User, new_address: str, password: str) -> str:
    """Mail the new address a link that moves the account to it; FieldError for the form's fields.

    Returns which mail went out ("confirm", or "unavailable" when the address has an account or is
    blocked), for logs and tests: the page answers the same for both.
    """
    if not verify_password(user.password_hash, password):
        raise FieldError("password", "That is not your current password.")
    new = canonical_email(new_address)
    if new == user.email:
        raise FieldError("email", "Your account uses this address already.")
    if disposable := registration_blocks.disposable_domain(db.session, new):
        raise FieldError("email", registration_blocks.disposable_refusal(disposable))
    site = current_app.config["SITE_NAME"]
    unavailable = (db.session.scalar(select(User.id).where(User.email == new)) is not None
                   or registration_blocks.refuses_email(db.session, new))
    if unavailable:
        kind, message = "unavailable", mail.compose(
            new, f"This address cannot be used on {site}", "email_change_unavailable", user=user)
    else:
        token = _email_change_serializer().dumps([user.id, user.email, new])
        kind, message = "confirm", mail.compose(
            new, f"Confirm your new email address on {site}", "email_change_confirm", user=user,
            link=mail.external_url("account.confirm_email_change_form", token=token), hours=email_change_hours())
    mail.send(message, background=True)
    return kind


def email_change_for(token: str) -> tuple[User, str]:
    """The member and the new address a link is for; Gone or Malformed when it cannot be used."""
    try:
        user_id, old, new = _email_change_serializer().loads(
            token, max_age=current_app.config["EMAIL_CHANGE_MAX_AGE"])
    except SignatureExpired:
        raise EMAIL_CHANGE_EXPIRED from None
    except (BadSignature, ValueError, TypeError):
        raise EMAIL_CHANGE_GARBLED from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.deleted_at is not None or user.email != old:
        raise EMAIL_CHANGE_USED
    if db.session.scalar(select(User.id).where(User.email == new, User.id != user.id)) is not None:
        raise EMAIL_CHANGE_TAKEN
    return user, new


def confirm_email_change(token: str) -> User:
    """Move the account to the link's new address, then tell the old one; raises as email_change_for."""
    user, new = email_change_for(token)
    with write_transaction() as session:
        member = session.get(User, user.id)
        old = member.email
        if old != user.email:  # followed twice at once: the other request won
            raise EMAIL_CHANGE_USED
        member.email = new
    try:
        message = mail.compose(old, f"Your email address on {current_app.config['SITE_NAME']} changed",
                               "email_change_notice", user=member, new=_masked(new),
                               reset=mail.external_url("auth.reset_request_form"))
    except mail.MailError as error:
        current_app.logger.error("Email change notice not sent: %s", error)
    else:
        mail.send(message, background=True)
    current_app.logger.info("email address changed for @%s", member.username)
    return member


def _masked(address: str) -> str:
    """"rhonda@example.com" → "r…@example.com": enough for the owner to recognise, not to reach."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}"
