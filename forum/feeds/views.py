"""Atom feeds: the latest threads, one category's threads, one thread's latest posts."""

from flask import abort, make_response, render_template, request, url_for

from ..policy import MembersOnly
from ..threads import service as threads
from . import bp, service

ATOM = "application/atom+xml; charset=utf-8"
NO_FEED = "Members-only categories have no feed: feed readers cannot sign in."


@bp.get("/feeds/latest.atom")
def latest():
    """The newest threads in every public category."""
    entries = service.guest_threads()
    return _atom(title="Latest threads", alternate=url_for("threads.index", _external=True),
                 updated=service.newest(entry.updated for entry in entries), threads=entries)


@bp.get("/c/<slug>/feed.atom")
def category(slug):
    """The newest threads of one public category."""
    category = threads.category_by_slug(slug) or abort(404, "There is no such category.")
    if category.members_only:
        abort(403, NO_FEED)
    entries = service.guest_threads(category)
    return _atom(title=category.name, subtitle=category.description,
                 alternate=url_for("threads.category", slug=slug, _external=True),
                 updated=service.newest(entry.updated for entry in entries), threads=entries)


@bp.get("/t/<int:thread_id>/feed.atom")
def thread(thread_id):
    """The latest posts of one thread in a public category."""
    try:  # always as a guest sees it: feed readers carry no session
        thread = threads.get_thread(thread_id, None) or abort(404, "There is no such thread.")
    except MembersOnly:
        abort(403, NO_FEED)
    posts = service.latest_posts(thread)
    return _atom(title=thread.title, alternate=url_for("threads.show", thread_id=thread.id, slug=thread.slug,
                                                      _external=True),
                 updated=service.newest(service.post_updated(post) for post in posts), thread=thread, posts=posts)


def _atom(**context):
    """The feed document, with an ETag so a reader that polls gets 304 while nothing changed."""
    context = {"subtitle": "", "threads": [], "thread": None, "posts": [], **context}
    body = service.xml_safe(render_template("feeds/feed.atom.xml", post_updated=service.post_updated, **context))
    response = make_response(body)
    response.headers["Content-Type"] = ATOM
    # An ETag of the document only: a removed post changes the feed but not its newest date, so a date
    # (Last-Modified) would keep answering 304 to a reader that still shows the removed entry.
    response.add_etag()
    return response.make_conditional(request)
