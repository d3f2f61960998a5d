"""Thread lists, thread pages and starting a thread."""

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ...htmx import is_fragment_request, redirect_fragment, render
from ...limits import limit_threads
from ...page_cache import for_guests
from ...pagination import Page, requested_page
from ...policy import MembersOnly
from ...posts.service import articles, held
from ...posts import service as posts_service
from ...posts.forms import ReplyForm
from ...refusals import show_on
from .. import bp, service
from ..service import drafts as thread_drafts, unread
from ..forms import ThreadForm
from .attach import attach_image
from .kept_pages import page_body, page_posts, posts_html
from .rows import thread_rows


@bp.get("/")
@for_guests
def index():
    """The latest threads, most recent activity first."""
    page = requested_page(service.count_threads(viewer=current_user), current_app.config["THREADS_PER_PAGE"])
    threads = service.latest_threads(page, viewer=current_user)
    return render("threads/index.html", "thread_list", rows=thread_rows(threads, current_user._get_current_object()),
                  page=page, category=None, categories=service.listed_categories())


@bp.get("/c/<slug>")
@for_guests
def category(slug):
    """The threads of one category."""
    category = service.listed_category(slug) or abort(404, "There is no such category.")
    if category.members_only and not current_user.is_authenticated:
        raise MembersOnly()
    page = requested_page(service.count_threads(category, current_user), current_app.config["THREADS_PER_PAGE"])
    threads = service.latest_threads(page, category, current_user)
    return render("threads/index.html", "thread_list", rows=thread_rows(threads, current_user._get_current_object()),
                  page=page, category=category, categories=service.listed_categories())


@bp.get("/t/<int:thread_id>")
def show_by_id(thread_id):
    """Redirect a bare thread id to the thread's canonical address."""
    thread = service.get_thread(thread_id, current_user) or abort(404, "There is no such thread.")
    return redirect(url_for("threads.show", thread_id=thread.id, slug=thread.slug, **request.args), 301)


@bp.get("/t/<int:thread_id>-<slug>")
@for_guests
def show(thread_id, slug):
    """A page of a thread's posts in the order named by ?order=, with the reply form (and any draft)
    on the last page; a line marks where the posts new to the member begin."""
    thread, reader = service.thread_for_reader(thread_id, current_user)
    if thread is None:
        abort(404, "There is no such thread.")
    if slug != thread.slug:
        return redirect(url_for("threads.show", thread_id=thread.id, slug=thread.slug, **request.args), 301)
    # The member's composer (with their draft) is made where it is shown, on the last page read oldest
    # first (render_thread); guests have none, so their page holds no CSRF token (forum/page_cache.py).
    return render_thread(thread, None, order=requested_order(thread), reader=reader)


def requested_order(thread=None) -> str:
    """The order named by ?order= (oldest first for a missing or unknown one). An article's thread may
    also be read as its editors' picks alone (?order=picks)."""
    order = request.args.get("order", "oldest")
    if order == "picks" and thread is not None and thread.article is not None:
        return order
    return order if order in service.POST_ORDERS else "oldest"


@bp.app_template_global()
def comments_closed(thread) -> bool:
    """Whether the thread is an article's whose comments are closed (its composer says so)."""
    return articles.comments_closed(thread)


@bp.get("/t/<int:thread_id>/unread")
def first_unread(thread_id):
    """Go to the first post the member has not read: where thread lists send a member who has read
    part of a thread (the thread's start for guests, and for members who have read it all)."""
    thread = service.get_thread(thread_id, current_user) or abort(404, "There is no such thread.")
    state = unread.state_for(current_user, thread)
    if not unread.unread_count(thread, state):
        return redirect(url_for("threads.show", thread_id=thread.id, slug=thread.slug))
    return redirect(_first_unread_url(thread, state))


def _first_unread_url(thread, state) -> str:
    page, post_id = unread.first_unread_place(thread, state, current_app.config["POSTS_PER_PAGE"])
    return url_for("threads.show", thread_id=thread.id, slug=thread.slug, page=page if page > 1 else None,
                   _anchor=f"p{post_id}" if post_id else None)


