"""The comments frame on a publisher's article page, the fallback link for readers without JavaScript,
and the comment counts for the publisher's article lists (README, "Comments under articles")."""

from functools import cache
from pathlib import Path

from flask import Response, abort, current_app, g, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from ..extensions import limiter
from ..htmx import render
from ..page_cache import for_guests
from ..pagination import Page
from ..policy import MembersOnly
from ..posts.forms import ReplyForm
from ..posts.service import drafts
from ..posts.service.display import conversation_for
from ..refusals import Refusal
from ..policy import guest_kept_out
from ..security import allow_framing_by
from ..settings import origin_of
from ..templating import public_url
from ..threads import service as threads
from . import bp, fragment, service

THEMES = ("light", "dark")
COUNTS_SECONDS = 60  # how long browsers and shared caches may keep the comment counts
YEAR = 365 * 24 * 3600
PICKS_SHOWN = 5  # editors' picks shown above an article's comments, the latest featured first


def _checked_page_counted(response) -> bool:
    """The article checks limited per address: reading a publisher's page, never finding a thread."""
    return g.get("article_page_checked", False)


limit_article_checks = limiter.limit("20 per minute; 200 per hour", deduct_when=_checked_page_counted)


def _article(raw_url):
    """The article named by ?url=, its thread started the first time (forum/embed/service.py says when).
    Its own site may frame the answer, so that a refusal shows in the frame; a bad address is a 4xx."""
    try:
        url = service.article_url(raw_url)
        allow_framing_by([origin_of(url)])
        article = service.find_article(url)
        if article is None:
            g.article_page_checked = True
            article = service.article_thread(url, current_app.config["EMBED_FETCH_SECONDS"])
    except Refusal as refused:
        abort(refused.status, refused.message)
    return article


def _theme() -> str | None:
    theme = request.args.get("theme")
    return theme if theme in THEMES else None


@bp.get("/article")
@limit_article_checks
def article():
    """The frame's first address (static/js/embed.js): the article's comments, found or started."""
    thread = _article(request.args.get("url")).thread
    return redirect(url_for("embed.show", thread_id=thread.id, slug=thread.slug, theme=_theme()), 303)


@bp.get("/go")
@limit_article_checks
def full_thread():
    """The snippet's plain link, for readers without JavaScript: the article's thread on the forum."""
    thread = _article(request.args.get("url")).thread
    return redirect(url_for("threads.show", thread_id=thread.id, slug=thread.slug), 303)


@bp.get("/t/<int:thread_id>-<slug>")
@for_guests
def show(thread_id, slug):
    """An article's comments for its publisher's frame: the latest page first, then the composer."""
    article = service.article_by_thread(thread_id) or abort(404, "These are no article's comments.")
    allow_framing_by([article.origin])  # before anything else may refuse: the refusal shows in the frame
    try:
        thread = threads.get_thread(thread_id, current_user) or abort(404, "There is no such thread.")
    except MembersOnly:  # a members-only article's comments: the way in, inside the frame (never kept)
        return render("embed/members_only.html", status=403, article=article, thread=article.thread, theme=_theme())
    if slug != thread.slug:
        return redirect(url_for("embed.show", thread_id=thread.id, slug=thread.slug, **request.args), 301)
    page = _requested_page(thread)
    posts = threads.thread_posts(thread, page)
    shown = posts[1:] if page.number == 1 else posts  # the opening post only links to the article
    picks = threads.featured_first(thread, PICKS_SHOWN)  # first, labelled; not again in the page's run
    shown = [post for post in shown if post not in picks]
    form = None  # guests have no composer, so their page holds no CSRF token (forum/page_cache.py)
    if current_user.is_authenticated:
        draft = drafts.draft_for(current_user, thread)
        form = ReplyForm.fresh(draft.body, draft.parent_id) if draft else ReplyForm.fresh()
    return render("embed/show.html", "posts", thread=thread, article=article, page=page, posts=shown,
                  after=posts[-1].id if posts else 0, form=form, answering=None, preview=None,
                  theme=_theme(), picks=picks, convo=conversation_for(thread, picks + shown, current_user))


