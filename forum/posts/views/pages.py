"""Permalinks, editing, deleting, reactions and a post's history (replying is the thread page's)."""

from flask import abort, flash, redirect, request
from flask_login import current_user, login_required

from ...htmx import is_fragment_request, render, render_partial
from ...policy import links_allowed_for, may_change, readable
from ...refusals import Refusal, show_on
from .. import bp, service
from ..service import history, reactions
from ..service.context import render_post
from ..service.display import conversation_for, post_url
from ..forms import EditForm
from .uploads import attach_image


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
    """One post as a fragment, with the names and reply links it shows; it takes the focus (or its
    placeholder does): it answers Save, Cancel and Delete, whose controls are gone once it is swapped in."""
    convo = conversation_for(post.thread, [post], current_user)
    return render_partial("posts/_post.html", status=status, post=post, convo=convo, focus_post=post.id)


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
    return render_edit_form(post, form)


def render_edit_form(post, form, status=200, conflict=False, preview=None):
    """The edit form under the post's own header (its author, number and time)."""
    return render("posts/edit.html", "edit_form", status=status, post=post, form=form, conflict=conflict,
                  preview=preview, convo=conversation_for(post.thread, [post], current_user))


@bp.post("/p/<int:post_id>/edit/preview")
@login_required
def preview_edit(post_id):
    """Show the edited text as saving would render it; nothing is saved and the text stays in the form."""
    post = own_post(post_id)
    form = EditForm()
    if (refused := attach_image(form)) is not None:
        return render_edit_form(post, form, status=refused.status)
    form.validate()
    html = render_post(form.body.data or "", links_allowed_for(current_user)).html
    if is_fragment_request():
        return render("posts/edit.html", "edit_preview", preview=html)
    return render_edit_form(post, form, preview=html)


@bp.post("/p/<int:post_id>/edit")
@login_required
def update(post_id):
    """Save an edit; a stale form is refused with the current text shown and the edit kept."""
    post = own_post(post_id)
    form = EditForm()
    if (refused := attach_image(form)) is not None:
        return render_edit_form(post, form, status=refused.status)
    if not form.validate():
        return render_edit_form(post, form, status=422)
    try:
        post = service.edit_post(post, current_user, form.body.data, form.expected_version)
    except service.EditConflict as conflict:
        form.version.data = str(conflict.current.version)
        return render_edit_form(conflict.current, form, status=409, conflict=True)
    except service.BodyRefused as refused:
        show_on(form, refused)
        return render_edit_form(post, form, status=422)
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


@bp.post("/p/<int:post_id>/react")
@login_required
def react(post_id):
    """Give a post a reaction (Like or another), change it, or take it back: the fragment is its reaction bar."""
    post = existing_post(post_id)
    kind = request.form.get("reaction", "")
    try:
        reactions.react(current_user, post, kind)
    except Refusal as refused:
        abort(refused.status, refused.message)
    if not is_fragment_request():
        return redirect(post_url(post), 303)
    return render_partial("posts/_reactions.html", post=post, picked=kind,
                          convo=conversation_for(post.thread, [post], current_user))


@bp.get("/p/<int:post_id>/reactions", endpoint="reactions")
def reactions_page(post_id):
    """Who gave the post each reaction; a fragment request gets the list alone (a post's reaction tally opens on it)."""
    post = existing_post(post_id)
    if post.is_removed:
        abort(404, "This post was removed, and so were its reactions.")
    return render("posts/reactions.html", "reactors", post=post, groups=reactions.who_reacted(post, current_user),
                  author_name=post.author.name_seen_by(current_user))


@bp.get("/p/<int:post_id>/history")
def history_page(post_id):
    """Every text the post has had, with what changed each time."""
    post = existing_post(post_id)
    if post.is_removed:
        abort(404, "This post was removed, and so was its history.")
    return render("posts/history.html", post=post, versions=history.versions_of(post),
                  author_name=post.author.name_seen_by(current_user))
