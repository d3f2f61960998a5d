"""Newsroom moderation from an article's thread: its settings (closed, closing after N days,
pre-moderated, members-only reading) and editors' picks. Each answers a fragment for htmx and
goes back to the thread for a plain form."""

from flask import abort, flash, redirect, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...htmx import is_fragment_request, render_partial
from ...models import Post
from ...policy import staff_required
from ...posts.service.display import post_url
from ...refusals import FieldError
from ...security import safe_next
from .. import bp
from ..service import newsroom
from .queue import _moderated, _thread, _thread_tools


@bp.post("/mod/threads/<int:thread_id>/article")
@staff_required
def article_settings(thread_id):
    """Change the settings of the article whose comments this thread is."""
    thread = _thread(thread_id)
    if thread.article is None:
        abort(404, "This thread is no article's comments.")
    try:
        wanted = newsroom.ArticleSettings.from_form(request.form)
    except FieldError as error:
        return _thread_tools(thread, 422, {error.field: error.message})
    newsroom.change_settings(current_user, thread.article, wanted)
    return _moderated(thread, "The article's comment settings are saved.")


def _post(post_id) -> Post:
    post = db.session.get(Post, post_id, options=[joinedload(Post.author), joinedload(Post.thread)])
    if post is None or post.thread.article is None:
        abort(404, "There is no such comment under an article.")
    return post


@bp.post("/mod/posts/<int:post_id>/feature")
@staff_required
def feature_post(post_id):
    """Make a comment an editors' pick: first under the article, labelled."""
    return _picked(newsroom.feature(current_user, _post(post_id)), "The comment is an editors' pick.")


@bp.post("/mod/posts/<int:post_id>/unfeature")
@staff_required
def unfeature_post(post_id):
    """Take a comment out of the editors' picks."""
    return _picked(newsroom.unfeature(current_user, _post(post_id)), "The comment is no longer an editors' pick.")


def _picked(post: Post, message: str):
    """The post's pick control again (htmx), or back where the form was (a page)."""
    flash(message, "success")
    if not is_fragment_request():
        return redirect(safe_next(request.form.get("next"), post_url(post)), 303)
    return render_partial("moderation/_pick.html", post=post, focus_pick=True)
