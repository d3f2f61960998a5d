"""Invitation links: a member who may invite makes one here and sees who used theirs."""

from flask import abort, url_for
from flask_login import current_user, login_required

from ...htmx import render, uncached
from ...refusals import Refusal
from .. import bp
from ..service import invites


def _page(made=None, status=200):
    link = url_for("auth.register_form", invite=made.token, _external=True) if made else None
    return uncached(render("auth/invites.html", invites=invites.invites_of(current_user), link=link,
                           may_invite=invites.may_invite(current_user), status=status))


@bp.get("/invites")
@login_required
def invites_page():
    """The member's invitations, and the button that makes one (if their trust level allows it)."""
    return _page()


@bp.post("/invites")
@login_required
def create_invite():
    """Make an invitation link, shown once on the page that answers."""
    try:
        made = invites.create(current_user)
    except Refusal as error:
        abort(error.status, error.message)
    return _page(made, status=201)
