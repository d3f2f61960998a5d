"""A reply or a new thread refused for coming too fast (a rate limit, or slow mode) is answered like
a validation error: the form again, with what was typed and, beside the text, when to try again (429
with Retry-After), as a fragment and as a page. Every other refusal keeps the app's answer
(forum/errors.py)."""

from flask import request
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from ... import errors, limits
from ...htmx import render
from ...policy import WriteRefused
from ...posts.forms import ReplyForm
from .. import bp
from . import compose, pages

RE_RENDERED = ("threads.reply", "threads.create")


@bp.errorhandler(RateLimitExceeded)
def rate_limited(error: RateLimitExceeded):
    if request.endpoint not in RE_RENDERED:
        return errors.handle_rate_limited(error)
    message, retry_after = limits.refusal(error)
    return _form_again(message, retry_after)


@bp.errorhandler(WriteRefused)
def refused(error: WriteRefused):
    if request.endpoint not in RE_RENDERED or error.status != 429:
        return errors.handle_refused(error)
    return _form_again(error.message, error.retry_after)


def _form_again(message: str, retry_after: int | None):
    try:
        if request.endpoint == "threads.reply":
            form = ReplyForm()
            form.body.errors = [message]
            response = compose.refused_reply(compose.existing_thread(request.view_args["thread_id"]), form,
                                              status=429)
        else:
            form = pages.thread_form()  # the same choices (and request key) as the page that sent it
            form.body.errors = [message]
            response = render("threads/new.html", form=form.keep_key(), draft=None, status=429)
    except HTTPException as gone:  # the thread went away meanwhile, say
        return errors.handle_http(gone)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response
