"""Flagging posts, the review queue at /mod, and the moderators' tools for posts and threads."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from ...embed.service import article_by_thread
from ...errors import respond
from ...extensions import db
from ...htmx import is_fragment_request, render, render_partial
from ...models import Article, Post, Thread
from ...policy import staff_required
from ...posts.service.display import conversation_for
from ...refusals import FieldError, Refusal, show_on
from ...security import safe_next
from ...threads import service as thread_lists
from .. import bp
from ..service import flags, held, newsroom, threads
from ..forms import FlagForm


@bp.errorhandler(Refusal)
def refused(error: Refusal):
    """An action that cannot be done on this post or thread now: say why (in #flash for htmx)."""
    return respond(error.status, error.message, title="Not done")


@bp.app_template_global()
def move_targets(thread: Thread):
    """The categories a thread can be moved to (for the staff tools on its page)."""
    return [category for category in thread_lists.categories() if category.id != thread.category_id]


@bp.app_template_global()
def review_conflict(post: Post, open_flags=()) -> str:
    """Why the signed-in moderator may not decide on this post, or "" (hides their review controls)."""
    refused = flags.review_refusal(current_user, post, open_flags)
    return refused.message if refused else ""


def _post(post_id) -> Post:
    post = db.session.get(Post, post_id, options=[joinedload(Post.author), joinedload(Post.thread)])
    return post or abort(404, "There is no such post.")


def _flaggable(post_id) -> Post:
    """The post, if the member can see it (404) and may flag it (403 own post, 409 removed or flagged)."""
    post = _post(post_id)
    if post.thread.removed_at is not None and not current_user.is_staff:
        abort(404, "There is no such post.")
    if refusal := flags.refusal(post, current_user):
        abort(refusal.status, refusal.message)
    return post


@bp.get("/p/<int:post_id>/flag")
@login_required
def flag_form(post_id):
    """The flag form: under the post for htmx, or on its own page."""
    post = _flaggable(post_id)
    return render("moderation/flag.html", "flag_form", post=post, form=FlagForm(formdata=None))


@bp.post("/p/<int:post_id>/flag")
@login_required
def flag(post_id):
    """Flag a post for the moderators; enough flags hide it until reviewed."""
    post, form = _flaggable(post_id), FlagForm()
    if not (form.validate() and _flagged(post, form)):
        return render("moderation/flag.html", "flag_form", status=422, post=post, form=form)
    flash("Thank you: a moderator will review the post.", "success")
    if not is_fragment_request():
        return redirect(url_for("posts.show", post_id=post.id))
    return render_partial("moderation/_flag_done.html", status=201, post=post)


def _flagged(post: Post, form: FlagForm) -> bool:
    """Flag the post as the form says; False, with the field's error set, if the flag is invalid."""
    try:
        flags.flag_post(post, current_user, form.reason.data, form.note.data or "")
    except FieldError as error:
        show_on(form, error)
        return False
    return True


@bp.get("/mod")
@staff_required
def queue():
    """The review queue: posts with open flags, the longest waiting first."""
    return _queue_page()


def _queue_page(status: int = 200, held_errors: dict | None = None):
    """The queue; ?article=<id> shows only the held posts under that article (the select lists the
    articles with posts waiting, pre-moderated ones' say)."""
    waiting_articles = newsroom.articles_waiting()
    article = _filtered_article()
    return render("moderation/queue.html", "queue", status=status, entries=flags.queue(), counts=flags.counts(),
                  hide_error="", held_posts=held.waiting(article.thread_id if article else None),
                  held_errors=held_errors or {}, suspend_days=held.SUSPEND_DAYS, waiting_articles=waiting_articles,
                  article_of={waiting.article.thread_id: waiting.article for waiting in waiting_articles},
                  filtered_article=article)


def _filtered_article():
    """The article named by ?article= (or the form's article, after a decision), or None for all."""
    raw = request.values.get("article", "")
    if not raw:
        return None
    if not raw.isdigit() or (article := db.session.get(Article, int(raw))) is None:
        abort(404, "There is no such article.")
    return article


def _held(held_id):
    return held.get(held_id) or abort(404, "There is no such held post.")


@bp.post("/mod/held/<int:held_id>/approve")
@staff_required
def approve_held(held_id):
    """Publish a new member's held post; the members it names are notified now."""
    decided = held.approve(current_user, _held(held_id))
    flash("The post is approved and published." if decided.held.thread_id else
          "The thread is approved and published.", "success")
    return _held_decided(decided)


def _held_decided(decided: held.Decided):
    """After a decision on a held post: the queue again (page), or the item alone, decided (fragment)."""
    if not is_fragment_request():
        article = request.form.get("article", "")
        return redirect(url_for("moderation.queue", article=article if article.isdigit() else None), 303)
    return render_partial("moderation/_held_decided.html", held_post=decided.held, post=decided.post)


@bp.post("/mod/held/<int:held_id>/reject")
@staff_required
def reject_held(held_id):
    """Refuse a held post with a reason its author reads; with ?suspend, suspend its author too."""
    waiting = _held(held_id)
    suspend = request.form.get("suspend") == "1"
    try:
        if suspend:
            decided = held.reject_and_suspend(current_user, waiting, request.form.get("reason", ""))
        else:
            decided = held.reject(current_user, waiting, request.form.get("reason", ""))
    except FieldError as error:
        if is_fragment_request():
            article = article_by_thread(waiting.thread_id) if waiting.thread_id else None
            return render_partial("moderation/_held_item.html", status=422, held_post=waiting,
                                  held_errors={waiting.id: error.message}, suspend_days=held.SUSPEND_DAYS,
                                  article_of={article.thread_id: article} if article else {})
        return _queue_page(422, {waiting.id: error.message})
    flash(f"The post is rejected and its author suspended for {held.SUSPEND_DAYS} days." if suspend
          else "The post is rejected.", "success")
    return _held_decided(decided)


@bp.post("/mod/posts/<int:post_id>/hide")
@staff_required
def hide_post(post_id):
    """Hide a post with a public reason; its open flags are resolved."""
    post = _post(post_id)
    try:
        post = flags.hide_post(current_user, post, request.form.get("reason", ""))
    except FieldError as error:
        return _review_answer(post, status=422, hide_error=error.message)
    return _reviewed(post, "The post is hidden.")


@bp.post("/mod/posts/<int:post_id>/restore")
@staff_required
def restore_post(post_id):
    """Show a post hidden by a moderator or by flags again; its open flags are resolved."""
    return _reviewed(flags.restore_post(current_user, _post(post_id)), "The post is restored.")


@bp.post("/mod/posts/<int:post_id>/dismiss")
@staff_required
def dismiss_flags(post_id):
    """Resolve a post's open flags without acting on it; a post the flags hid comes back."""
    return _reviewed(flags.dismiss_flags(current_user, _post(post_id)), "The flags are dismissed.")


def _reviewed(post: Post, message: str):
    """After a decision on a post: back where the form was (page), or the post and its entry (fragment)."""
    flash(message, "success")
    if not is_fragment_request():
        return redirect(safe_next(request.form.get("next"), url_for("moderation.queue")))
    return _review_answer(post)


def _review_answer(post: Post, status: int = 200, hide_error: str = ""):
    """The post's queue entry on a page; for htmx, the entry and the post as readers now see it, as
    partials for #queue-item-<id> and #p<id> (a page has one of them)."""
    entry = flags.entry_for(post)
    if not is_fragment_request():
        return render("moderation/queue_post.html", status=status, entry=entry, hide_error=hide_error)
    convo = conversation_for(entry.post.thread, [entry.post], current_user)
    return render_partial("moderation/_queue_answer.html", status=status, entry=entry, post=entry.post,
                          convo=convo, counts=flags.counts(), hide_error=hide_error)


def _thread(thread_id) -> Thread:
    thread = db.session.get(Thread, thread_id, options=[joinedload(Thread.category)])
    return thread or abort(404, "There is no such thread.")


def _reason() -> str:
    return request.form.get("reason", "")


def _moderated(thread: Thread, message: str):
    """After a thread action: back to the thread (page), or its status and tools (fragment)."""
    flash(message, "success")
    if not is_fragment_request():
        return redirect(url_for("threads.show", thread_id=thread.id, slug=thread.slug))
    return _thread_tools(thread)


def _thread_tools(thread: Thread, status: int = 200, tool_errors: dict | None = None):
    return render("moderation/thread.html", "thread_status", status=status, thread=thread,
                  tool_errors=tool_errors or {}, tools_open=True)


@bp.post("/mod/threads/<int:thread_id>/lock")
@staff_required
def lock_thread(thread_id):
    """Lock a thread: no new replies, except from staff."""
    return _moderated(threads.lock(current_user, _thread(thread_id), _reason()), "The thread is locked.")


@bp.post("/mod/threads/<int:thread_id>/unlock")
@staff_required
def unlock_thread(thread_id):
    """Unlock a thread: members may reply again."""
    return _moderated(threads.unlock(current_user, _thread(thread_id), _reason()), "The thread is unlocked.")


@bp.post("/mod/threads/<int:thread_id>/pin")
@staff_required
def pin_thread(thread_id):
    """Pin a thread to the top of its lists."""
    return _moderated(threads.pin(current_user, _thread(thread_id), _reason()), "The thread is pinned.")


@bp.post("/mod/threads/<int:thread_id>/unpin")
@staff_required
def unpin_thread(thread_id):
    """Unpin a thread."""
    return _moderated(threads.unpin(current_user, _thread(thread_id), _reason()), "The thread is unpinned.")


@bp.post("/mod/threads/<int:thread_id>/delete")
@staff_required
def delete_thread(thread_id):
    """Remove a thread from every list; only staff can still open it."""
    thread = threads.remove(current_user, _thread(thread_id), _reason())
    return _moderated(thread, "The thread is removed: only staff can see it.")


@bp.post("/mod/threads/<int:thread_id>/restore")
@staff_required
def restore_thread(thread_id):
    """Bring a removed thread back."""
    return _moderated(threads.restore(current_user, _thread(thread_id), _reason()), "The thread is restored.")


@bp.post("/mod/threads/<int:thread_id>/move")
@staff_required
def move_thread(thread_id):
    """Move a thread to another category."""
    thread = _thread(thread_id)
    category = thread_lists.category_by_slug(request.form.get("category", ""))
    if category is None or category.id == thread.category_id:
        return _thread_tools(thread, 422, {"category": "Choose another category to move the thread to."})
    thread = threads.move(current_user, thread, category, _reason())
    return _moderated(thread, f"The thread is moved to {category.name}.")


@bp.post("/mod/threads/<int:thread_id>/slow-mode")
@staff_required
def slow_mode(thread_id):
    """Switch on (or change) slow mode: one post every N minutes per member."""
    thread = _thread(thread_id)
    minutes = request.form.get("minutes", type=int)
    if minutes is None or not 1 <= minutes <= threads.SLOW_MODE_MAX_MINUTES:
        return _thread_tools(thread, 422, {
            "minutes": f"Give a number of minutes between 1 and {threads.SLOW_MODE_MAX_MINUTES}."})
    thread = threads.set_slow_mode(current_user, thread, minutes, _reason())
    return _moderated(thread, f"Slow mode is on: one post every {minutes} minutes.")


@bp.post("/mod/threads/<int:thread_id>/slow-mode/off")
@staff_required
def end_slow_mode(thread_id):
    """Switch slow mode off."""
    return _moderated(threads.end_slow_mode(current_user, _thread(thread_id), _reason()), "Slow mode is off.")
