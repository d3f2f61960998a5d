"""Members who come from another site's accounts: a publisher's single sign-on token (sso.py) or an
OpenID Connect provider. Both end here, in `sign_in_external`, with what the other site vouches for.

The rules, the same for every way in:

- A member is found by the other site's (issuer, subject) link alone (ExternalAccount), never by an
  email address: an email in a token cannot take over the forum account that uses it. A first sign-in
  makes a new member and links it.
- The email the other site gives is the new member's only while no other account uses it. When another
  account has it (a password account made here, say), the new member gets no email address (see
  NO_EMAIL_DOMAIN) rather than that one, and the other account is untouched; the member may add an
  address of their own later at /settings, through its confirmation link. Later sign-ins bring a
  changed address over on the same terms.
- The display name follows the other site's on every sign-in (when it is a valid display name); the
  username is made once, from it, and then kept (links and @mentions use it).
- Roles: `roles=None` means the other site says nothing about them, and the member's role here is
  left as it is (staff may still make them a moderator by hand). A list is the other site's word, and
  the member's role is exactly what it says: "admin" in it makes an admin, "moderator" a moderator,
  neither a member. So a role taken away there is taken away here at the next sign-in (a demotion
  is as immediate as a promotion: roles are read on every request). A site that sends roles owns its
  members' roles here; one that wants staff made by hand on the forum sends none.
- A ban or a suspension in force here refuses the sign-in, however valid the token: the sanction is
  the forum's, not the other site's. So does a deleted account.
"""

import logging
import re
import secrets
import unicodedata
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...database import write_transaction
from ...models import ExternalAccount, User
from ...models.base import utcnow
from ...models.moderation import SIGN_OUT_KINDS
from ...policy import active_sanctions
from ...posts.service import rerender_quotes_of
from ...refusals import Forbidden, Malformed
from ...settings import site_setting
from .accounts import canonical_email
from .names import canonical_username, clean_display_name, display_name_problem, username_problem

log = logging.getLogger("forum.auth")

# A member made from another site's account has no password: this stands in its place. It is no
# argon2 hash, so no password matches it (passwords.verify_password says no).
NO_PASSWORD = "!external"
# The address of a member who has no email of their own (users.email is unique and required). The
# .invalid top-level domain is reserved (RFC 2606): no mail is ever sent there (forum/mail.py).
NO_EMAIL_DOMAIN = "external.invalid"
STAFF_ROLES = ("admin", "moderator")  # the strongest first
MAX_ISSUER, MAX_SUBJECT, MAX_EMAIL = 200, 255, 254
FALLBACK_NAME = "reader"

REFUSED_BANNED = "Your account on {site} is banned{until}, so you cannot sign in here. Reason: {reason}"
REFUSED_SUSPENDED = "Your account on {site} is suspended{until}, so you cannot sign in here. Reason: {reason}"
REFUSED_DELETED = "The account on {site} this sign-in is linked to was deleted."


def has_password(member: User) -> bool:
    """Whether the member can sign in with a password here (one made from another site's account cannot,
    until they set one)."""
    return bool(member.password_hash) and member.password_hash != NO_PASSWORD


def has_email(member: User) -> bool:
    """Whether the member has an email address of their own (not a placeholder)."""
    return not member.email.endswith("@" + NO_EMAIL_DOMAIN)


