"""Registration blocks, as admins keep them: adding and removing email addresses and IP networks that
may not register. Registration checks them in forum/auth/service/blocks.py."""

import ipaddress

from flask import current_app
from sqlalchemy import func, select

from ...auth.service.blocks import client_address, mailbox
from ...database import write_transaction
from ...extensions import db
from ...models import RegistrationBlock, User
from ...moderation.service.log import log_action
from ...refusals import FieldError

KINDS = {"email": "Email address", "ip": "IP address or network"}

# A typo such as "0.0.0.0/0" would close registration to everyone.
MIN_PREFIX = {4: 8, 6: 16}
# Behind a reverse proxy every request may seem to come from here: blocking it blocks everyone.
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def canonical_mailbox(address: str) -> str:
    """The mailbox an address reaches, as registration compares it (forum/auth/service/blocks.py)."""
    key = mailbox(address)
    if key is None:
        raise FieldError("value", "Enter an email address such as name@example.com.")
    return key


def canonical_network(text: str) -> str:
    """An IP address or network in its one written form: "203.0.113.7/32", "2001:db8::/48"."""
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError as error:
        raise FieldError("value", "Enter an IP address (203.0.113.7, 2001:db8::7) or a network "
                                  "(203.0.113.0/24, 2001:db8::/48).") from error
    if network.prefixlen < MIN_PREFIX[network.version]:
        raise FieldError("value", f"That network is too wide to block (at most /{MIN_PREFIX[network.version]} "
                                  f"for IPv{network.version}).")
    if any(network.overlaps(loopback) for loopback in LOOPBACK if loopback.version == network.version):
        raise FieldError("value", "That network holds this server's own address; behind a proxy, blocking it "
                                  "would block everyone.")
    return str(network)


def canonical_value(kind: str, value: str) -> str:
    if kind == "email":
        return canonical_mailbox(value)
    if kind == "ip":
        return canonical_network(value)
    raise FieldError("kind", "Choose what to block: an email address or an IP address.")


def add_block(actor: User, kind: str, value: str, reason: str, via: str = "",
              actor_address: str | None = None) -> RegistrationBlock:
    """Block an email address or an IP network from registering, with a reason for staff.

    `actor_address` is where the admin's own request came from: a network holding it is refused.
    """
    canonical = canonical_value(kind, value)
    if kind == "ip":
        _check_not_own_network(canonical, actor_address)
    if not reason.strip():
        raise FieldError("reason", "Say why, for the other staff.")
    with write_transaction() as session:
        if session.scalar(select(RegistrationBlock.id).where(
                RegistrationBlock.kind == kind, RegistrationBlock.value == canonical)):
            raise FieldError("value", f"{canonical} is blocked already.")
        block = RegistrationBlock(kind=kind, value=canonical, reason=reason.strip(), created_by_id=actor.id)
        session.add(block)
        session.flush()
        # The address stays out of the public log: it goes in the staff-only details.
        log_action(session, actor, "block:add", "block", block.id,
                   details=f"{kind} {canonical}: {block.reason}{_via(via)}")
    current_app.logger.info("registration block added: %s %s by %s", kind, canonical, actor.username)
    return block


def _check_not_own_network(network: str, actor_address: str | None) -> None:
    """Refuse to block the admin's own address: everyone there would be shut out, and behind a proxy
    that passes no client address, that is everyone (the same trap as the loopback addresses)."""
    address = client_address(actor_address)
    if address is not None and address in ipaddress.ip_network(network):
        raise FieldError("value", f"That network holds the address you are using now ({address}): blocking it "
                                  "would shut out everyone who registers from there.")


def remove_block(actor: User, block: RegistrationBlock, via: str = "") -> None:
    """Let the address or network register again."""
    with write_transaction() as session:
        current = session.get(RegistrationBlock, block.id)
        if current is None:
            return
        log_action(session, actor, "block:remove", "block", current.id,
                   details=f"{current.kind} {current.value}{_via(via)}")
        session.delete(current)


def _via(via: str) -> str:
    return f" (from the {via})" if via else ""


def get_block(block_id: int) -> RegistrationBlock | None:
    return db.session.get(RegistrationBlock, block_id)


def count_blocks() -> int:
    return db.session.scalar(select(func.count(RegistrationBlock.id)))


def blocks_page(page) -> list[tuple[RegistrationBlock, str]]:
    """One page of blocks, newest first, each with the username of the admin who added it."""
    query = (select(RegistrationBlock, User.username).join(User, User.id == RegistrationBlock.created_by_id)
             .order_by(RegistrationBlock.id.desc()).offset(page.offset).limit(page.per_page))
    return [tuple(row) for row in db.session.execute(query)]
