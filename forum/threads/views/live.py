"""New replies while a member reads: a cheap poll that says "nothing new" without rendering, and the
posts themselves when the reader asks for them.

The poll carries the thread's post count as its tag (see `forum.htmx.known_tag`): an unchanged thread
answers 304 after one primary-key read. Every app process reads the same database row, so a reply
written through any process shows up in every other.
"""

from flask import abort, current_app, make_response, redirect, request, url_for
from flask_login import current_user

from ...htmx import is_fragment_request, known_tag, render_partial, uncached
from ...ids import MAX_ID
from ...pagination import Page
from ...policy import MembersOnly
from ...posts.service.display import conversation_for
from .. import bp, service
from ..service import unread

MAX_APPENDED = 50  # more than this, and the reader is sent to the pages instead


@bp.get("/t/<int:thread_id>/new-replies")
def new_replies(thread_id):
    """The "N new replies — show" button, or 304 when the thread has not changed since the last poll.

    When the reader may no longer read the thread (it was removed, or they signed out of a members-only
    one), the poll region is replaced by one that does not poll: no error every few seconds."""
    if not is_fragment_request():
        return _last_page(thread_id)
    thread = _polled_thread(thread_id)
    if thread is None:
        response = render_partial("threads/_live_stopped.html")
        response.headers["HX-Reswap"] = "outerHTML"
        return uncached(response)
    tag = str(thread.post_count)
    if known_tag() == tag:
        return uncached(make_response("", 304))
    after = _after()
    count = service.count_posts_after(thread, after, current_user)
    response = render_partial("threads/_new_replies.html", thread=thread, after=after, count=count,
                              max_appended=MAX_APPENDED)
    response.headers["HX-PTag"] = tag
    return uncached(response)


@bp.get("/t/<int:thread_id>/new-replies/posts")
def new_reply_posts(thread_id):
    """The new posts themselves, appended to the page, and a fresh poll that starts after them."""
    if not is_fragment_request():
        return _last_page(thread_id)
    thread = service.get_thread(thread_id, current_user) or abort(404, "There is no such thread.")
    after = _after()
    posts = service.posts_after(thread, after, current_user, MAX_APPENDED)
    latest = max([after, *(post.id for post in posts)])
    response = render_partial("threads/_new_reply_posts.html", thread=thread, posts=posts, after=latest,
                              convo=conversation_for(thread, posts, current_user))
    unread.mark_read(current_user, thread, posts, unread.state_for(current_user, thread))
    return uncached(response)


def _last_page(thread_id):
    """Opened in the browser rather than by the page's script: the page these replies belong to,
    the thread's last (a bare fragment would be a page without its frame, styles or sense)."""
    thread = service.get_thread(thread_id, current_user) or abort(404, "There is no such thread.")
    last = Page.last(thread.post_count, current_app.config["POSTS_PER_PAGE"])
    return redirect(url_for("threads.show", thread_id=thread.id, slug=thread.slug,
                            page=last.number if last.number > 1 else None))


def _after() -> int:
    """?after=: the id of the last post the page shows. Bounded to the range of ids, so a number past
    it reads as "nothing newer" rather than reaching the database, which would refuse it."""
    return min(max(request.args.get("after", 0, type=int), 0), MAX_ID)


def _polled_thread(thread_id):
    """The thread if the reader may still read it, else None."""
    try:
        return service.get_thread(thread_id, current_user)
    except MembersOnly:
        return None
