"""Pages as guests see them, kept in each worker's memory and answered again until anything changes.

Most readers of a forum are guests, and a page of a thread is the same for every guest. A view
marked `@for_guests` is rendered once and then answered from memory to every guest who asks for the
same address (and the same htmx fragment) until either

- the site changes: every `write_transaction` that can change what a guest sees writes a new random
  `site_state.pages_version` in the same transaction (forum.database). A page is kept with the
  version read before its view read anything, and answered again only while that is still the
  version in the database, which every worker and host reads; or
- PAGE_CACHE_SECONDS have passed, since "3 minutes ago" grows older with no write at all. It is a site
  setting (forum.settings): an admin may change it, or set it to 0 to turn the cache off, while the
  forum runs. A page rendered for a guest first brings the worker's settings up to the version it
  is kept under, so that a settings change (the site's name, say) reaches kept pages too.

Who is a guest is read from the cookies alone: no remember-me cookie, and no session cookie or one
that Flask has already answered as a guest's (nobody signed in, and no cookie set: no message was
waiting). A session cookie's value is its signed content, so one that held no member never will.
Pages are kept only from visitors who brought no session cookie and were given none: a page that
rendered a CSRF token began a session, so what is kept is what every guest sees. A browser that signs
no one in but is no guest either (one told that a sanction signed it out) is marked by `keep_private`:
neither its pages nor its cookie are kept as a guest's. The CSP nonce, the
one part unique to each answer, is replaced by a fresh one every time.

`GuestPages` wraps the WSGI app and answers from memory without entering Flask, which is what makes
an answer cheap; `for_guests` reads the version before a view runs and marks what may be kept.
"""

import functools
import secrets
import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, request
from flask_login import current_user
from werkzeug.http import parse_cookie

from . import logs, metrics
from .compression import COMPRESSED, MAY_COMPRESS, GzipTemplate, accepts_gzip, gzip_headers
from .extensions import db
from .models import SiteState
from .security import csp_nonce

# Set on every answer to a page that may be kept: "hit" (from memory) or "miss" (rendered).
HEADER = "X-Page-Cache"
VERSION_QUERY = f"SELECT pages_version FROM {SiteState.__tablename__} WHERE id = 1"
# Headers made afresh for every answer from memory.
MADE_PER_ANSWER = {"Content-Security-Policy", "Content-Length", "Server-Timing", HEADER}
# How many session cookies known to be guests' a worker remembers (the oldest are forgotten first).
GUEST_SESSIONS_KEPT = 10_000
# In the WSGI environ: the key of a GET with no remember-me cookie (perhaps a guest's), the version
# GuestPages read if it read one (the page it held was stale), and the (version, nonce) of an answer
# Flask found fit to keep.
GUEST_KEY = "forum.page_cache.key"
VERSION = "forum.page_cache.version"
KEEP = "forum.page_cache.keep"
# In the WSGI environ: set by `keep_private` for a visitor who is no guest though nobody is signed in.
PRIVATE = "forum.page_cache.private"


def keep_private() -> None:
    """This visitor signs no one in, yet is not shown what guests are (a browser told that a sanction
    signed it out, say): answer them from Flask, and keep neither their page nor their cookie as a guest's."""
    request.environ[PRIVATE] = True


def for_guests(view):
    """Let guests be answered from the cache with this view's pages. Put it under the route decorator.

    For a guest's GET it reads the version before the view reads anything (a change committed after
    that makes the page stale), and marks a 200 page as fit to keep."""
    @functools.wraps(view)
    def kept_for_guests(*args, **kwargs):
        environ = request.environ
        if GUEST_KEY not in environ or not current_user.is_anonymous or PRIVATE in environ:  # a member, say
            return view(*args, **kwargs)
        version = environ[VERSION] if VERSION in environ else current_app.extensions["page_cache"].current_version()
        current_app.extensions["settings"].refresh_for(version)
        response = current_app.make_response(view(*args, **kwargs))
        response.headers[HEADER] = "miss"
        metrics.PAGE_CACHE_MISS.inc()
        if response.status_code == 200 and response.mimetype == "text/html":
            environ[KEEP] = (version, csp_nonce(), request.endpoint)
        return response

    return kept_for_guests


