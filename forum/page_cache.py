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
CSRF token (a flashed message is theirs alone, say) is answered from the cache or fills it, and only a
200 HTML answer that sets no cookie is kept. Guest pages carry no CSRF token (base.html); the CSP
nonce, the one part unique to each answer, is replaced by a fresh one every time a page is reused.
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, g, make_response, request, session
from sqlalchemy import select

from .extensions import db
from .models import SiteState
from .security import csp_nonce

# Set on every response after the cache was asked: "hit", or "miss" (rendered, and kept if it may be).
HEADER = "X-Page-Cache"
# What a guest's session may hold: the token of a form they opened, and Flask-Login's note that
# no member is signed in with it.
GUEST_SESSION_KEYS = {"csrf_token", "_fresh"}
LEFT_TO_OTHER_HOOKS = {"content-length", "server-timing", "set-cookie"}


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
    """Answer guests from the cache when PAGE_CACHE_SECONDS is above 0. Register it before the hooks
    that add headers to every response, so that a kept page has them and they run again on reuse."""
    if app.config["PAGE_CACHE_SECONDS"] <= 0:
        return
    app.extensions["page_cache"] = PageCache(app.config["PAGE_CACHE_SECONDS"], app.config["PAGE_CACHE_BYTES"])
    app.before_request(_answer_from_cache)
    app.after_request(_keep)


def current_version() -> str | None:
    """The pages_version in the database now (None before the first change)."""
    return db.session.scalar(select(SiteState.pages_version).where(SiteState.id == 1))


def _answer_from_cache():
    if not (request.method in ("GET", "HEAD") and _view_allows_it() and _is_guest()):
        return None
    key = (request.scheme, request.host, request.full_path,
           request.headers.get("HX-Request"), request.headers.get("HX-Request-Type"))
    # Read before anything the page shows: a change committed after this makes the page stale.
    version = current_version()
    page = current_app.extensions["page_cache"].get(key, version)
    if page is None:
        g.page_cache_slot = (key, version)
        return None
    response = make_response(page.body.replace(page.nonce.encode(), csp_nonce().encode()))
    for name in {name for name, _ in page.headers}:
        del response.headers[name]
    response.headers.extend(page.headers)
    response.headers[HEADER] = "hit"
    return response


def _keep(response):
    slot = g.pop("page_cache_slot", None)
    if slot is None or response.headers.get(HEADER) == "hit":
        return response
    response.headers[HEADER] = "miss"
    if (request.method == "GET" and response.status_code == 200 and response.mimetype == "text/html" and not response.direct_passthrough
            and "Set-Cookie" not in response.headers and not session.modified and _is_guest()):
        key, version = slot
        cache = current_app.extensions["page_cache"]
        headers = [(name, value) for name, value in response.headers.items()
                   if name.lower() not in LEFT_TO_OTHER_HOOKS and name != HEADER]
        cache.put(key, Page(version, time.monotonic() + cache.seconds, response.get_data(), headers, csp_nonce()))
    return response


def _view_allows_it() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, "cached_for_guests", False)


def _is_guest() -> bool:
    """No member, and nothing in the session that is this visitor's own (such as a flashed message)."""
    return (current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies
            and set(session.keys()) <= GUEST_SESSION_KEYS)
