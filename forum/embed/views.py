"""The comments frame on a publisher's article page, the fallback link for readers without JavaScript,
and the comment counts for the publisher's article lists (README, "Comments under articles")."""

from flask import abort, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..extensions import limiter
from ..htmx import render
from ..page_cache import for_guests
from ..pagination import Page
from ..policy import MembersOnly
from ..posts.forms import ReplyForm
from ..posts.service import drafts
from ..posts.service.display import conversation_for
from ..refusals import Refusal
from ..security import allow_framing_by
from ..settings import origin_of
from ..threads import service as threads
from . import bp, service

THEMES = ("light", "dark")
COUNTS_SECONDS = 60  # how long browsers and shared caches may keep the comment counts
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
