"""Replying, permalinks, editing and deleting posts."""

from flask import abort, current_app, flash, redirect, url_for
from flask_login import current_user, login_required

from ..htmx import is_fragment_request, render, render_partial
from ..pagination import Page, page_of_position
from ..threads import service as threads
from ..threads.views import render_thread
from . import bp, service
from .forms import EditForm, ReplyForm


def post_url(post) -> str:
    """The address of the page a post is on, anchored at the post."""
    page = page_of_position(service.position_in_thread(post), current_app.config["POSTS_PER_PAGE"])
    return url_for("threads.show", thread_id=post.thread.id, slug=post.thread.slug,
                   page=page if page > 1 else None, _anchor=f"p{post.id}")


def _own_post(post_id):
    """The post, if it exists (404) and the current member may change it (403)."""
    post = service.get_post(post_id) or abort(404, "There is no such post.")
    if not service.may_change(current_user, post):
        abort(403, "You can only change your own posts.")
    return post


@bp.post("/t/<int:thread_id>/reply")
@login_required
def create(thread_id):
    """Add a reply: the fragment appends it and clears the form; a page redirects to it."""
    thread = threads.get_thread(thread_id) or abort(404, "There is no such thread.")
    form = ReplyForm()
    if not form.validate():
        if is_fragment_request():
            return render("threads/show.html", "reply_form", status=422, thread=thread, form=form)
        return render_thread(thread, form, status=422)
    post = service.add_reply(thread, current_user, form.body.data)
    if not is_fragment_request():
        return redirect(post_url(post))
    page = Page.last(thread.post_count, current_app.config["POSTS_PER_PAGE"])
    return render_partial("posts/created.html", status=201, thread=thread, post=post, page=page,
                          form=ReplyForm(formdata=None))


@bp.get("/p/<int:post_id>")
def show(post_id):
    """A post's permalink: redirects to its page and anchor; a fragment request gets the post alone."""
    post = service.get_post(post_id) or abort(404, "There is no such post.")
    if is_fragment_request():
        return render_partial("posts/_post.html", post=post)
    return redirect(post_url(post))


@bp.get("/p/<int:post_id>/edit")
@login_required
def edit_form(post_id):
    """The edit form: in place of the post for htmx, or on its own page."""
    post = _own_post(post_id)
    form = EditForm(formdata=None, body=post.body, version=post.version)
    return render("posts/edit.html", "edit_form", post=post, form=form, conflict=False)


@bp.post("/p/<int:post_id>/edit")
@login_required
def update(post_id):
    """Save an edit; a stale form is refused with the current text shown and the edit kept."""
    post = _own_post(post_id)
    form = EditForm()
    if not form.validate():
        return render("posts/edit.html", "edit_form", status=422, post=post, form=form, conflict=False)
    try:
        post = service.edit_post(post, current_user, form.body.data, form.expected_version)
    except service.EditConflict as conflict:
        form.version.data = str(conflict.current.version)
        return render("posts/edit.html", "edit_form", status=409, post=conflict.current, form=form, conflict=True)
    if is_fragment_request():
        return render_partial("posts/_post.html", post=post)
    flash("Your post is updated.", "success")
    return redirect(post_url(post))


@bp.post("/p/<int:post_id>/delete")
@login_required
def delete(post_id):
    """Delete one's own post, leaving a placeholder in its place."""
    post = service.delete_post(_own_post(post_id), current_user)
    if is_fragment_request():
        return render_partial("posts/_post.html", post=post)
    flash("Your post is deleted.", "success")
    return redirect(post_url(post))
