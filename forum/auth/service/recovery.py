"""Password reset by email: a signed link that works once and for a while, and the new password.

The link carries the member's id and a digest of their password hash and session token. Setting
the new password changes both, so the link stops working the moment it has been used — as does
every other reset link of the member, and any link sent before a sign-out everywhere or a ban.
"""

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from ... import mail
from ...database import write_transaction
from ...extensions import db
from ...models import User
from ...models.user import new_session_token
from ...refusals import FieldError, Gone, Malformed
from ...settings import site_setting
from .passwords import hash_password, password_problem
from .accounts import canonical_email

SALT = "password-reset"


EXPIRED = Gone("This link has expired. Links to set a new password work for a limited time.")
USED = Gone("This link has already been used, or a newer password was set since it was sent.")
GARBLED = Malformed("This link is not valid. Check that you copied all of it from the email.")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _digest(user: User) -> str:
    """Changes whenever the password or the session token does: the link's single use rests on it."""
    state = f"{user.password_hash}\n{user.session_token}".encode()
    return hashlib.sha256(state).hexdigest()[:32]


def make_token(user: User) -> str:
    return _serializer().dumps([user.id, _digest(user)])


def member_for(token: str) -> User:
    """The member a reset link is for; raises Gone or Malformed when it is expired, used or garbled."""
    try:
        user_id, digest = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise EXPIRED from None
    except (BadSignature, ValueError, TypeError):
        raise GARBLED from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.deleted_at is not None or not hmac.compare_digest(_digest(user), str(digest)):
        raise USED
    return user


def request_reset(address: str) -> bool:
    """Mail a reset link to the member with this address, if there is one (nothing happens otherwise).

    The answer (was a mail sent?) is for logging only: the page must not show it.
    """
    user = db.session.scalar(select(User).where(User.email == canonical_email(address), User.deleted_at.is_(None)))
    if user is None:
        return False
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    try:
        message = mail.compose(
            user.email, f"Set a new password for {site_setting('SITE_NAME')}", "password_reset",
            user=user, link=mail.external_url("auth.reset_form", token=make_token(user)), minutes=minutes)
    except mail.MailError as error:
        current_app.logger.error("Password reset mail not sent: %s", error)
        return False
    return mail.send(message, background=True)


def reset_password(token: str, new_password: str) -> User:
    """Set the new password and end every session of the member; raises as member_for does,
    and FieldError when the password is too easy to guess.

    The link is checked again inside the write transaction, on the locked row, so two uses of one
    link at the same moment cannot both succeed. Sanctions are untouched: a ban still holds.
    """
    member = member_for(token)
    if problem := password_problem(new_password, member.username, member.email):
        raise FieldError("new_password", problem)
    user_id = member.id
    new_hash = hash_password(new_password)  # slow: outside the write lock
    with write_transaction(public=False) as session:
        member = session.scalar(select(User).where(User.id == user_id).with_for_update()
                                .execution_options(populate_existing=True))
        member_for(token)  # the row as it is now, under the lock
        member.password_hash = new_hash
        member.session_token = new_session_token()
    return member
