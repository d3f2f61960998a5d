"""Invitation links: an admin, or a member whose trust level allows it (forum/trust.py), makes one; it makes
one account, within INVITE_DAYS, and records who invited whom (shown to staff on the admin member page).

While REGISTRATION_MODE is "invite", /register needs one. The invitation is bound to no address: the
registration still goes through the mailed link (signup.py), whose page never says whether an address has
an account, and the invitation is spent only when the account is made (accounts.register, in the same
transaction), so an abandoned registration does not waste it and two registrations cannot share it.
The link carries a random token; the table keeps only its SHA-256.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from ...database import write_transaction
from ...extensions import db
from ...models import Invite, User
from ...models.base import utcnow
from ...refusals import Forbidden, Gone, Malformed
from ...settings import site_setting
from ...trust import abilities

MAX_OPEN = 20  # unused, unexpired invitations one member may hold at once
EXPIRED = Gone("This invitation has expired. Ask the member who sent it for a new one.")
USED = Gone("This invitation has been used already. Ask the member who sent it for a new one.")
UNKNOWN = Malformed("This invitation link is not valid. Check that you copied all of it.")
NOT_ALLOWED = Forbidden("Inviting people needs a higher trust level. Your standing page says what the next "
                        "level needs.")
INVITE_ONLY = "This forum is open by invitation only. Ask a member for an invitation link."


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_invite(user) -> bool:
    """Admins always; others when their trust level allows it."""
    return getattr(user, "is_authenticated", False) and (user.is_admin or abilities(user).invites)


def invite_only() -> bool:
    return site_setting("REGISTRATION_MODE") == "invite"


@dataclass(frozen=True)
class Made:
    invite: Invite
    token: str  # shown once, in the link; never stored


def create(member: User) -> Made:
    """Make an invitation; Forbidden when the member may not, or holds too many unused ones."""
    if not may_invite(member):
        raise NOT_ALLOWED
    token = secrets.token_urlsafe(24)
    now = utcnow()
    with write_transaction() as session:
        open_ones = session.scalar(select(func.count(Invite.id)).where(
            Invite.created_by_id == member.id, Invite.used_at.is_(None), Invite.expires_at > now))
        if open_ones >= MAX_OPEN and not member.is_admin:
            raise Forbidden(f"You have {MAX_OPEN} unused invitations already. Wait for them to be used or to expire.")
        invite = Invite(token_hash=_hash(token), created_by_id=member.id, created_at=now,
                        expires_at=now + timedelta(days=site_setting("INVITE_DAYS")))
        session.add(invite)
    return Made(invite, token)


def check(token: str, session=None) -> Invite:
    """The invitation a token names, if it may still make an account; else Gone or Malformed."""
    session = session or db.session
    if not token or len(token) > 100:
        raise UNKNOWN
    invite = session.scalar(select(Invite).where(Invite.token_hash == _hash(token)))
    if invite is None:
        raise UNKNOWN
    if invite.used_at is not None:
        raise USED
    if invite.expires_at <= utcnow():
        raise EXPIRED
    return invite


def spend(session, token: str, user: User) -> Invite:
    """Inside the transaction that makes `user`: mark the invitation used by them (locked, so it is spent once)."""
    invite = session.scalar(select(Invite).where(Invite.token_hash == _hash(token or "")).with_for_update())
    if invite is None:
        raise UNKNOWN
    if invite.used_at is not None:
        raise USED
    if invite.expires_at <= utcnow():
        raise EXPIRED
    session.flush()  # the new member's id
    invite.used_at, invite.used_by_id = utcnow(), user.id
    return invite


def invites_of(member: User, limit: int = 50) -> list[Invite]:
    """The member's invitations, newest first, with whom they brought in."""
    return list(db.session.scalars(select(Invite).where(Invite.created_by_id == member.id)
                                   .order_by(Invite.id.desc()).limit(limit)))


def invite_of(member: User) -> Invite | None:
    """The invitation the member joined with, if any (who invited them)."""
    return db.session.scalar(select(Invite).where(Invite.used_by_id == member.id))
