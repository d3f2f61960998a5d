"""The thread page's composer: replying, previewing a reply, and keeping its draft as the member types."""

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from ...htmx import is_fragment_request, render, render_partial
from ...limits import limit_replies
from ...pagination import Page, page_of_position
from ...policy import links_allowed_for
from ...posts.service import drafts, held
from ...posts import service as posts
from ...posts.service.context import render_post
from ...posts.service.display import conversation_for, post_url
from ...posts.forms import ReplyForm
from ...refusals import show_on
from .. import bp, service
from ..service import unread
from .attach import attach_image
from .pages import answered_post, render_thread


def existing_thread(thread_id):
    return service.get_thread(thread_id, current_user) or abort(404, "There is no such thread.")


@bp.post("/t/<int:thread_id>/reply")
@login_required
@limit_replies
def reply(thread_id):
    """Add a reply: the fragment appends it and clears the form; a page redirects to it."""
    thread = existing_thread(thread_id)
    form = ReplyForm()
    if (refused := attach_image(form)) is not None:
        return refused_reply(thread, form, status=refused.status)
    if not form.validate():
        return refused_reply(thread, form)
    earlier = posts.posted_with(current_user, form.request_key.data)
    if earlier is None and (why := held.hold_reason(current_user, form.body.data, thread)):
        return _held_reply(thread, form, why)
    try:
        post = earlier or posts.add_reply(thread, current_user, form.body.data, form.answered_post_id,
                                          form.request_key.data)
    except posts.BodyRefused as refused:
        show_on(form, refused)
        return refused_reply(thread, form)
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


def _held_reply(thread, form, why):
    """A new member's reply kept for a moderator: shown to its author alone, marked as waiting."""
    earlier = held.held_with(current_user, form.request_key.data)
    try:
        waiting = earlier or held.hold_reply(thread, current_user, form.body.data, why, form.answered_post_id,
                                             form.request_key.data)
    except posts.BodyRefused as refused:
        show_on(form, refused)
        return refused_reply(thread, form)
    if not is_fragment_request():
        flash(held.WAITING, "success")
        page = Page.last(thread.post_count, current_app.config["POSTS_PER_PAGE"])
        return redirect(url_for("threads.show", thread_id=thread.id, slug=thread.slug,
                                page=page.number if page.number > 1 else None, _anchor=f"held-{waiting.id}"), 303)
    return render_partial("posts/held_created.html", status=201, thread=thread, held_post=waiting,
                          form=ReplyForm.fresh(), answering=None, appended=earlier is None)


def refused_reply(thread, form, status=422):
    """The composer again with its text and what is wrong with it (422; 429 when it came too soon)."""
    if is_fragment_request():
        return render("threads/show.html", "reply_form", status=status, thread=thread, form=form.keep_key(),
                      answering=answered_post(form))
    return render_thread(thread, form.keep_key(), status=status, composing=True)


def _on_page(post, page):
    """`post` if it is shown on `page` of its thread, else None."""
    if post is None or post.is_removed:
        return None
    position = posts.position_in_thread(post)
    return post if page_of_position(position, page.per_page) == page.number else None


@bp.post("/t/<int:thread_id>/preview")
@login_required
def preview(thread_id):
    """Show the reply as it will look, rendered exactly as saving would; the text stays in the form."""
    thread = existing_thread(thread_id)
    form = ReplyForm()
    if (refused := attach_image(form)) is not None:
        return refused_reply(thread, form, status=refused.status)
    form.validate()
    html = render_post(form.body.data or "", links_allowed_for(current_user)).html
    if is_fragment_request():
        return render("threads/show.html", "reply_preview", preview=html, thread=thread)
    return render_thread(thread, form.keep_key(), composing=True, preview=html)


@bp.post("/t/<int:thread_id>/draft")
@login_required
def save_draft(thread_id):
    """Keep the composer's text server-side (htmx saves it as the member types). ?answer=none drops
    the post it answers: the composer's Cancel, which without JavaScript comes back to the composer."""
    thread = existing_thread(thread_id)
    form = ReplyForm()
    cancelled = request.args.get("answer") == "none"
    drafts.save_draft(current_user, thread, request.form.get("body", ""),
                      None if cancelled else form.answered_post_id)
    if cancelled and not is_fragment_request():
        page = Page.last(thread.post_count, current_app.config["POSTS_PER_PAGE"])
        return redirect(url_for("threads.show", thread_id=thread.id, slug=thread.slug,
                                page=page.number if page.number > 1 else None, _anchor="reply-form"), 303)
    return "", 204
