"""Signing in with the publisher's accounts: its short-lived signed tokens (JWT), checked here, then the
member they name found or made (external.py). README, "Signing readers in", is the publisher's side.

A token is a JWT signed with HS256 and the secret shared with the publisher (FORUM_SSO_SECRET, from the
server's configuration only: no page shows it, and it is never a site setting). It is refused unless

- its header names HS256, and only HS256: "none", RS256 (whose public key could be mistaken for an HMAC
  secret), HS384/HS512 and the rest are refused before any signature is checked (PyJWT checks again);
- its signature is right;
- it carries exp, iat, iss, aud, sub and jti; exp is in the future and at most MAX_LIFETIME after iat
  (a token lives minutes: it travels in an address and a browser's history); iat is not in the future;
- iss is the publisher's name (the SSO_ISSUER setting) and aud the forum (SSO_AUDIENCE, else BASE_URL);
- its jti was never used before. Used jtis are kept, with their expiry, in used_sso_tokens (a table of
  its own rather than the rate-limit counters: those may live in Redis, which can lose keys on a
  restart or under memory pressure, and a replay check must not forget); the row lasts only as long as
  the token would, so the table holds at most a few minutes' sign-ins. A token is spent once it is
  found valid, before the member is signed in: a refused sign-in (a ban) spends it too.

Clock skew of LEEWAY seconds is allowed either way.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, UTC

import jwt
from flask import current_app
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from ...database import write_transaction
from ...models import UsedSsoToken, User
from ...models.base import utcnow
from ...refusals import Forbidden, Malformed, Refusal
from ...settings import site_setting
from .external import sign_in_external

log = logging.getLogger("forum.auth")

ALGORITHM = "HS256"
MAX_LIFETIME = 300  # seconds from iat to exp
LEEWAY = 30  # seconds of clock skew
MIN_SECRET_BYTES = 32  # RFC 7518: an HS256 key at least as long as the hash
MAX_TOKEN = 8192  # characters
MAX_JTI = 200
REQUIRED = ("exp", "iat", "iss", "aud", "sub", "jti")


class Unavailable(Refusal):
    """Single sign-on is off, or not set up on the server: 404 for off, 503 for half set up."""

    status = 503


class Refused(Refusal):
    """A token that does not sign anyone in, and why (the message is for the reader and the publisher's
    developers alike: it names the check, never the secret): 401."""

    status = 401


@dataclass(frozen=True)
class Claims:
    """What a valid token says about the reader."""

    subject: str
    name: str
    email: str | None
    roles: tuple[str, ...] | None  # None: the token says nothing about roles
    issuer: str


class Off(Unavailable):
    """Single sign-on is off (SSO_ENABLED): 404, as if the endpoints were not there."""

    status = 404


def enabled() -> bool:
    return bool(site_setting("SSO_ENABLED"))


def login_url() -> str:
    """The publisher's sign-in page (the SSO_LOGIN_URL setting), or '' when there is none."""
    return site_setting("SSO_LOGIN_URL") if enabled() else ""


def audience() -> str:
    configured = current_app.config.get("SSO_AUDIENCE") or current_app.config.get("BASE_URL") or ""
    return configured.rstrip("/")


def _secret() -> bytes:
    secret = current_app.config.get("SSO_SECRET") or ""
    secret = secret.encode() if isinstance(secret, str) else bytes(secret)
    if len(secret) < MIN_SECRET_BYTES or not site_setting("SSO_ISSUER") or not audience():
        log.error("Single sign-on is on but not set up: FORUM_SSO_SECRET (%d bytes at least), the "
                  "SSO_ISSUER setting and FORUM_SSO_AUDIENCE or FORUM_BASE_URL are all needed", MIN_SECRET_BYTES)
        raise Unavailable("Signing in with the publisher's accounts is not set up on this forum yet.")
    return secret


