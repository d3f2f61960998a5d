"""Thread moderation: lock, pin, move, slow mode, and removing and restoring threads. Each is logged."""

from ...database import write_transaction
from ...models import Category, Thread, User
from ...models.base import utcnow
from ...policy import check_may_write
from ...refusals import Conflict, FieldError
from .log import log_action

SLOW_MODE_MAX_MINUTES = 1440
REASON_MAX = 500


def lock(actor: User, thread: Thread, reason: str = "") -> Thread:
    """No new replies, except from staff."""
    return _moderate(actor, thread, "lock", _setter("locked", True, "This thread is already locked."), reason)


def unlock(actor: User, thread: Thread, reason: str = "") -> Thread:
    return _moderate(actor, thread, "unlock", _setter("locked", False, "This thread is not locked."), reason)


def pin(actor: User, thread: Thread, reason: str = "") -> Thread:
    """Show the thread at the top of its lists."""
    return _moderate(actor, thread, "pin", _setter("pinned", True, "This thread is already pinned."), reason)


def unpin(actor: User, thread: Thread, reason: str = "") -> Thread:
    return _moderate(actor, thread, "unpin", _setter("pinned", False, "This thread is not pinned."), reason)


def remove(actor: User, thread: Thread, reason: str = "") -> Thread:
    """Take the thread out of every list; only staff can open it (to restore it)."""

    def apply(current: Thread):
        if current.removed_at is not None:
            raise Conflict("This thread is already removed.")
        current.removed_at = utcnow()

    return _moderate(actor, thread, "delete", apply, reason)


def restore(actor: User, thread: Thread, reason: str = "") -> Thread:
    """Bring a removed thread back, as it was."""

    def apply(current: Thread):
        if current.removed_at is None:
            raise Conflict("This thread is not removed.")
        current.removed_at = None

    return _moderate(actor, thread, "restore", apply, reason)


def move(actor: User, thread: Thread, category: Category, reason: str = "") -> Thread:
    """Move the thread to another category."""
    moved_from: list[str] = []

    def apply(current: Thread):
        if current.category_id == category.id:
            raise FieldError("category", f"This thread is already in {category.name}.")
        moved_from.append(current.category.name)
        current.category_id = category.id

    return _moderate(actor, thread, "move", apply, reason,
                     details=lambda: f"from {moved_from[0]} to {category.name}")


def set_slow_mode(actor: User, thread: Thread, minutes: int, reason: str = "") -> Thread:
    """Let each member post in the thread once every `minutes` (staff are not slowed)."""
    if not 1 <= minutes <= SLOW_MODE_MAX_MINUTES:
        raise FieldError("minutes", f"Slow mode is between 1 and {SLOW_MODE_MAX_MINUTES} minutes.")

    def apply(current: Thread):
        if current.slow_mode_minutes == minutes:
            raise Conflict(f"This thread is already in slow mode, one post every {minutes} minutes.")
        current.slow_mode_minutes = minutes

    return _moderate(actor, thread, "slow_mode", apply, reason, details=lambda: f"{minutes} minutes")


def end_slow_mode(actor: User, thread: Thread, reason: str = "") -> Thread:
    return _moderate(actor, thread, "slow_mode_off",
                     _setter("slow_mode_minutes", None, "This thread is not in slow mode."), reason)


def _setter(attribute: str, value, already: str):
    """A change that sets one column, refused when it already has that value."""

    def apply(current: Thread):
        if getattr(current, attribute) == value:
            raise Conflict(already)
        setattr(current, attribute, value)

    return apply


def _moderate(actor: User, thread: Thread, action: str, apply, reason: str = "", details=None) -> Thread:
    """Change the thread in one write transaction with its log line; Conflict if nothing would change."""
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise FieldError("reason", f"Reasons are at most {REASON_MAX} characters.")
    with write_transaction() as session:
        check_may_write(session, actor)
        current = session.get(Thread, thread.id, with_for_update=True)
        apply(current)
        log_action(session, actor, action, "thread", current.id, public_reason=reason,
                   details=details() if details else "")
    return current
