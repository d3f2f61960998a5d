"""Invitation links: a member who may invite makes one here and sees who used theirs."""

from flask import abort, url_for
from flask_login import current_user, login_required

from ...htmx import render, uncached
from ...limits import limit_invites
from ...refusals import Refusal
from .. import bp
from ..service import invites


def _page(made=None, status=200, limit_error=""):
    link = url_for("auth.register_form", invite=made.token, _external=True) if made else None
    return uncached(render("auth/invites.html", invites=invites.invites_of(current_user), link=link,
                           may_invite=invites.may_invite(current_user), limit_error=limit_error, status=status))


def _too_many(message: str, retry_after: int):
    """The page again, with why no link was made beside the button (429)."""
    response = _page(status=429, limit_error=message)
    response.headers["Retry-After"] = str(retry_after)
    return response


@bp.get("/invites")
@login_required
def invites_page():
    """The member's invitations, and the button that makes one (if their trust level allows it)."""
    return _page()


@bp.post("/invites")
@login_required
@limit_invites(on_breach=_too_many)
def create_invite():
    """Make an invitation link, shown once on the page that answers."""
    try:
        made = invites.create(current_user)
    except Refusal as error:
        abort(error.status, error.message)
    return _page(made, status=201)
