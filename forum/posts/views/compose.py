"""Answering one post: its text quoted for the reply box, and a composer of its own without JavaScript;
the emoji the composer suggests. The thread page's composer (reply, preview, draft) is
forum/threads/views/compose.py."""

from flask import Response, abort, request
from flask_login import current_user, login_required

from ...htmx import render
from .. import bp
from ..service import drafts
from ..forms import BODY_MAX, ReplyForm
from ..service.quoting import quote_for
from ..service.shortcodes import suggest
from .pages import existing_post


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


@bp.get("/emoji/suggest")
def emoji():
    """Emoji whose names match the :name being typed, as options for the composer's suggestion list."""
    query = request.args.get("q", "")[:30]
    return render("posts/emoji.html", "options", emoji=suggest(query), query=query)
