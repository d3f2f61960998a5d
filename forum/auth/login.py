"""Flask-Login hooks: who is signed in, and what an anonymous request for a member page gets."""

from flask import redirect, request, url_for

from ..extensions import login_manager
from ..htmx import is_fragment_request
from ..security import safe_next
from . import service

login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(login_id: str):
    return service.load_by_login_id(login_id)


@login_manager.unauthorized_handler
def unauthorized():
    """A page gets a redirect to sign in; an htmx fragment gets 401 and HX-Redirect (never a swap)."""
    if is_fragment_request():
        came_from = _path_of(request.headers.get("HX-Current-URL", ""))
        response = redirect(url_for("auth.login", next=safe_next(came_from)))
        response.status_code = 401
        response.headers["HX-Redirect"] = response.headers.pop("Location")
        return response
    came_from = request.full_path if request.method == "GET" else _path_of(request.referrer or "")
    return redirect(url_for("auth.login", next=safe_next(came_from.rstrip("?"))))


def _path_of(url: str) -> str:
    """The path and query of a same-site URL ('' otherwise)."""
    host = request.host_url.rstrip("/")
    if url.startswith(host + "/"):
        return url[len(host):]
    return ""
