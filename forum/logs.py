"""Logs: one line per request and the app's own events, each carrying the request's id.

The app factory sends every logger's records (the forum's and its libraries') to standard error, where
the service manager (systemd's journal, docker) keeps them: a plain line by default, or a JSON object
a line with LOG_FORMAT = "json" (python-json-logger's formatter). LOG_LEVEL sets how much is kept.

A request's id comes from the X-Request-ID header when a trusted reverse proxy set it (PROXY_HOPS
above 0: see README "Deploying"), else it is made here. It goes back to the client in X-Request-ID,
into every log line written while the request is answered, onto the error page (so a member can
quote it), and onto the error reporter's events.

`RequestLog` wraps the whole WSGI app, the guest page cache included, so a page answered from memory
is logged and counted too, at the cost of a few microseconds (README "Deploying" has the figures).
The line names the member by id ("member" when nothing in the request needed to load them), or
"guest"; a path that holds a secret (a password-reset or
registration link's token) is written with its route's placeholder, and the query string is left out:
no password, token or email address reaches the log.
"""

import logging
import re
import secrets
import sys
import time
from contextlib import contextmanager
from contextvars import ContextVar

from flask import g, request, session
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import inspect

from . import metrics

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's request id may look like to be taken as it is (uuids, nginx's $request_id, and the like).
GIVEN_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = ["levelname", "name", "request_id", "message"]  # and "time", in ISO 8601 with its time zone
NO_REQUEST = "-"
REQUEST_LINE = "%s %s %s %.2fms member=%s"  # method, path, status, duration, member: formatted only if written
LOCAL_PART = re.compile(r"[^\s@<>'\"(),;:\[\]]+@")
# In the WSGI environ: the path to log in place of the real one, and the endpoint that answered
# (set by Flask, or by the page cache for a page answered from memory), and who asked.
LOGGED_PATH = "forum.logs.path"
ENDPOINT = "forum.logs.endpoint"
MEMBER = "forum.logs.member"

request_log = logging.getLogger("forum.requests")
_request_id: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)


def current_request_id() -> str:
    """The id of the request being answered ("-" outside a request)."""
    return _request_id.get()


@contextmanager
def request_id_as(request_id: str):
    """Log lines written inside carry `request_id`: a job's, the id of the request that queued it."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


def without_addresses(text: str) -> str:
    """The text with each email address's local part masked (an SMTP error may quote the address)."""
    return LOCAL_PART.sub("…@", text)


def configure(app) -> None:
    """Send all records to standard error in the configured format, each with its request id."""
    handler = StandardErrorHandler()
    handler.addFilter(add_request_id)
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level"}, timestamp="time"))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [old for old in root.handlers if isinstance(old, StandardErrorHandler)]:
        root.removeHandler(old)  # an earlier app of this process (tests make many) set it up
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    app.extensions["log_handler"] = handler
    app.after_request(_note_for_the_log)


class StandardErrorHandler(logging.StreamHandler):
    """A StreamHandler on whatever sys.stderr is when a record is written (as logging's own last-resort
    handler does), so that a test's captured stderr, or a replaced one, receives the lines."""

    def __init__(self):
        logging.Handler.__init__(self)

    @property
    def stream(self):
        return sys.stderr

    def flush(self):
        """Flush only a stream that keeps what it is given: Python's own stderr passes each write
        straight to its file (write_through, on an unbuffered file), so a flush would be one more call,
        and lock, per line for nothing."""
        stream = self.stream
        if not (getattr(stream, "write_through", False) or getattr(stream, "line_buffering", False)):
            self.acquire()
            try:
                stream.flush()
            finally:
                self.release()


def add_request_id(record: logging.LogRecord) -> bool:
    record.request_id = _request_id.get()
    return True


def _note_for_the_log(response):
    """In Flask, after a view: what the request line needs that only Flask knows."""
    environ = request.environ
    rule = request.url_rule
    environ[ENDPOINT] = request.endpoint or "none"
    if rule is not None and "token" in rule.arguments:
        environ[LOGGED_PATH] = rule.rule
    # Flask-Login's member, if this request loaded it. Its id is read from the identity map: a write
    # in the request expired its attributes, and reading user.id would cost a query.
    user = g.get("_login_user")
    if user is not None:
        state = inspect(user, raiseerr=False)
        environ[MEMBER] = str(state.identity[0]) if state is not None and state.identity else "guest"
    elif "_user_id" in session:  # signed in, but nothing here needed the member (its value is a secret token)
        environ[MEMBER] = "member"
    return response


