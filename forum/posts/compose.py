"""The composer's helpers: preview, quoting, answering a post, and keeping drafts."""

from flask import Response, abort, request
from flask_login import current_user, login_required

from ..htmx import is_fragment_request, render
from ..policy import links_allowed_for
from ..threads import service as threads
from ..threads.views import render_thread
from . import bp, drafts
from .context import render_post
from .forms import BODY_MAX, ReplyForm
from .quoting import quote_for
from .views import existing_post


def existing_thread(thread_id):
    return threads.get_thread(thread_id, current_user) or abort(404, "There is no such thread.")


@bp.post("/t/<int:thread_id>/preview")
@login_required
def preview(thread_id):
    """Show the reply as it will look, rendered exactly as saving would; the text stays in the form."""
    thread = existing_thread(thread_id)
    form = ReplyForm()
    form.validate()
    html = render_post(form.body.data or "", links_allowed_for(current_user)).html
    if is_fragment_request():
        return render("threads/show.html", "reply_preview", preview=html, thread=thread)
    return render_thread(thread, form.keep_key(), composing=True, preview=html)


@bp.get("/p/<int:post_id>/quote")
@login_required
def quote(post_id):
    """The post (or ?selection= of it) quoted as Markdown, for the script that fills the reply box."""
    post = existing_post(post_id)
    if post.is_removed:
        abort(404, "This post was removed and cannot be quoted.")
    selection = request.args.get("selection", "")[:BODY_MAX]
    return Response(quote_for(post, selection), mimetype="text/plain")


@bp.get("/p/<int:post_id>/reply")
@login_required
def reply_form(post_id):
    """Answer a post without JavaScript: a composer of its own, the quote filled in on ?quote=1."""
    post = existing_post(post_id)
    body = quote_for(post) if request.args.get("quote") and not post.is_removed else ""
    draft = drafts.draft_for(current_user, post.thread)
    if draft and not body:
        body = draft.body
    form = ReplyForm.fresh(body, post.id)
    return render("posts/reply.html", post=post, thread=post.thread, form=form, answering=post,
                  answering_name=post.author.name_seen_by(current_user))


@bp.post("/t/<int:thread_id>/draft")
@login_required
def save_draft(thread_id):
    """Keep the composer's text server-side (htmx saves it as the member types)."""
    thread = existing_thread(thread_id)
    form = ReplyForm()
    drafts.save_draft(current_user, thread, request.form.get("body", ""), form.answered_post_id)
    return "", 204
