"""The notifications page, the header's count (polled), and the unsubscribe link in each notification mail."""

from flask import abort, flash, make_response, redirect, url_for
from flask_login import current_user, login_required

from ..htmx import is_fragment_request, known_tag, render, render_partial, uncached
from . import bp, mail
from . import service as notifications

BAD_LINK = ("This unsubscribe link is not valid. Check that you copied all of it, "
            "or sign in and change your email settings.")


@bp.get("/notifications/count")
def count():
    """The count link, or 304 when the count and newest notification are what the page has (see `forum.htmx.known_tag`).

    Guests (a member signed out in another tab) get 204: nothing to swap, and no redirect mid-read.
    Opened in the browser rather than polled, it is the notifications page the count stands for."""
    if not is_fragment_request():
        return redirect(url_for("notifications.index"))
    if not current_user.is_authenticated:
        return uncached(make_response("", 204))
    unread, newest = notifications.unread_summary(current_user)
    tag = f"{unread}-{newest}"
    if known_tag() == tag:
        return uncached(make_response("", 304))
    response = render_partial("notifications/_count.html", out_of_band=False)
    response.headers["HX-PTag"] = tag
    return uncached(response)


@bp.get("/notifications")
@login_required
def index():
    """The member's notifications, unread first marked."""
    return render("notifications/index.html", "notification_list", is_fragment=False,
                  items=notifications.recent(current_user), what=notifications.WHAT,
                  unread_conversations=notifications.unread_conversations(current_user))


@bp.post("/notifications/read")
@login_required
def mark_read():
    """Mark every notification read."""
    notifications.mark_all_read(current_user)
    if is_fragment_request():  # the list, and the header's count out of band
        return render("notifications/index.html", "notification_list", is_fragment=True,
                      items=notifications.recent(current_user), what=notifications.WHAT, unread_conversations=0)
    flash("All notifications are marked read.", "success")
    return redirect(url_for("notifications.index"))


@bp.get("/email/unsubscribe/<token>")
def unsubscribe_form(token):
    """Ask to confirm turning notification email off (the link in each mail; no sign-in needed)."""
    member = mail.member_for_unsubscribe(token) or abort(400, BAD_LINK)
    return render("notifications/unsubscribe.html", "unsubscribe_box", member=member, token=token)


@bp.post("/email/unsubscribe/<token>")
def unsubscribe(token):
    """Turn notification email off for the member the link was sent to."""
    member = mail.member_for_unsubscribe(token) or abort(400, BAD_LINK)
    member = mail.set_choice(member, "off")
    flash("Notification email is off. You will get no more of it.", "success")
    if is_fragment_request():
        return render("notifications/unsubscribe.html", "unsubscribe_box", member=member, token=token)
    return redirect(url_for("notifications.unsubscribe_form", token=token))
