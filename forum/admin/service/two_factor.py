"""Two-factor sign-in as staff see it on the member page, and an admin's reset of it for a member who lost
both their phone and their recovery codes (forum/auth/service/two_factor.py is the member's own side)."""

import logging
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from ... import mail
from ...database import write_transaction
from ...extensions import db
from ...models import RecoveryCode, User
from ...models.user import new_session_token
from ...moderation.service.log import log_action
from ...refusals import Conflict, FieldError, Forbidden
from ...settings import site_setting

log = logging.getLogger("forum.auth")
REASON_MAX = 500
SELF_RESET = "Turn your own two-factor sign-in off, or make new recovery codes, on your settings page."


@dataclass(frozen=True)
class Status:
    on: bool
    codes_left: int


def status(member: User) -> Status:
    """Whether the member has it on, and how many recovery codes they have left."""
    if not member.totp_secret:
        return Status(False, 0)
    left = db.session.scalar(select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == member.id))
    return Status(True, left)


def reset(actor: User, member: User, reason: str) -> None:
    """Turn the member's two-factor sign-in off and delete their recovery codes, with the reason for the
    other staff; every browser of theirs is signed out (their session token changes, which also voids
    "don't ask on this browser"), the modlog says who did it, and the member is told by mail."""
    reason = reason.strip()
    if not reason:
        raise FieldError("reason", "Say why, for the other staff: how you know the request is the member's.")
    if len(reason) > REASON_MAX:
        raise FieldError("reason", f"Reasons are at most {REASON_MAX} characters.")
    if not actor.is_admin:
        raise Forbidden("Only an admin can reset two-factor sign-in.")
    if actor.id == member.id:
        raise Forbidden(SELF_RESET)
    with write_transaction(public=False) as session:
        target = session.get(User, member.id, with_for_update=True)
        if not target.totp_secret:
            raise Conflict(f"@{target.username} does not have two-factor sign-in on: there is nothing to reset.")
        target.totp_secret, target.totp_last_step = None, None
        target.session_token = new_session_token()
        session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == target.id))
        log_action(session, actor, "two_factor:reset", "member", target.id, details=f"@{target.username}: {reason}")
    log.info("Two-factor sign-in of member %s reset by member %s; their sessions are signed out", member.id, actor.id)
    message = mail.compose(member.email, f"Two-factor sign-in on {site_setting('SITE_NAME')} was turned off",
                           "two_factor_reset", member=member,
                           setup_link=mail.external_url("account.two_factor"),
                           reset_link=mail.external_url("auth.reset_request_form"))
    mail.send(message, background=True)
