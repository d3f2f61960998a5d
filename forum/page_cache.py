"""Pages as guests see them, kept in each worker's memory and answered again until anything changes.

Most readers of a forum are guests, and a page of a thread is the same for every guest. A view
marked `@for_guests` is rendered once and then answered from memory to every guest who asks for the
same address (and the same htmx fragment) until either

- the site changes: every `write_transaction` that can change what a guest sees (a post, an edit, a
  like, a removal, a name, a category...) writes a new random `site_state.pages_version` in the same
  transaction (forum.database). A page remembers the version read before it was rendered and is
  answered again only while that is still the version in the database. Every worker and host
  reads the same row, so a change made through one is seen through all at once; or
- PAGE_CACHE_SECONDS have passed, since "3 minutes ago" grows older with no write at all.

Only a visitor with no member signed in, no remember-me cookie and nothing in the session but a
CSRF token (a flashed message is theirs alone, say) is answered from the cache or fills it, and only
a 200 HTML answer to a GET that sets no cookie is kept. Guest pages carry no CSRF token (base.html),
and a page that rendered one is never kept; the CSP nonce, the one part unique to each answer, is replaced by a fresh one every time.

Two halves: Flask hooks decide what may be kept and read the version before the view reads
anything (`register`); `GuestPages`, around the WSGI app, keeps those answers and gives them again
without entering Flask at all, which is what makes an answer from the cache cheap.
"""

import secrets
import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, g, request, session
from werkzeug.http import parse_cookie

from .extensions import db
from .models import SiteState
from .security import CSP, csp_nonce

# Set on every answer to a page that may be kept: "hit" (from memory) or "miss" (rendered).
HEADER = "X-Page-Cache"
# What a guest's session may hold: the token of a form they opened, and Flask-Login's note that
# no member is signed in with it.
GUEST_SESSION_KEYS = {"csrf_token", "_fresh"}
VERSION_QUERY = f"SELECT pages_version FROM {SiteState.__tablename__} WHERE id = 1"
# In the WSGI environ: the key of a guest's GET (set by GuestPages, which alone decides who is a
# guest), the version GuestPages read if it read one, and the (version, nonce) of an answer Flask
# found fit to keep.
GUEST_KEY = "forum.page_cache.key"
VERSION = "forum.page_cache.version"
KEEP = "forum.page_cache.keep"
# Headers made afresh for every answer from memory.
MADE_PER_ANSWER = ("Content-Security-Policy", "Content-Length", "Server-Timing", HEADER)


def for_guests(view):
    """Mark a view whose page guests may be answered from the cache. Put it under the route decorator."""
    view.cached_for_guests = True
    return view


@dataclass(frozen=True)
class Page:
    version: str | None
    expires: float
    body: bytes
    headers: list[tuple[str, str]]
    nonce: str


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
            self._bytes += len(page.body)
            while self._bytes > self.max_bytes:
                _, oldest = self._pages.popitem(last=False)
                self._bytes -= len(oldest.body)

    def _drop(self, key: tuple) -> None:
        page = self._pages.pop(key, None)
        if page is not None:
            self._bytes -= len(page.body)


def register(app):
    """Answer guests from the cache when PAGE_CACHE_SECONDS is above 0. Call it before ProxyFix wraps
    the app, so that the scheme in a page's key is the one the visitor used."""
    if app.config["PAGE_CACHE_SECONDS"] <= 0:
        return
    app.before_request(_read_version)
    app.after_request(_mark_for_keeping)
    app.wsgi_app = app.extensions["page_cache"] = GuestPages(app, app.wsgi_app)


