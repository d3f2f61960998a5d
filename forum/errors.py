"""Error answers that fit the request: a page for browsers, a flash message for htmx fragments."""

from flask import current_app, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from . import limits, logs
from .htmx import flash_region, is_fragment_request
from .policy import MembersOnly, WriteRefused

MESSAGES = {
    400: "The request could not be understood.",
    401: "Please sign in to do that.",
    403: "You are not allowed to do that.",
    404: "There is nothing here. It may have been moved, or never existed.",
    405: "That action is not available here.",
    413: "That is too large to send. Please shorten it and try again.",
    429: "Too many attempts. Please wait a moment and try again.",
    500: "Something went wrong on our side. Please try again in a moment.",
}
CSRF_MESSAGE = (
    "This page has expired, so the action was not done. "
    "Copy anything you typed, reload the page, and try again."
)


def register(app):
    """Install the handlers on the app."""
    app.register_error_handler(WriteRefused, handle_refused)
    app.register_error_handler(MembersOnly, handle_members_only)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(RateLimitExceeded, handle_rate_limited)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)


def handle_csrf(error: CSRFError):
    current_app.logger.info("CSRF refused: %s", error.description)
    return respond(400, CSRF_MESSAGE, title="Page expired")


def handle_refused(error: WriteRefused):
    """A write the member may not make (a sanction, a locked thread, slow mode): say why."""
    body, status, headers = respond(error.status, error.message, title="Not posted")
    if error.retry_after:
        headers["Retry-After"] = str(error.retry_after)
    return body, status, headers


def handle_members_only(error: MembersOnly):
    """A guest at members-only content: a page that asks them to sign in and brings them back."""
    if is_fragment_request():
        return respond(403, error.description, title="Members only")
    return render_template("errors/members_only.html", message=error.description), 403


def handle_rate_limited(error: RateLimitExceeded):
    """A rate limit was reached: say when to try again (the typed text is kept, as for any error). A
    limit whose on_breach callback answered itself (beside its form) gives that answer."""
    if error.response is not None:
        return error.response
    message, retry_after = limits.refusal(error)
    body, status, headers = respond(429, message, title="Slow down")
    headers["Retry-After"] = str(retry_after)
    return body, status, headers


def handle_http(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    given = error.description != type(error).description and error.code != 429
    message = error.description if given else MESSAGES.get(error.code, error.description)
    response = respond(error.code, message, title=error.name)
    if error.code == 405 and error.valid_methods:
        response[2]["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return handle_http(error)
    current_app.logger.exception("Unhandled error")  # with the traceback and the request id
    logs.report_exception(current_app, error)
    return handle_http(InternalServerError())


def respond(status: int, message: str, title: str):
    """A full error page, or for htmx the message in #flash with nothing else swapped."""
    request_id = logs.current_request_id()
    if is_fragment_request():
        if status >= 500:  # so that the member has something to quote
            message = f"{message} (Reference: {request_id})"
        body = flash_region(messages=[("error", message)])
        return body, status, {"HX-Reswap": "none"}
    page = render_template("errors/error.html", status=status, title=title, message=message,
                           typed=_typed_text(status), request_id=request_id)
    return page, status, {}


def _typed_text(status: int) -> str:
    """The post body the refused form carried, shown back so nothing typed is lost."""
    if request.method != "POST" or status == 413:
        return ""
    try:
        return request.form.get("body", "")
    except HTTPException:  # a body that cannot be read has nothing to give back
        return ""
