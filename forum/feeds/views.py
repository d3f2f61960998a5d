"""Atom feeds: the latest threads, one category's threads, one thread's latest posts."""

import math

from flask import abort, current_app, make_response, render_template, request, url_for

from ..models import Category
from ..policy import MembersOnly
from ..templating import public_url
from ..threads import service as threads
from . import bp, service

ATOM = "application/atom+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
# Pages no search engine should fetch: a member's own, staff's, forms, and search (endless addresses).
NOT_FOR_ROBOTS = ("/login", "/register", "/password/", "/settings", "/notifications", "/mod/", "/admin",
                  "/search", "/new", "/p/")
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


@bp.get("/robots.txt")
def robots():
    """Where crawlers may go, and where the sitemap is."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in NOT_FOR_ROBOTS), "Allow: /", "",
             f"Sitemap: {public_url(url_for('feeds.sitemap'))}", ""]
    response = make_response("\n".join(lines))
    response.mimetype = "text/plain"
    return response


@bp.get("/sitemap.xml")
def sitemap():
    """Every address a guest may read (the home page, the public categories, their threads); when there
    are more than SITEMAP_URLS, a sitemap index of files of that many each."""
    per_file, total = current_app.config["SITEMAP_URLS"], service.sitemap_size()
    if total <= per_file:
        return _urlset(service.sitemap_entries(0, per_file))
    files = [public_url(url_for("feeds.sitemap_part", number=n)) for n in range(1, math.ceil(total / per_file) + 1)]
    return _xml(render_template("feeds/sitemap_index.xml", files=files))


@bp.get("/sitemap-<int:number>.xml")
def sitemap_part(number):
    """One file of a large forum's sitemap index."""
    per_file = current_app.config["SITEMAP_URLS"]
    entries = service.sitemap_entries((number - 1) * per_file, per_file) if number >= 1 else []
    if not entries:
        abort(404, "There is no such part of the sitemap.")
    return _urlset(entries)


def _urlset(entries):
    return _xml(render_template("feeds/sitemap.xml", entries=entries, address=_address))


def _address(entry) -> str:
    place = entry.place
    if place == "home":
        path = url_for("threads.index")
    elif isinstance(place, Category):
        path = url_for("threads.category", slug=place.slug)
    else:
        path = url_for("threads.show", thread_id=place.id, slug=place.slug)
    return public_url(path)


def _xml(body: str):
    response = make_response(service.xml_safe(body))
    response.headers["Content-Type"] = XML
    return response
