"""Replying, permalinks, editing, deleting and a post's history."""

from flask import abort, current_app, flash, redirect, url_for
from flask_login import current_user, login_required

from ..htmx import is_fragment_request, render, render_partial
from ..limits import limit_replies
from ..pagination import Page, page_of_position
from ..policy import may_change, readable
from ..threads import service as threads
from ..threads import unread
from ..threads.views import answered_post, render_thread
from . import bp, history, likes, service
from .display import conversation_for
from .forms import EditForm, ReplyForm


def post_url(post) -> str:
    """The address of the page a post is on, anchored at the post."""
    page = page_of_position(service.position_in_thread(post), current_app.config["POSTS_PER_PAGE"])
    return url_for("threads.show", thread_id=post.thread.id, slug=post.thread.slug,
                   page=page if page > 1 else None, _anchor=f"p{post.id}")


def existing_post(post_id):
    """The post, unless there is none or its thread was removed (and the reader is not staff)."""
    post = service.get_post(post_id)
    if post is None or not readable(post.thread, current_user):
        abort(404, "There is no such post.")
    return post


def own_post(post_id):
    """The post, if it exists (404) and the current member may change it (403)."""
    post = existing_post(post_id)
    if not may_change(current_user, post):
        abort(403, "You can only change your own posts.")
    return post


def render_post_alone(post, status=200):
    """One post as a fragment, with the names and reply links it shows."""
    convo = conversation_for(post.thread, [post], current_user)
    return render_partial("posts/_post.html", status=status, post=post, convo=convo)


@bp.post("/t/<int:thread_id>/reply")
@login_required
@limit_replies
def create(thread_id):
    """Add a reply: the fragment appends it and clears the form; a page redirects to it."""
    thread = threads.get_thread(thread_id, current_user) or abort(404, "There is no such thread.")
    form = ReplyForm()
    if not form.validate():
        return _refused_reply(thread, form)
    earlier = service.posted_with(current_user, form.request_key.data)
    try:
        post = earlier or service.add_reply(thread, current_user, form.body.data, form.answered_post_id,
                                            form.request_key.data)
    except service.QuoteRefused as refused:
        form.body.errors.append(refused.message)
        return _refused_reply(thread, form)
    unread.mark_read(current_user, thread, [post], None)  # their own post is never unread to them
    if not is_fragment_request():
        return redirect(post_url(post))
    if earlier:  # a repeated submission: the post is on the page already
        return render("threads/show.html", "reply_form", thread=thread, form=ReplyForm.fresh(), answering=None)
    page = Page.last(thread.post_count, current_app.config["POSTS_PER_PAGE"])
    answered = _on_page(post.parent, page)
    return render_partial("posts/created.html", status=201, thread=thread, post=post, page=page,
                          form=ReplyForm.fresh(), answering=None, answered=answered,
                          convo=conversation_for(thread, [post, answered] if answered else [post], current_user))


def _refused_reply(thread, form):
    """The composer again with its text and what is wrong with it (422)."""
    if is_fragment_request():
        return render("threads/show.html", "reply_form", status=422, thread=thread, form=form.keep_key(),
                      answering=answered_post(form))
    return render_thread(thread, form.keep_key(), status=422, composing=True)


def _on_page(post, page):
    """`post` if it is shown on `page` of its thread, else None."""
    if post is None or post.is_removed:
        return None
    position = service.position_in_thread(post)
    return post if page_of_position(position, page.per_page) == page.number else None


@bp.get("/p/<int:post_id>")
def show(post_id):
    """A post's permalink: redirects to its page and anchor; a fragment request gets the post alone."""
    post = existing_post(post_id)
    if is_fragment_request():
        return render_post_alone(post)
    return redirect(post_url(post))


@bp.get("/p/<int:post_id>/edit")
@login_required
def edit_form(post_id):
    """The edit form: in place of the post for htmx, or on its own page."""
    post = own_post(post_id)
    form = EditForm(formdata=None, body=post.body, version=str(post.version))
    return render("posts/edit.html", "edit_form", post=post, form=form, conflict=False)


@bp.post("/p/<int:post_id>/edit")
@login_required
def update(post_id):
    """Save an edit; a stale form is refused with the current text shown and the edit kept."""
    post = own_post(post_id)
    form = EditForm()
    if not form.validate():
        return render("posts/edit.html", "edit_form", status=422, post=post, form=form, conflict=False)
    try:
        post = service.edit_post(post, current_user, form.body.data, form.expected_version)
    except service.EditConflict as conflict:
        form.version.data = str(conflict.current.version)
        return render("posts/edit.html", "edit_form", status=409, post=conflict.current, form=form, conflict=True)
    except service.QuoteRefused as refused:
        form.body.errors.append(refused.message)
        return render("posts/edit.html", "edit_form", status=422, post=post, form=form, conflict=False)
    if is_fragment_request():
        return render_post_alone(post)
    flash("Your post is updated.", "success")
    return redirect(post_url(post))


@bp.post("/p/<int:post_id>/delete")
@login_required
def delete(post_id):
    """Delete one's own post, leaving a placeholder in its place."""
    post = service.delete_post(own_post(post_id), current_user)
    if is_fragment_request():
        return render_post_alone(post)
    flash("Your post is deleted.", "success")
    return redirect(post_url(post))


@bp.post("/p/<int:post_id>/like")
@login_required
def like(post_id):
    """Like a post, or take the like back: the fragment is the post's like button and count."""
    post = existing_post(post_id)
    try:
        likes.toggle_like(current_user, post)
    except likes.LikeRefused as refused:
        abort(403, str(refused))
    if not is_fragment_request():
        return redirect(post_url(post))
    return render_partial("posts/_like.html", post=post, convo=conversation_for(post.thread, [post], current_user))


@bp.get("/p/<int:post_id>/history")
def history_page(post_id):
    """Every text the post has had, with what changed each time."""
    post = existing_post(post_id)
    if post.is_removed:
        abort(404, "This post was removed, and so was its history.")
    return render("posts/history.html", post=post, versions=history.versions_of(post),
                  author_name=post.author.name_seen_by(current_user))
