"""Throwaway-address domains an admin lets register after all. Registration refuses the domains of the
pinned disposable-email-domains list (forum/auth/service/blocks.py) except these."""

from flask import current_app
from sqlalchemy import select

from ...auth.service.blocks import DISPOSABLE_DOMAINS
from ...database import write_transaction
from ...extensions import db
from ...models import AllowedEmailDomain, User
from ...moderation.service.log import log_action
from ...refusals import FieldError


def canonical_domain(text: str) -> str:
    """"Mailinator.com." → "mailinator.com"; refuses what is not a listed domain (nothing to allow)."""
    domain = text.strip().lower().rpartition("@")[2].rstrip(".")
    if "." not in domain or any(c.isspace() or c in "/:" for c in domain):
        raise FieldError("domain", "Enter a domain such as mailinator.com.")
    labels = domain.split(".")
    if not any(".".join(labels[i:]) in DISPOSABLE_DOMAINS for i in range(len(labels) - 1)):
        raise FieldError("domain", f"{domain} is not on the list of throwaway domains: its addresses may "
                                   "register already.")
    return domain


def allow_domain(actor: User, text: str, reason: str) -> AllowedEmailDomain:
    """Let addresses at a listed throwaway domain register, with a reason for staff; logged."""
    domain = canonical_domain(text)
    if not reason.strip():
        raise FieldError("reason", "Say why, for the other staff.")
    with write_transaction() as session:
        if session.scalar(select(AllowedEmailDomain.id).where(AllowedEmailDomain.domain == domain)):
            raise FieldError("domain", f"{domain} is allowed already.")
        allowed = AllowedEmailDomain(domain=domain, reason=reason.strip(), created_by_id=actor.id)
        session.add(allowed)
        session.flush()
        log_action(session, actor, "domain:allow", "domain", allowed.id, details=f"{domain}: {allowed.reason}")
    current_app.logger.info("throwaway domain allowed: %s by %s", domain, actor.username)
    return allowed


def disallow_domain(actor: User, allowed: AllowedEmailDomain) -> None:
    """Refuse the domain again (members who registered with it keep their accounts); logged."""
    with write_transaction() as session:
        current = session.get(AllowedEmailDomain, allowed.id)
        if current is None:
            return
        log_action(session, actor, "domain:disallow", "domain", current.id, details=current.domain)
        session.delete(current)


def get_allowed(allowed_id: int) -> AllowedEmailDomain | None:
    return db.session.get(AllowedEmailDomain, allowed_id)


def allowed_domains() -> list[tuple[AllowedEmailDomain, str]]:
    """Every allowed domain, alphabetically, with the username of the admin who allowed it."""
    query = (select(AllowedEmailDomain, User.username).join(User, User.id == AllowedEmailDomain.created_by_id)
             .order_by(AllowedEmailDomain.domain))
    return [tuple(row) for row in db.session.execute(query)]


def listed_count() -> int:
    return len(DISPOSABLE_DOMAINS)
