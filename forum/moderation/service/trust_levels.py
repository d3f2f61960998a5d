"""Trust levels set by hand: staff lift or lower a member's level (forum/trust.py), or give it back to the rules."""

from ...database import write_transaction
from ...models import User
from ...refusals import FieldError, Forbidden
from ... import trust
from .log import log_action


AUTOMATIC = "auto"  # the trust form's choice for "the level they earn"
TRUST_CHOICES = {AUTOMATIC: "Automatic: the level they earn",
                 **{level.name: f"{level.name.capitalize()}, set by hand" for level in trust.LEVELS}}


def set_trust_level(actor: User, member: User, choice: str, reason: str) -> User:
    """Set the member's trust level by hand (a level name), or give it back to the rules (AUTOMATIC); logged."""
    if choice not in TRUST_CHOICES:
        raise FieldError("level", "Choose a level, or automatic.")
    if not actor.is_staff:
        raise Forbidden("Only staff can set a trust level.", field="level")
    if member.is_staff:
        raise Forbidden("Staff have every trust level's abilities already.", field="level")
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", "Say why, for the moderation log.")
    level = None if choice == AUTOMATIC else trust.NAMES[choice]
    with write_transaction() as session:
        target = session.get(User, member.id, with_for_update=True)
        old = "automatic" if target.trust_level_set is None else trust.LEVELS[target.trust_level_set].name
        new = "automatic" if level is None else trust.LEVELS[level].name
        if target.trust_level_set == level:
            return target
        target.trust_level_set = level
        log_action(session, actor, f"trust:{new}", "member", target.id,
                   details=f"{target.username}: trust level {old} to {new}. {reason[:400]}")
    return target


def choice_of(member: User) -> str:
    """The form's choice for the member's level now."""
    return AUTOMATIC if member.trust_level_set is None else trust.LEVELS[member.trust_level_set].name
