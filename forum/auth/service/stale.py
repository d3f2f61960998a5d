"""A sensitive form sent from a page older than FRESH_SIGN_IN_MINUTES (forum/auth/service/login.py): what it
carried is kept in the page that asks for the password, and offered again, to the same address, once the
password is given. Nothing is carried out without the member pressing "Send it now" on a fresh page."""

from flask import current_app, request
from werkzeug.exceptions import HTTPException

from ...security import safe_next

KEPT_PREFIX = "kept:"
MAX_KEPT = 200  # fields: more than any form of the forum has


def kept(form) -> list[tuple[str, str]]:
    """The fields a stale form sent, in order, without its CSRF token (a fresh one goes with it again)."""
    return [(name, value) for name, value in form.items(multi=True) if name != "csrf_token"][:MAX_KEPT]


def kept_again(form) -> list[tuple[str, str]]:
    """The same fields, as the password page carried them (named kept:<name>)."""
    return [(name.removeprefix(KEPT_PREFIX), value) for name, value in form.items(multi=True)
            if name.startswith(KEPT_PREFIX)][:MAX_KEPT]


def resend_target(path: str | None) -> str | None:
    """`path` if it is an address of this site that takes a form (a POST route), else None."""
    path = safe_next(path, "")
    if not path:
        return None
    try:
        current_app.url_map.bind(request.host).match(path.split("?")[0], method="POST")
    except HTTPException:
        return None
    return path
