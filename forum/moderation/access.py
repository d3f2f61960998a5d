"""Who may do what: staff-only and admin-only views, checked on every request."""

from functools import wraps

from flask import abort, current_app
from flask_login import current_user

from ..extensions import login_manager


def staff_required(view):
    """Moderators and admins only: guests are sent to sign in, members get 403."""
    return _role_required(view, ("moderator", "admin"))


def admin_required(view):
    """Admins only."""
    return _role_required(view, ("admin",))


def _role_required(view, roles):
    @wraps(view)
    def checked(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in roles:
            current_app.logger.warning("refused %s to %s (%s)", view.__name__, current_user.username, current_user.role)
            abort(403, "That is for the forum's staff.")
        return view(*args, **kwargs)

    return checked


def may_sanction(actor, member) -> bool:
    """Staff sanction members; a moderator cannot sanction an admin, and nobody sanctions themselves."""
    if actor.id == member.id or not actor.is_staff:
        return False
    return actor.is_admin or member.role != "admin"