def verify(token: str | None, purpose: str = "sign-in") -> Claims:
    """The claims of a valid, unused token, which is spent; Refused (401) naming the check that failed,
    Malformed (400) for no token at all, Unavailable when SSO is off or not set up. A token for signing
    in needs a "name"; one for signing out ("sign-out") does not."""
    if not enabled():
        raise Off("Signing in with the publisher's accounts is off on this forum.")
    secret = _secret()
    if not token or not isinstance(token, str):
        raise Malformed("No sign-in token was given.")
    if len(token) > MAX_TOKEN:
        raise Refused("The sign-in token is too long.")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise Refused("The sign-in token is not a JWT.") from None
    if header.get("alg") != ALGORITHM:
        raise Refused(f"The sign-in token must be signed with {ALGORITHM}.")
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], audience=audience(),
                            issuer=site_setting("SSO_ISSUER"), leeway=LEEWAY,
                            options={"require": list(REQUIRED), "verify_signature": True})
    except jwt.ExpiredSignatureError:
        raise Refused("The sign-in token has expired: sign in on the publisher's site again.") from None
    except jwt.InvalidSignatureError:
        raise Refused("The sign-in token's signature is wrong.") from None
    except jwt.MissingRequiredClaimError as error:
        raise Refused(f"The sign-in token has no “{error.claim}” claim.") from None
    except jwt.InvalidAudienceError:
        raise Refused("The sign-in token is for another site (its audience).") from None
    except jwt.InvalidIssuerError:
        raise Refused("The sign-in token is from another issuer.") from None
    except jwt.ImmatureSignatureError:
        raise Refused("The sign-in token was issued in the future: check the publisher's clock.") from None
    except jwt.PyJWTError:
        raise Refused("The sign-in token is not valid.") from None
    return _spend(_claims_of(claims, need_name=purpose == "sign-in"))


def _claims_of(claims: dict, need_name: bool) -> "_Checked":
    exp, iat = claims["exp"], claims["iat"]
    if not all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in (exp, iat)):
        raise Refused("The sign-in token's exp and iat must be numbers (seconds since 1970).")
    if exp - iat > MAX_LIFETIME:
        raise Refused(f"The sign-in token lives too long: at most {MAX_LIFETIME} seconds from iat to exp.")
    subject, jti = claims["sub"], claims["jti"]
    if isinstance(subject, int) and not isinstance(subject, bool):
        subject = str(subject)
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 255:
        raise Refused("The sign-in token's sub must be the reader's id on the publisher's site.")
    if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI:
        raise Refused(f"The sign-in token's jti must be a unique text of at most {MAX_JTI} characters.")
    name = claims.get("name", "")
    if not isinstance(name, str) or (need_name and not name.strip()):
        raise Refused("The sign-in token has no “name” claim: the reader's display name.")
    email = claims.get("email")
    if email is not None and not isinstance(email, str):
        raise Refused("The sign-in token's email must be text.")
    roles = claims.get("roles")
    if roles is not None:
        if isinstance(roles, str):
            roles = roles.split()
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise Refused("The sign-in token's roles must be a list of names.")
        roles = tuple(roles)
    issuer = claims["iss"]
    expires = datetime.fromtimestamp(exp, UTC).replace(tzinfo=None)
    return _Checked(Claims(subject.strip(), name, email, roles, issuer), jti, expires)


@dataclass(frozen=True)
class _Checked:
    claims: Claims
    jti: str
    expires: datetime


def _spend(checked: _Checked) -> Claims:
    """Record the token's jti; Refused when it was used already."""
    try:
        with write_transaction(public=False) as session:
            session.execute(delete(UsedSsoToken).where(UsedSsoToken.expires_at < utcnow() - timedelta(seconds=LEEWAY)))
            session.add(UsedSsoToken(issuer=checked.claims.issuer, jti=checked.jti,
                                     expires_at=checked.expires + timedelta(seconds=LEEWAY)))
    except IntegrityError:
        log.warning("SSO token replayed: jti %r of %s", checked.jti, checked.claims.issuer)
        raise Refused("This sign-in token was used already: sign in on the publisher's site again.") from None
    return checked.claims


def member_for(token: str | None) -> User:
    """The member a valid token signs in, made or brought up to date (external.sign_in_external); the
    refusals of verify(), and Forbidden for a member banned or suspended here."""
    claims = verify(token)
    roles = claims.roles if site_setting("SSO_ROLES") else None
    return sign_in_external(claims.issuer, claims.subject, claims.email, claims.name, roles)


def password_accounts() -> bool:
    """Whether members may register and sign in with a password (PASSWORD_ACCOUNTS); staff who have a
    password always may, so that a site that signs everyone in through its publisher keeps a way in."""
    return bool(site_setting("PASSWORD_ACCOUNTS"))


def may_use_password(member: User) -> bool:
    return password_accounts() or member.is_staff


__all__ = ["Claims", "Forbidden", "Refused", "Unavailable", "member_for", "verify"]
