"""Registration blocks as registration checks them: an email address (in any spelling of its
mailbox) or a network that may not register, so a banned member cannot simply come back under a new
name. Admins add and remove the blocks (forum/admin/service/blocks.py)."""

import ipaddress

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from sqlalchemy import select

from ...models import AllowedEmailDomain, RegistrationBlock
from ...settings import site_setting

REFUSED = ("Registration from this address is not possible. "
           "Contact the forum's staff if you think this is a mistake.")

# Providers that deliver mail for "first.last+tag@" to "firstlast@": there the dots and the
# "+tag" are not part of the mailbox, so a blocked member cannot slip back in with them.
DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}
DOTS_IGNORED = {"gmail.com"}
PLUS_TAGS_IGNORED = {"gmail.com", "outlook.com", "hotmail.com", "live.com", "icloud.com", "me.com",
                     "mac.com", "fastmail.com", "proton.me", "protonmail.com"}


def mailbox(address: str) -> str | None:
    """The mailbox an address reaches: lower case; dots and +tags dropped where the provider ignores
    them. None when it is not an email address."""
    local, at, domain = address.strip().lower().rpartition("@")
    domain = domain.rstrip(".")
    domain = DOMAIN_ALIASES.get(domain, domain)
    if domain in PLUS_TAGS_IGNORED:
        local = local.split("+", 1)[0]
    if domain in DOTS_IGNORED:
        local = local.replace(".", "")
    if not at or not local or "." not in domain or any(c.isspace() for c in local + domain):
        return None
    return f"{local}@{domain}"


def client_address(remote_addr: str | None):
    """The address a request came from, with IPv4-mapped IPv6 addresses as plain IPv4."""
    try:
        address = ipaddress.ip_address((remote_addr or "").split("%", 1)[0])
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def refuses(session, email: str, remote_addr: str | None) -> bool:
    """True when a block stops this address, or a member at this network address, from registering."""
    return refuses_email(session, email) or refuses_network(session, remote_addr)


def refuses_email(session, email: str) -> bool:
    """True when this email address (in any spelling of its mailbox) may not register."""
    key = mailbox(email)
    if key is None:
        return False
    return session.scalar(select(RegistrationBlock.id).where(
        RegistrationBlock.kind == "email", RegistrationBlock.value == key)) is not None


def disposable_domain(session, email: str) -> str | None:
    """The throwaway-mail domain of this address (from the pinned disposable-email-domains list, a
    subdomain of one included), unless an admin allowed it; None when the address may register."""
    if not site_setting("REFUSE_DISPOSABLE_EMAIL"):
        return None
    domain = email.strip().lower().rpartition("@")[2].rstrip(".")
    labels = domain.split(".")
    listed = next((".".join(labels[i:]) for i in range(len(labels) - 1)
                   if ".".join(labels[i:]) in DISPOSABLE_DOMAINS), None)
    if listed is None:
        return None
    allowed = session.scalar(select(AllowedEmailDomain.id).where(AllowedEmailDomain.domain.in_({domain, listed})))
    return None if allowed else listed


def disposable_refusal(domain: str) -> str:
    return (f"Addresses at {domain} are throwaway addresses, which this forum does not accept. "
            "Please use an address you will keep.")


def refuses_network(session, remote_addr: str | None) -> bool:
    """True when a block covers the network address a request came from."""
    address = client_address(remote_addr)
    if address is None:
        return False
    networks = session.scalars(select(RegistrationBlock.value).where(RegistrationBlock.kind == "ip"))
    return any(address in ipaddress.ip_network(network) for network in networks)
