"""Registration by email: the page never says whether an address has an account; the mail does.

Step one, the form, refuses only what is public anyway (a username's shape, a username taken, a
block on the visitor's own network) and then answers "check your email", whatever the address.
The mail says what the page must not: a link to finish the account; or, when the address has an
account already, a note to its owner that someone tried to register with it; or, when the address
is blocked, that it cannot register. Step two, the link, asks for the password and creates the
account, signing the new member in.

The pending registration lives only in the signed link: no table. The password is not in it —
links sit in mailboxes and access logs for years, and not even a hash of a password belongs
there — so it is chosen on the page the link opens. The link works once because, once the account
exists, its address is taken.

The mails carry nothing the visitor typed but the username (a–z, digits, '_' and '-'): anyone may
send one to any address, and a free-text display name would make them a way to send spam.
"""

import dataclasses
import logging

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from ... import mail
from ...extensions import db
from ...models import User
from ...refusals import FieldError, Forbidden, Gone, Malformed
from ...settings import site_setting
from . import blocks as registration_blocks
from . import invites
from .accounts import TAKEN, NewAccount, checked_names, register
from .passwords import password_problem

log = logging.getLogger(__name__)

SALT = "registration"
MAX_NEXT = 300  # characters of the page to return to that the link carries


@dataclasses.dataclass(frozen=True)
class Pending:
    """A registration waiting for its mailed link: everything but the password."""

    username: str
    display_name: str
    email: str
    name_style: str = "full"
    next: str = ""
    invite: str = ""  # an invitation token (invites.py), spent when the account is made


EXPIRED = Gone("This link has expired. Links to finish creating an account work for a limited time: "
               "please register again.")
USED = Gone("This link has been used already: the account for this email address exists. Sign in, or "
            "set a new password if you have forgotten it.")
GARBLED = Malformed("This link is not valid. Check that you copied all of it from the email.")


def link_hours() -> int:
    return max(1, current_app.config["REGISTER_LINK_MAX_AGE"] // 3600)


def start(pending: Pending, remote_addr: str | None = None) -> str:
    """Check what the page may tell, then mail the address; raises FieldError naming the field.

    Returns which mail went out ("finish", "existing" or "blocked"), for logs and tests: the page
    must answer the same for all three, and the work done for each is the same up to the template.
    """
    username, display_name, email, name_style = checked_names(
        NewAccount(pending.username, pending.display_name, pending.email, "", pending.name_style))
    # A block on the visitor's network says nothing about the address they typed, so the page may
    # say it; it comes first, so a blocked person learns nothing about usernames either.
    if registration_blocks.refuses_network(db.session, remote_addr):
        raise FieldError("email", registration_blocks.REFUSED)
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise FieldError("username", TAKEN)
    # A throwaway domain is public knowledge, not the address's: the page may say so.
    if disposable := registration_blocks.disposable_domain(db.session, email):
        raise FieldError("email", registration_blocks.disposable_refusal(disposable))
    pending = Pending(username, display_name, email, name_style, pending.next[:MAX_NEXT], pending.invite[:100])
    return _mail(pending)


def _mail(pending: Pending) -> str:
    """Send the one mail this address gets: both lookups run whatever the answer, so timing tells nothing."""
    owner = db.session.scalar(select(User).where(User.email == pending.email))
    blocked = registration_blocks.refuses_email(db.session, pending.email)
    site = site_setting("SITE_NAME")
    if blocked:
        kind, subject, context = "blocked", f"Your registration on {site}", {"reason": registration_blocks.REFUSED}
    elif owner is not None:
        kind, subject, context = "existing", f"You already have an account on {site}", {
            "owner": owner, "sign_in": mail.external_url("auth.login_form"),
            "reset": mail.external_url("auth.reset_request_form")}
    else:
        kind, subject, context = "finish", f"Finish creating your account on {site}", {
            "link": mail.external_url("auth.finish_registration_form", token=make_token(pending)),
            "hours": link_hours()}
    try:
        message = mail.compose(pending.email, subject, f"register_{kind}", pending=pending, **context)
    except mail.MailError as error:
        current_app.logger.error("Registration mail not sent: %s", error)
        return kind
    mail.send(message, background=True)
    log.info("registration mail (%s) for @%s", kind, pending.username)
    return kind


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(pending: Pending) -> str:
    return _serializer().dumps(dataclasses.astuple(pending))


def pending_for(token: str) -> Pending:
    """The registration a link is for; raises Gone or Malformed when it is expired, used or garbled."""
    try:
        fields = _serializer().loads(token, max_age=current_app.config["REGISTER_LINK_MAX_AGE"])
        pending = Pending(*fields)
    except SignatureExpired:
        raise EXPIRED from None
    except (BadSignature, ValueError, TypeError):
        raise GARBLED from None
    if db.session.scalar(select(User.id).where(User.email == pending.email)):
        raise USED
    return pending


def confirmation_required() -> bool:
    """EMAIL_CONFIRMATION (on by default): whether an account waits for its mailed link. Off (a private or
    trusted community), the registration form asks for the password and makes the account at once."""
    return bool(site_setting("EMAIL_CONFIRMATION"))


def create_at_once(pending: Pending, password: str, remote_addr: str | None = None) -> User:
    """Make the account from the registration form itself (EMAIL_CONFIRMATION off); FieldError names
    the field. With no mail to carry the answer, the page says when an address is taken: a forum
    that turns confirmation off accepts that."""
    if disposable := registration_blocks.disposable_domain(db.session, pending.email):
        raise FieldError("email", registration_blocks.disposable_refusal(disposable))
    account = NewAccount(pending.username, pending.display_name, pending.email, password, pending.name_style)
    user = register(account, remote_addr=remote_addr, invite=pending.invite, invite_required=invites.invite_only())
    log.info("account @%s made without email confirmation (EMAIL_CONFIRMATION is off)", user.username)
    return user


def rehearse_at_once(pending: Pending, password: str) -> str:
    """What create_at_once would refuse in what was typed (FieldError), without writing anything or
    asking who else is registered; the display name a welcome would use. For a bot caught by the
    honeypot while EMAIL_CONFIRMATION is off: it gets a person's answer, and nothing is made."""
    if disposable := registration_blocks.disposable_domain(db.session, pending.email):
        raise FieldError("email", registration_blocks.disposable_refusal(disposable))
    account = NewAccount(pending.username, pending.display_name, pending.email, password, pending.name_style)
    username, display_name, email, _style = checked_names(account)
    if problem := password_problem(password, username, email):
        raise FieldError("password", problem)
    return display_name


def finish(pending: Pending, username: str, password: str, remote_addr: str | None = None) -> User:
    """Create the account of a followed link; FieldError for the username or password fields,
    Forbidden for the rest.

    Everything is checked again: the username may have been taken since the mail, and a block may
    have been added. The holder of the link owns the address, so the answer may say so.
    """
    account = NewAccount(username, pending.display_name, pending.email, password, pending.name_style)
    if disposable := registration_blocks.disposable_domain(db.session, pending.email):  # disallowed since
        raise Forbidden(registration_blocks.disposable_refusal(disposable))
    try:
        return register(account, remote_addr=remote_addr, invite=pending.invite,
                        invite_required=invites.invite_only())
    except FieldError as error:
        if error.field in ("username", "password"):
            raise
        raise Forbidden(error.message) from error
