"""Account rules: registration, authentication, password changes, login identity."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...database import write_transaction
from ...extensions import db
from ...models import User
from ...models.user import NAME_STYLES, new_session_token
from ...posts.service import rerender_quotes_of
from ...refusals import FieldError, Refusal
from . import blocks as registration_blocks
from . import invites
from .names import canonical_username, clean_display_name, display_name_problem, username_problem
from .passwords import hash_password, needs_rehash, password_problem, verify_password


@dataclass(frozen=True)
class NewAccount:
    username: str
    display_name: str
    email: str
    password: str
    name_style: str = "full"


def canonical_email(raw: str) -> str:
    return raw.strip().lower()


TAKEN = "That username is taken. Please choose another."


def checked_names(account: NewAccount, allow_reserved: bool = False) -> tuple[str, str, str, str]:
    """The canonical username, display name, email and name style of a new account.

    Raises FieldError naming the field when one breaks a rule; none of these rules says anything
    about who else is registered.
    """
    username = canonical_username(account.username)
    display_name = clean_display_name(account.display_name)
    for field, problem in (
        ("username", username_problem(username, allow_reserved)),
        ("display_name", display_name_problem(display_name)),
    ):
        if problem:
            raise FieldError(field, problem)
    return username, display_name, canonical_email(account.email), _name_style(account.name_style)


def register(account: NewAccount, role: str = "member", allow_reserved: bool = False,
             remote_addr: str | None = None, invite: str = "", invite_required: bool = False) -> User:
    """Create a member at once; raises FieldError naming the field when a rule is broken.

    For the command line, the demo and the mailed registration link (forum/auth/service/signup.py), whose
    holder has shown they own the address: its answers may say that an address is taken.
    `allow_reserved` lets the command line create staff accounts such as "admin". `remote_addr`,
    the address the registration came from, is checked against the registration blocks. `invite`, an
    invitation token, is spent in the same transaction (invites.py): refused when used or expired if
    `invite_required` (REGISTRATION_MODE "invite"), else only recorded while it is still good.
    """
    username, display_name, email, name_style = checked_names(account, allow_reserved)
    if problem := password_problem(account.password, username, email):
        raise FieldError("password", problem)
    password_hash = hash_password(account.password)  # slow: outside the write lock
    try:
        with write_transaction() as session:
            # Before the "taken" checks, so a blocked person learns nothing about existing accounts.
            if registration_blocks.refuses(session, email, remote_addr):
                raise FieldError("email", registration_blocks.REFUSED)
            if session.scalar(select(User.id).where(User.username == username)):
                raise FieldError("username", TAKEN)
            if session.scalar(select(User.id).where(User.email == email)):
                raise FieldError("email", "An account with that email address already exists.")
            user = User(
                username=username,
                display_name=display_name,
                email=email,
                password_hash=password_hash,
                role=role,
                name_style=name_style,
            )
            session.add(user)
            if invite:
                try:
                    invites.spend(session, invite, user)
                except Refusal:
                    if invite_required:
                        raise
            elif invite_required:
                raise invites.UNKNOWN
    except IntegrityError as error:  # a concurrent registration took the name first
        raise FieldError("username", "That username or email is already registered.") from error
    return user


def update_profile(user: User, display_name: str, name_style: str) -> User:
    """Change how the member's name reads; quotes of their posts follow the new name."""
    display_name = clean_display_name(display_name)
    if problem := display_name_problem(display_name):
        raise FieldError("display_name", problem)
    with write_transaction() as session:
        member = session.get(User, user.id)
        member.display_name, member.name_style = display_name, _name_style(name_style)
        rerender_quotes_of(session, member.id)
    return member


def _name_style(style: str) -> str:
    if style not in NAME_STYLES:
        raise FieldError("name_style", "Choose how your name is shown.")
    return style


def find_member(login: str) -> User | None:
    """The member a sign-in form names, by username or by email address."""
    if "@" in login:
        return db.session.scalar(select(User).where(User.email == canonical_email(login)))
    return db.session.scalar(select(User).where(User.username == canonical_username(login)))


def authenticate(login: str, password: str) -> User | None:
    """The member if the password is right; None for a wrong password and unknown member alike."""
    user = find_member(login)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if needs_rehash(user.password_hash):
        new_hash = hash_password(password)
        with write_transaction(public=False) as session:
            session.get(User, user.id).password_hash = new_hash
    return user


def change_password(user: User, current: str, new: str) -> User:
    """Set a new password and end every other session and remember-me cookie of the member."""
    if problem := password_problem(new, user.username, user.email):
        raise FieldError("new_password", problem)
    if not verify_password(user.password_hash, current):
        raise FieldError("current_password", "That is not your current password.")
    new_hash = hash_password(new)
    with write_transaction(public=False) as session:
        member = session.get(User, user.id)
        member.password_hash = new_hash
        member.session_token = new_session_token()
    return member
