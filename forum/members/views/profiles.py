"""Profiles and @mention suggestions."""

from flask import abort, request
from flask_login import current_user, login_required

from ...htmx import render
from ...page_cache import for_guests
from .. import bp
from ..service import profiles as service


@bp.get("/u/<username>")
@for_guests
def profile(username):
    """A member's public profile: picture, name, bio, join date, post count, recent posts."""
    member = service.active_member(username) or abort(404, "There is no member with that name.")
    return render("members/profile.html", member=member, name=member.name_seen_by(current_user),
                  writing=service.writing(member, current_user))


@bp.get("/members/suggest")
@login_required
def suggest():
    """Members matching the @name being typed, as options for the composer's suggestion list."""
    members = service.suggest(request.args.get("q", "")[:20])
    return render("members/suggest.html", "options", members=members, query=request.args.get("q", ""))