def _requested_page(thread) -> Page:
    """?page=N, or the last page: a reader under an article sees the latest comments and the composer."""
    last = Page.last(thread.post_count, current_app.config["POSTS_PER_PAGE"])
    number = request.args.get("page", last.number, type=int)
    if not 1 <= number <= last.count:
        abort(404, f"These comments have only {last.count} page{'s' if last.count > 1 else ''}.")
    return Page(number=number, per_page=last.per_page, total=last.total)


@bp.get("/fragment")
def comments_fragment():
    """The article's latest comments as HTML for the publisher's server to put in the page (forum/embed/
    fragment.py): what a guest sees, answered 304 while nothing in it changed. Never starts a thread."""
    try:
        article = service.find_article(service.article_url(request.args.get("url")))
    except Refusal as refused:
        abort(refused.status, refused.message)
    limit = request.args.get("limit", fragment.COMMENTS, type=int)
    if article is None or article.thread.removed_at is not None:
        abort(404, "This article has no comments here: its page shows the snippet first.")
    if not 1 <= limit <= fragment.MAX_COMMENTS:
        abort(400, f"Ask for 1 to {fragment.MAX_COMMENTS} comments (?limit=).")
    styled = request.args.get("style") != "none"
    etag = fragment.tag(fragment.site_version(), article.url, limit, styled, public_url("/"))
    if request.if_none_match.contains(etag):
        response = make_response("", 304)
    else:
        response = make_response(render_template("embed/fragment.html", **_fragment(article.thread, limit),
                                                 article=article, styled=styled))
    response.set_etag(etag)
    response.cache_control.public, response.cache_control.max_age = True, COUNTS_SECONDS
    response.headers["X-Robots-Tag"] = "noindex"  # found in the publisher's article, not here
    return response


def _fragment(thread, limit) -> dict:
    """What embed/fragment.html shows, as a guest sees it: the latest comments, or none when members alone read them."""
    guest = current_app.login_manager.anonymous_user()
    members_only = guest_kept_out(thread, guest)
    posts = [] if members_only else fragment.latest_comments(thread, limit)
    convo = conversation_for(thread, posts, guest)
    base = public_url("")
    bodies = {post.id: Markup(fragment.absolute_links(convo.body(post), base)) for post in posts}
    return dict(thread=thread, posts=posts, convo=convo, bodies=bodies, members_only=members_only,
                count=thread.reply_count, css=_fragment_css())


@cache
def _fragment_css() -> Markup:
    """static/css/fragment.css, read once: the fragment's own <style>, and a file for pages that link it."""
    return Markup(Path(current_app.static_folder, "css", "fragment.css").read_text(encoding="utf-8"))


@bp.get("/signed-in")
@login_required
def signed_in():
    """Where signing in from the frame (in a window of its own) ends: back to the article."""
    return render_template("embed/signed_in.html")


@bp.get("/counts")
def counts():
    """How many comments each ?url= article has, as JSON, for the publisher's article lists
    (static/js/comment-count.js): one request for a whole list, kept by browsers and caches a minute."""
    response = jsonify(counts=service.comment_counts(request.args.getlist("url")))
    response.cache_control.public, response.cache_control.max_age = True, COUNTS_SECONDS
    origin = request.headers.get("Origin")
    if origin and origin in service.allowed_origins():
        response.headers["Access-Control-Allow-Origin"] = origin
    response.vary.add("Origin")
    return response


@bp.app_template_global()
def publisher_css_url(origin: str) -> str | None:
    """The address of the publisher's colours and font for the frame (embed/base.html), or None."""
    look = service.look_for(origin)
    return url_for("embed.look", digest=look.digest) if look else None


@bp.get("/look/<digest>.css")
def look(digest):
    """A publisher's colours and font as a stylesheet (forum/looks.py). Its address names the look, so a
    changed look is a new address and a browser may keep each one for a year."""
    found = service.look_by_digest(digest) or abort(404, "There is no such stylesheet.")
    response = Response(found.css(), mimetype="text/css")
    response.cache_control.public, response.cache_control.max_age = True, YEAR
    response.cache_control.immutable = True
    return response