@dataclass(frozen=True)
class Page:
    version: str | None
    expires: float
    body: bytes
    headers: list[tuple[str, str]]
    nonce: str
    gzip: GzipTemplate | None = None  # the body compressed once, for clients that accept gzip
    endpoint: str = "none"  # the view that rendered it, named in the request log and the metrics
    # Its Content-Security-Policy as rendered, nonce and all: it may name who may frame it (an embed page's
    # publisher, forum/embed/), so each answer gets this one with a fresh nonce, never the default.
    csp: str = ""

    @property
    def size(self) -> int:
        return len(self.body) + (self.gzip.size if self.gzip else 0)


class PageCache:
    """A size-bounded, least-recently-used map from request to Page, shared by a worker's threads."""

    def __init__(self, seconds: float, max_bytes: int):
        self.seconds, self.max_bytes = seconds, max_bytes
        self._pages: OrderedDict[tuple, Page] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __contains__(self, key: tuple) -> bool:
        return key in self._pages

    def get(self, key: tuple, version: str | None) -> Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if page.version != version or page.expires <= time.monotonic():
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: Page) -> None:
        with self._lock:
            self._drop(key)
            self._pages[key] = page
            self._bytes += page.size
            while self._bytes > self.max_bytes:
                _, oldest = self._pages.popitem(last=False)
                self._bytes -= oldest.size

    def _drop(self, key: tuple) -> None:
        page = self._pages.pop(key, None)
        if page is not None:
            self._bytes -= page.size


def register(app):
    """Answer guests from the cache while PAGE_CACHE_SECONDS is above 0; only 0 fixed by the environment
    leaves it out for good. Call it before ProxyFix wraps the app, so that the scheme in a page's key
    is the one the visitor used."""
    if app.config["PAGE_CACHE_SECONDS"] <= 0 and "PAGE_CACHE_SECONDS" in app.config["FIXED_BY_ENVIRONMENT"]:
        return
    app.wsgi_app = app.extensions["page_cache"] = GuestPages(app, app.wsgi_app)


