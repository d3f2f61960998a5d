"""Thread lists, thread pages and starting a thread."""

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ..htmx import render
from ..limits import limit_threads
from ..pagination import Page, requested_page
from ..posts import drafts
from ..posts import service as posts_service
from ..posts.display import conversation_for
from ..posts.forms import ReplyForm
from . import bp, service
from .forms import ThreadForm


@bp.get("/")
def index():
    """The latest threads, most recent activity first."""
    page = requested_page(service.count_threads(viewer=current_user), current_app.config["THREADS_PER_PAGE"])
    return render("threads/index.html", "thread_list", threads=service.latest_threads(page, viewer=current_user),
                  page=page, category=None, categories=service.categories())


@bp.get("/c/<slug>")
def category(slug):
    """The threads of one category."""
    category = service.category_by_slug(slug) or abort(404, "There is no such category.")
    if category.members_only and not current_user.is_authenticated:
        raise service.MembersOnly()
    page = requested_page(service.count_threads(category, current_user), current_app.config["THREADS_PER_PAGE"])
    return render("threads/index.html", "thread_list",
                  threads=service.latest_threads(page, category, current_user),
                  page=page, category=category, categories=service.categories())


@bp.get("/t/<int:thread_id>")
def show_by_id(thread_id):
    """Redirect a bare thread id to the thread's canonical address."""
    thread = service.get_thread(thread_id, current_user) or abort(404, "There is no such thread.")
    return redirect(url_for("threads.show", thread_id=thread.id, slug=thread.slug, **request.args), 301)


@bp.get("/t/<int:thread_id>-<slug>")
def show(thread_id, slug):
    """A page of a thread's posts, oldest first, with the reply form (and any draft) on the last page."""
    thread = service.get_thread(thread_id, current_user) or abort(404, "There is no such thread.")
    if slug != thread.slug:
        return redirect(url_for("threads.show", thread_id=thread.id, slug=thread.slug, **request.args), 301)
    draft = drafts.draft_for(current_user, thread) if current_user.is_authenticated else None
    form = ReplyForm.fresh(draft.body, draft.parent_id) if draft else ReplyForm.fresh()
    return render_thread(thread, form)


def render_thread(thread, form, status=200, composing=False, preview=None):
    """The thread page named by ?page=N, with `form` as its composer.

    `composing` shows the last page, where the composer is: for a refused reply or a preview.
    """
    per_page = current_app.config["POSTS_PER_PAGE"]
    page = Page.last(thread.post_count, per_page) if composing else requested_page(thread.post_count, per_page)
    posts = service.thread_posts(thread, page)
    return render("threads/show.html", "posts", status=status, thread=thread, posts=posts, page=page,
                  form=form, preview=preview, convo=conversation_for(thread, posts, current_user),
                  answering=answered_post(form))


def answered_post(form):
    """The post the composer is answering, if it names one."""
    post_id = form.answered_post_id
    return posts_service.get_post(post_id) if post_id else None


@bp.get("/new")
@login_required
def new_form():
    """Show the form for starting a thread."""
    form = _thread_form()
    form.category.data = request.args.get("category", "")
    return render("threads/new.html", form=form)


@bp.post("/new")
@login_required
@limit_threads
def create():
    """Start a thread and go to it."""
    form = _thread_form()
    if not form.validate():
        return render("threads/new.html", form=form, status=422)
    category = service.category_by_slug(form.category.data)
    thread = service.start_thread(current_user, category, form.title.data, form.body.data)
    flash("Your thread is posted.", "success")
    return redirect(url_for("threads.show", thread_id=thread.id, slug=thread.slug))


def _thread_form() -> ThreadForm:
    form = ThreadForm()
    form.category.choices = [SelectChoice("", "Choose a category…")] + [
        SelectChoice(c.slug, c.name) for c in service.categories()]
    return form
