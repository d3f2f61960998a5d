"""The header's notification count, polled: 304 while nothing changed, the fresh link when it has."""

from flask import make_response, redirect, url_for
from flask_login import current_user

from ...htmx import is_fragment_request, known_tag, render_partial, uncached
from .. import bp, notifications


@bp.get("/notifications/count")
def notification_count():
    """The count link, or 304 when the count and newest notification are what the page has (see `forum.htmx.known_tag`).

    Guests (a member signed out in another tab) get 204: nothing to swap, and no redirect mid-read.
    Opened in the browser rather than polled, it is the notifications page the count stands for."""
    if not is_fragment_request():
        return redirect(url_for("members.notifications_page"))
    if not current_user.is_authenticated:
        return uncached(make_response("", 204))
    count, newest = notifications.unread_summary(current_user)
    tag = f"{count}-{newest}"
    if known_tag() == tag:
        return uncached(make_response("", 304))
    response = render_partial("members/_notification_count.html", out_of_band=False)
    response.headers["HX-PTag"] = tag
    return uncached(response)