class GuestPages:
    """WSGI middleware: answers a guest's GET from memory when it holds a current page for it, and
    keeps the answers that Flask marked as fit to keep."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.cache = PageCache(app.config["PAGE_CACHE_SECONDS"], app.config["PAGE_CACHE_BYTES"])
        self.settings = app.extensions["settings"]
        self.session_cookie = app.config["SESSION_COOKIE_NAME"]
        self.remember_cookie = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")  # Flask-Login's default
        self.guest_sessions: OrderedDict[str, None] = OrderedDict()
        self._learning = threading.Lock()
        self._reader = None  # the connection that reads the version (current_version)
        self._reading = threading.Lock()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] != "GET" or self.remember_cookie in (cookies := parse_cookie(environ)):
            return self.wsgi_app(environ, start_response)
        seconds = self.settings.value("PAGE_CACHE_SECONDS")
        if seconds <= 0:  # turned off: nothing kept is answered, nothing new kept
            return self.wsgi_app(environ, start_response)
        self.cache.seconds = seconds
        started = time.perf_counter()
        key = request_key(environ)
        session = cookies.get(self.session_cookie)
        if key in self.cache and (session is None or session in self.guest_sessions):
            try:
                version = self.current_version()
            except Exception:  # the database is away, say: Flask answers, with its error page if need be
                return self.wsgi_app(environ, start_response)
            if (page := self.cache.get(key, version)) is not None:
                environ[logs.ENDPOINT] = page.endpoint
                metrics.PAGE_CACHE_HIT.inc()
                return self._answer(page, started, start_response, accepts_gzip(environ))
            environ[VERSION] = version
        environ[GUEST_KEY] = key
        return self._render_and_keep(environ, start_response, session)

    def current_version(self) -> str | None:
        """The pages_version in the database now (None before the first change).

        One query, on a connection kept for nothing else: taking one from the app's pool and giving it
        back costs more than all the rest of an answer from memory (it doubled the cost of one). The
        worker's threads take turns on it (a read takes microseconds on SQLite, one round trip on
        PostgreSQL); one that fails closes it (the database restarted, say), and the next read opens
        a new one."""
        with self._reading:
            if self._reader is None:
                self._reader = self._connect()
            try:
                cursor = self._reader.cursor()
                cursor.execute(VERSION_QUERY)
                row = cursor.fetchone()
                cursor.close()
            except Exception:
                self._reader.close()
                self._reader = None
                raise
        return row[0] if row else None

    def _connect(self):
        """A connection made by the app's engine (so with its settings), outside its pool, in autocommit:
        on PostgreSQL a read is then one round trip, not BEGIN, SELECT and ROLLBACK (SQLite's
        connections are in autocommit already: forum.database)."""
        with self.app.app_context():
            engine = db.engine
        connection = engine.raw_connection()
        connection.detach()
        if engine.dialect.name == "postgresql":
            connection.dbapi_connection.autocommit = True
        weakref.finalize(self, connection.close)  # closed with the app (each test has its own)
        return connection

    def _answer(self, page: Page, started: float, start_response, gzipped: bool):
        """The kept page with a fresh nonce: compressed (by filling in the kept compressed page) for a
        client that accepts gzip, else plain."""
        nonce = secrets.token_urlsafe(16)
        if gzipped and page.gzip is not None:
            body = page.gzip.fill(nonce.encode())
            headers = gzip_headers(page.headers, len(body))
        else:
            body = page.body.replace(page.nonce.encode(), nonce.encode())
            headers = page.headers + [("Content-Length", str(len(body)))]
        csp = page.csp.replace(page.nonce, nonce)
        start_response("200 OK", headers + [
            ("Content-Security-Policy", csp), (HEADER, "hit"),
            ("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.2f}")])
        return [body]

    def _render_and_keep(self, environ, start_response, session: str | None):
        answer = {}

        def keep_status(status, headers, exc_info=None):
            answer.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        chunks = self.wsgi_app(environ, keep_status)
        if KEEP not in environ:
            return chunks
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        csp = next((value for name, value in answer["headers"] if name == "Content-Security-Policy"), "")
        if answer["status"].startswith("200 ") and not any(name == "Set-Cookie" for name, _ in answer["headers"]):
            if session is None:
                if not csp:  # never kept without its policy: each answer needs the page's own
                    return [body]
                version, nonce, endpoint = environ[KEEP]
                headers = [(name, value) for name, value in answer["headers"] if name not in MADE_PER_ANSWER]
                expires = time.monotonic() + self.cache.seconds
                compressed = GzipTemplate.of(body, nonce.encode()) if MAY_COMPRESS in environ else None
                self.cache.put(environ[GUEST_KEY], Page(version, expires, body, headers, nonce, compressed, endpoint,
                                                        csp))
                if compressed is not None and accepts_gzip(environ):  # compressed once: the answer too
                    environ[COMPRESSED] = compressed.fill(nonce.encode())
            else:  # a page of theirs may hold their own CSRF token: not kept, but they are a guest
                self._remember_guest_session(session)
        return [body]

    def _remember_guest_session(self, session: str) -> None:
        with self._learning:
            self.guest_sessions[session] = None
            if len(self.guest_sessions) > GUEST_SESSIONS_KEPT:
                self.guest_sessions.popitem(last=False)


def request_key(environ) -> tuple:
    """What tells two answers apart: the address, and the htmx headers that choose page or fragment
    (htmx.VARY). Read from the environ: werkzeug's request.full_path costs more than a whole answer."""
    return (environ["wsgi.url_scheme"], environ.get("HTTP_HOST"), environ.get("PATH_INFO"),
            environ.get("QUERY_STRING"), environ.get("HTTP_HX_REQUEST"), environ.get("HTTP_HX_REQUEST_TYPE"))
