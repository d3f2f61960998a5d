"""A member's own posts held for a moderator: what waits, and what was rejected and why."""

from flask_login import current_user, login_required

from ...htmx import render
from .. import bp
from ..service import held as held_posts


@bp.get("/held")
@login_required
def held():
    """The member's posts waiting for a moderator, and those a moderator rejected, newest first."""
    return render("posts/held.html", items=held_posts.held_by(current_user))