def sign_in_external(issuer: str, subject: str, email: str | None, name: str,
                     roles: Iterable[str] | None = None) -> User:
    """The member the other site's account (issuer, subject) is linked to, made and linked on the first
    sign-in, brought up to date with what the other site says now; the caller then signs them in.

    issuer: who vouches (the publisher's SSO name, an OpenID provider's issuer URL), up to 200 characters.
    subject: that site's user id, up to 255 characters.
    email: the address that site has for them, or None (an OpenID provider's unverified one should be
        None). Taken only when no other account here uses it; never used to find a member.
    name: their display name there; invalid or empty, a plain name is made up ("reader").
    roles: None to leave the member's role alone; else the other site's roles for them, of which
        "admin" and "moderator" count (see the module's docstring: losing one there demotes them here).

    Raises Malformed (400) for an empty or overlong issuer or subject, Forbidden (403) with the reason
    for a member banned or suspended here, or a deleted one. The module's docstring has the rules.
    """
    issuer, subject = (issuer or "").strip(), (subject or "").strip()
    if not issuer or not subject or len(issuer) > MAX_ISSUER or len(subject) > MAX_SUBJECT:
        raise Malformed("The sign-in names no valid account: its issuer and subject are required "
                        f"(at most {MAX_ISSUER} and {MAX_SUBJECT} characters).")
    email = _usable_email(email)
    display_name = _display_name(name)
    role = _role_from(roles)
    for attempt in range(3):  # a concurrent first sign-in or a name taken meanwhile: try again
        try:
            with write_transaction() as session:
                link = session.scalar(select(ExternalAccount).where(
                    ExternalAccount.issuer == issuer, ExternalAccount.subject == subject))
                if link is None:
                    member = _new_member(session, display_name, email, role, attempt)
                    session.flush()
                    session.add(ExternalAccount(user_id=member.id, issuer=issuer, subject=subject))
                    log.info("External sign-in: new member %s (@%s) for %s subject %r", member.id,
                             member.username, issuer, subject)
                else:
                    member = session.get(User, link.user_id)
                    _refuse_if_kept_out(session, member)
                    link.last_used_at = utcnow()
                    _bring_up_to_date(session, member, display_name, email, role)
                return member
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _refuse_if_kept_out(session, member: User) -> None:
    site = site_setting("SITE_NAME")
    if member.is_deleted:
        raise Forbidden(REFUSED_DELETED.format(site=site))
    for sanction in active_sanctions(session, member.id):
        if sanction.kind in SIGN_OUT_KINDS:
            until = f" until {sanction.ends_at:%-d %B %Y, %H:%M} UTC" if sanction.ends_at else ""
            text = REFUSED_BANNED if sanction.kind == "ban" else REFUSED_SUSPENDED
            log.info("External sign-in refused: member %s is under a %s", member.id, sanction.kind)
            raise Forbidden(text.format(site=site, until=until, reason=sanction.reason))


def _new_member(session, display_name: str, email: str | None, role: str | None, attempt: int) -> User:
    if email is not None and session.scalar(select(User.id).where(User.email == email)):
        log.info("External sign-in: the address is another account's; the new member gets none")
        email = None
    member = User(username=_free_username(session, display_name, attempt), display_name=display_name,
                  email=email or _no_email(), password_hash=NO_PASSWORD, role=role or "member")
    session.add(member)
    return member


def _bring_up_to_date(session, member: User, display_name: str, email: str | None, role: str | None) -> None:
    if member.display_name != display_name:
        member.display_name = display_name
        rerender_quotes_of(session, member.id)  # quotes of their posts show the new name
    if email is not None and email != member.email and not session.scalar(
            select(User.id).where(User.email == email, User.id != member.id)):
        member.email = email
    if role is not None and member.role != role:
        log.info("External sign-in: member %s's role %s -> %s, as the other site says", member.id,
                 member.role, role)
        member.role = role


def _role_from(roles: Iterable[str] | None) -> str | None:
    if roles is None:
        return None
    if isinstance(roles, str):
        roles = roles.split()
    given = {str(role).strip().lower() for role in roles}
    return next((role for role in STAFF_ROLES if role in given), "member")


def _usable_email(raw: str | None) -> str | None:
    if not isinstance(raw, str):
        return None
    email = canonical_email(raw)
    local, at, domain = email.rpartition("@")
    if (not at or not local or "." not in domain or len(email) > MAX_EMAIL or domain == NO_EMAIL_DOMAIN
            or any(ch.isspace() or ord(ch) < 32 for ch in email)):
        return None
    return email


def _display_name(raw) -> str:
    name = clean_display_name(raw if isinstance(raw, str) else "")[:50].strip()
    return name if name and display_name_problem(name) is None else FALLBACK_NAME.capitalize()


def _username_base(display_name: str) -> str:
    """a–z, digits, '_' and '-' from the display name: "Zoë O'Brien" -> "zoe-obrien"."""
    ascii_name = unicodedata.normalize("NFKD", display_name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", canonical_username(ascii_name.replace("'", ""))).strip("-_")[:16]
    base = base.strip("-_")
    if len(base) < 3 or username_problem(base) is not None:
        return FALLBACK_NAME
    return base


def _free_username(session, display_name: str, attempt: int) -> str:
    base = _username_base(display_name)
    candidates = [base] if attempt == 0 else []
    candidates += [f"{base}-{n}" for n in range(2, 6)] if attempt == 0 else []
    candidates += [f"{base}-{secrets.randbelow(10_000_000)}" for _ in range(5)]
    for candidate in candidates:
        candidate = candidate[:20]
        if username_problem(candidate) is None and not session.scalar(
                select(User.id).where(User.username == candidate)):
            return candidate
    return f"{FALLBACK_NAME}-{secrets.token_hex(6)}"


def _no_email() -> str:
    return f"no-email-{secrets.token_hex(8)}@{NO_EMAIL_DOMAIN}"
