"""Known devices: a browser that has signed in to an account before may keep trying when strangers
have used up that account's sign-in attempts, so guessing a member's password cannot lock them out.

The browser keeps a signed cookie naming the accounts that signed in on it (the newest few); only
the server can write it. When an account's attempts are used up, its owner is mailed once an hour.
"""

import logging

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse

from ... import mail
from ...extensions import limiter
from . import accounts as service

log = logging.getLogger("forum.auth")

KEPT = 5  # accounts one browser remembers
MAX_AGE = 60 * 60 * 24 * 365
OWNER_MAIL_LIMIT = parse("1 per hour")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def _cookie_name() -> str:
    """KNOWN_DEVICE_COOKIE_NAME: "__Host-known_device" over HTTPS, like the session cookies (forum.config)."""
    return current_app.config["KNOWN_DEVICE_COOKIE_NAME"]


def _named_member(login: str):
    """The member a sign-in form names, looked up once per request (the limits ask before the view)."""
    if "named_member" not in g:
        g.named_member = service.find_member(login)
    return g.named_member


def _known_ids() -> list[int]:
    raw = request.cookies.get(_cookie_name())
    if not raw:
        return []
    try:
        ids = _serializer().loads(raw)
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def remember(response, member) -> None:
    """Note on this browser that `member` signed in on it."""
    ids = [member.id] + [i for i in _known_ids() if i != member.id]
    response.set_cookie(_cookie_name(), _serializer().dumps(ids[:KEPT]), max_age=MAX_AGE, path="/", httponly=True,
                        secure=current_app.config["KNOWN_DEVICE_COOKIE_SECURE"], samesite="Lax")


def is_known(login: str) -> bool:
    """Whether the account a sign-in form names has signed in on this browser before."""
    known = _known_ids()
    if not known:
        return False
    member = _named_member(login)
    return member is not None and member.id in known


def tell_owner(login: str) -> None:
    """The account's sign-in attempts are used up: mail its owner (at most once an hour)."""
    member = _named_member(login)
    if member is None or member.is_deleted:
        return
    log.warning("Sign-in attempts used up for member %s (@%s); last from %s", member.id, member.username,
                request.remote_addr)
    if not limiter.limiter.hit(OWNER_MAIL_LIMIT, "owner-mail", str(member.id)):
        return
    message = mail.compose(member.email, "Someone is trying to sign in to your account", "sign_in_attempts",
                           member=member, reset_url=mail.external_url("auth.reset_request"))
    mail.send(message, background=True)