def request_id_for(environ, trust_proxy: bool) -> str:
    given = environ.get("HTTP_X_REQUEST_ID") if trust_proxy else None
    if given and GIVEN_ID.fullmatch(given):
        return given
    return secrets.token_hex(8)


class RequestLog:
    """WSGI middleware around the whole app: gives the request its id, answers it in X-Request-ID,
    and once the app has answered, writes the request's line and counts it in the metrics."""

    def __init__(self, wsgi_app, trust_proxy: bool, structured: bool, lines: bool = True):
        # structured: the line's parts as fields of their own too (JSON lines); plain lines need only the text.
        # lines: False counts requests in the metrics but writes no line for them (LOG_REQUESTS).
        self.wsgi_app, self.trust_proxy, self.structured, self.lines = wsgi_app, trust_proxy, structured, lines

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        request_id = request_id_for(environ, self.trust_proxy)
        token = _request_id.set(request_id)
        status = []

        def start(status_line, headers, exc_info=None):
            status[:] = [status_line]
            # A new list: the page cache keeps the one it was given, and the id is this answer's alone.
            return start_response(status_line, [*headers, (REQUEST_ID_HEADER, request_id)], exc_info)

        try:
            return self.wsgi_app(environ, start)
        except BaseException:
            status[:] = ["500"]
            raise
        finally:
            self._log(environ, status[0][:3] if status else "500", time.perf_counter() - started)
            _request_id.reset(token)

    def _log(self, environ, status: str, seconds: float) -> None:
        endpoint = environ.get(ENDPOINT, "none")
        metrics.observe_request(endpoint, status, seconds)
        if not (self.lines and request_log.isEnabledFor(logging.INFO)):
            return
        method, path = environ["REQUEST_METHOD"], environ.get(LOGGED_PATH) or environ.get("PATH_INFO", "")
        member, duration = environ.get(MEMBER, "guest"), round(seconds * 1000, 2)
        extra = {"method": method, "path": path, "status": int(status), "duration_ms": duration, "member": member,
                 "endpoint": endpoint} if self.structured else None
        # The record made and handed on as request_log.info() would, less its findCaller(): a walk up the
        # stack for a file and line that no format here shows, a sixth of a plain line's cost.
        request_log.handle(request_log.makeRecord(request_log.name, logging.INFO, __file__, 0, REQUEST_LINE,
                                                  (method, path, status, duration, member), None, "request", extra))


def configure_error_reporter(app) -> None:
    """Report unexpected errors to Sentry when SENTRY_DSN is set (the SDK is not even loaded otherwise).
    No personal data goes with them (the SDK's data_collection): no member, cookies, headers, query,
    body or local variables; each event is tagged with the request's id, as the log line and the
    error page are."""
    if not app.config["SENTRY_DSN"]:
        return
    import sentry_sdk
    from sentry_sdk.integrations.huey import HueyIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    # Events come from report_exception alone; log records stay breadcrumbs, not events of their own.
    # Not the SDK's own Huey integration: it adds a `sentry_headers` argument to every queued job, which
    # a worker without the SDK (no DSN in its environment) passes on to the job, failing every one.
    off = {"mode": "off"}
    collected = {"user_info": False, "cookies": off, "http_headers": {"request": off},
                 "http_bodies": [], "url_query_params": off, "stack_frame_variables": False,
                 "database_query_data": False}
    options = {"data_collection": collected, "integrations": [LoggingIntegration(event_level=None)],
               "disabled_integrations": [HueyIntegration], **app.config["SENTRY_OPTIONS"]}
    sentry_sdk.init(dsn=app.config["SENTRY_DSN"], **options)
    app.extensions["error_reporter"] = sentry_sdk


def report_exception(app, error: BaseException) -> None:
    """Hand an unexpected error to the error reporter, if one is configured."""
    reporter = app.extensions.get("error_reporter")
    if reporter is None:
        return
    with reporter.new_scope() as scope:
        scope.set_tag("request_id", current_request_id())
        reporter.capture_exception(error)