class GuestPages:
    """WSGI middleware: answers a guest's GET from the cache when it holds a current page for it, and
    keeps the answers that Flask marked for keeping."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.cache = PageCache(app.config["PAGE_CACHE_SECONDS"], app.config["PAGE_CACHE_BYTES"])
        self._engine = None
        self._idle = []  # connections for reading the version, outside the pool, in autocommit
        self._opened = []  # all of them, closed when this app goes away
        weakref.finalize(self, _close_all, self._opened)

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] != "GET" or not self._is_guest(environ):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        key = request_key(environ)
        page = None
        if key in self.cache:
            try:
                environ[VERSION] = self.current_version()
            except Exception:  # the database is away, say: Flask answers, with its error page if need be
                return self.wsgi_app(environ, start_response)
            page = self.cache.get(key, environ[VERSION])
        if page is not None:
            return self._answer(page, started, start_response)
        environ[GUEST_KEY] = key
        return self._render_and_keep(environ, start_response)

    @property
    def engine(self):
        if self._engine is None:
            with self.app.app_context():
                self._engine = db.engine
        return self._engine

    def current_version(self) -> str | None:
        """The pages_version in the database now (None before the first change).

        Read below the ORM, on a connection of the cache's own kept open in autocommit: one round
        trip. The ORM, or a pooled connection (checkout, then a rollback on return), would cost more
        than the rest of an answer from the cache. A thread takes an idle one and gives it back, so
        there are never more than the threads serving at once. A connection that fails is closed
        and the read tried once more on a new one: the database may have restarted."""
        for attempt in (1, 2):
            connection = self._take()
            try:
                cursor = connection.cursor()
                cursor.execute(VERSION_QUERY)
                row = cursor.fetchone()
                cursor.close()
            except Exception:
                self._opened.remove(connection)
                connection.close()
                if attempt == 2:
                    raise
                continue
            self._idle.append(connection)
            return row[0] if row else None

    def _take(self):
        try:
            return self._idle.pop()  # atomic: two threads never get the same one
        except IndexError:
            return self._open_connection()

    def _open_connection(self):
        connection = self.engine.raw_connection()
        connection.detach()
        if self.engine.dialect.name == "postgresql":
            connection.dbapi_connection.autocommit = True
        self._opened.append(connection)
        return connection  # on SQLite, forum.database's connect hook already made it autocommit

    def _answer(self, page: Page, started: float, start_response):
        nonce = secrets.token_urlsafe(16)
        body = page.body.replace(page.nonce.encode(), nonce.encode())
        headers = page.headers + [("Content-Security-Policy", CSP.format(nonce=nonce)), ("Content-Length", str(len(body))),
                    (HEADER, "hit"), ("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.2f}")]
        start_response("200 OK", headers)
        return [body]

    def _render_and_keep(self, environ, start_response):
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
        version, nonce = environ[KEEP]
        headers = [(name, value) for name, value in answer["headers"] if name not in MADE_PER_ANSWER]
        if answer["status"].startswith("200 ") and not any(name == "Set-Cookie" for name, _ in headers):
            page = Page(version, time.monotonic() + self.cache.seconds, body, headers, nonce)
            self.cache.put(environ[GUEST_KEY], page)
        return [body]

    def _is_guest(self, environ) -> bool:
        """No member, no remember-me cookie, and nothing in the session that is this visitor's own
        (such as a flashed message)."""
        cookie_header = environ.get("HTTP_COOKIE")
        if not cookie_header:
            return True
        cookies = parse_cookie(cookie_header)
        if self.app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
            return False
        if self.app.config["SESSION_COOKIE_NAME"] not in cookies:
            return True
        visitor_session = self.app.session_interface.open_session(self.app, self.app.request_class(environ))
        return visitor_session is not None and set(visitor_session.keys()) <= GUEST_SESSION_KEYS


def _close_all(connections: list) -> None:
    for connection in connections:
        connection.close()
    connections.clear()


def request_key(environ) -> tuple:
    """What tells two answers apart: the address, and the htmx headers that choose page or fragment
    (htmx.VARY). Read from the environ: werkzeug's request.full_path costs more than a whole answer."""
    return (environ["wsgi.url_scheme"], environ.get("HTTP_HOST"), environ.get("PATH_INFO"),
            environ.get("QUERY_STRING"), environ.get("HTTP_HX_REQUEST"), environ.get("HTTP_HX_REQUEST_TYPE"))


def _read_version():
    """Before a cacheable view reads anything: the version its page will be kept under. A change
    committed after this makes the page stale."""
    view = current_app.view_functions.get(request.endpoint)
    if GUEST_KEY in request.environ and getattr(view, "cached_for_guests", False):
        environ = request.environ  # a stale page's version was read already, before Flask began
        g.page_cache_version = (environ[VERSION] if VERSION in environ
                                else current_app.extensions["page_cache"].current_version())


def _mark_for_keeping(response):
    if "page_cache_version" not in g:
        return response
    response.headers[HEADER] = "miss"
    if (response.status_code == 200 and response.mimetype == "text/html" and not response.direct_passthrough
            and not session.modified and "csrf_token" not in g):  # g: a token was rendered
        request.environ[KEEP] = (g.page_cache_version, csp_nonce())
    return response