def render_thread(thread, form, status=200, composing=False, preview=None, order="oldest", reader=None):
    """The thread page named by ?page=N, with `form` as its composer (for a member read with the thread,
    `reader`, a fresh one with their draft where the composer shows).

    `composing` shows the last page, where the composer is: for a refused reply or a preview. Read
    oldest first, the page marks where the member's new posts begin, and records them as read (other
    orders skip posts, so they record nothing). `reader`: the member's own state, when read with the
    thread (service.thread_for_reader); else it is asked here.
    """
    per_page = current_app.config["POSTS_PER_PAGE"]
    viewer = current_user._get_current_object()
    if order == "picks":  # an article's editors' picks, a page at a time
        page = requested_page(service.count_picks(thread), per_page)
    else:
        page = Page.last(thread.post_count, per_page) if composing else requested_page(thread.post_count, per_page)
    # A member's composer is on the last page read oldest first: the text of their draft, and the post it answers.
    composer = (reader.draft or ("", None)) if reader is not None and page.is_last and order == "oldest" else None
    found = page_posts(thread, page, order, viewer, reader)
    state = reader.read if reader is not None else unread.state_for(viewer, thread)
    new_from = unread.first_unread_id(found.posts, state) if order == "oldest" else None
    context = dict(thread=thread, posts=found.posts, page=page, order=order, preview=preview,
                   description=found.description, convo=found.convo,
                   held_posts=held.waiting_in(thread, viewer) if page.is_last and order == "oldest" else [])
    if found.plain and form is None and not (context["held_posts"] or is_fragment_request()):
        # A plain reader's page as read (a refused reply and a preview bring their form): kept, but for theirs.
        answering = posts_service.get_post(composer[1]) if composer and composer[1] else None
        context.update(form=None, answering=answering)
        context["kept_body"] = page_body(new_from, composer, **context)
    else:
        if form is None and composer is not None:
            form = ReplyForm.fresh(*composer)
        context.update(form=form, answering=answered_post(form), shown=posts_html(found.posts, new_from))
    response = render("threads/show.html", "posts", status=status, **context)
    if order == "oldest":
        unread.mark_read(viewer, thread, found.posts, state)
    return response


def answered_post(form):
    """The post the composer is answering, if it names one."""
    post_id = form.answered_post_id if form else None
    return posts_service.get_post(post_id) if post_id else None


@bp.get("/new")
@login_required
def new_form():
    """Show the form for starting a thread, with the member's draft if they left one."""
    draft = thread_drafts.thread_draft_for(current_user)
    form = thread_form(formdata=None)
    if draft is not None:
        form.category.data, form.title.data, form.body.data = draft.category_slug, draft.title, draft.body
    if request.args.get("category") or draft is None:
        form.category.data = request.args.get("category", "")
    return render("threads/new.html", form=form.keep_key(), draft=draft)


@bp.post("/new")
@login_required
@limit_threads
def create():
    """Start a thread and go to it; the same form sent twice goes to the thread the first one started."""
    form = thread_form()
    if (refused := attach_image(form)) is not None:
        return render("threads/new.html", form=form.keep_key(), draft=None, status=refused.status)
    if not form.validate():
        return render("threads/new.html", form=form.keep_key(), draft=None, status=422)
    thread = service.started_with(current_user, form.request_key.data)
    if thread is not None:  # sent twice (a double click): off to the thread, as the first copy went
        return _go_to(thread, created=False)
    if why := held.hold_reason(current_user, form.body.data):
        return _held_thread(form, why)
    category = service.category_by_slug(form.category.data)
    try:
        thread = service.start_thread(current_user, category, form.title.data, form.body.data,
                                      form.request_key.data)
    except posts_service.BodyRefused as refused:
        show_on(form, refused)
        return render("threads/new.html", form=form.keep_key(), draft=None, status=422)
    unread.mark_thread_read(current_user, thread)
    flash("Your thread is posted.", "success")
    return _go_to(thread, created=True)


def _go_to(thread, created: bool):
    """Send the browser to the thread's address: a redirect for a page (302 when it was made, which the
    rate limit counts, 303 for a copy sent again, which it does not), and for an htmx request HX-Redirect,
    never a redirect that htmx would follow and swap in while the address bar stayed on /new."""
    location = url_for("threads.show", thread_id=thread.id, slug=thread.slug)
    if request.headers.get("HX-Request") == "true":
        return redirect_fragment(location, 201 if created else 200)
    return redirect(location, 302 if created else 303)


def _held_thread(form, why):
    """A new member's thread kept for a moderator: its author is shown it on their waiting page."""
    if held.held_with(current_user, form.request_key.data) is None:
        category = service.category_by_slug(form.category.data)
        try:
            held.hold_thread(current_user, category, form.title.data, form.body.data, why, form.request_key.data)
        except posts_service.BodyRefused as refused:
            show_on(form, refused)
            return render("threads/new.html", form=form.keep_key(), draft=None, status=422)
        flash(held.WAITING_THREAD, "success")
    return redirect(url_for("posts.held"), 303)


@bp.post("/new/draft")
@login_required
def save_new_thread_draft():
    """Keep the new thread's category, title and text server-side (htmx saves them as the member types)."""
    thread_drafts.save_thread_draft(current_user, request.form.get("category", ""), request.form.get("title", ""),
                                    request.form.get("body", ""))
    return "", 204


def thread_form(**kwargs) -> ThreadForm:
    form = ThreadForm(**kwargs)
    form.category.choices = [SelectChoice("", "Choose a category…")] + [
        SelectChoice(c.slug, c.name) for c in service.categories()]
    return form
