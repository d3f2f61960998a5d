"""The members you ignore, /settings/ignored (the Ignore button itself is on each profile)."""

from flask_login import current_user, login_required

from ...htmx import render
from ...members.service import preferences
from .. import bp


@bp.get("/settings/ignored")
@login_required
def ignored():
    """The members you ignore, each with a button to stop."""
    return render("account/ignored.html", "ignored_list", ignored=preferences.ignored_members(current_user))
