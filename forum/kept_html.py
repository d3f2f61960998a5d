"""HTML rendered once and kept in each worker's memory, with slots for what differs per answer.

Posts on a thread page (forum.posts.html_cache) and the rows of thread lists (forum.threads.views.rows)
are each kept under a key made of everything they show; each of those modules says what its key holds.
What they share lives here:

- KeptHtml: the size-bounded map from key to HTML, least recently used forgotten first.
- settings_key(): the site's saved settings as a part of a key (a settings change makes every key new).
- The slots, left in the kept HTML while it is rendered, cut at once when it is kept (`cut`) and filled
  in for each answer by `Filling`: the CSRF token of the reader's forms (render with
  `csrf_token=csrf_slot`), "3 minutes ago", which grows older with no change at all (render with
  `timestamp=timestamp_slot`), and slots the caller names and fills itself (`slot(name)`: a thread
  page's posts, its composer's request key and draft text). Their markers hold a random secret made
  when the worker starts, so no member's text can name one.
"""

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta

from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from .models.base import utcnow
from .settings import store
from .templating import ago_in_words, timestamp_with

MARK = secrets.token_hex(12)


def slot(name: str) -> str:
    """The marker of a slot named `name` (lower-case letters): "csrf", or one that a Filling's caller fills."""
    return f"{MARK}{name}{MARK}"


CSRF_SLOT = slot("csrf")

_EPOCH = datetime(1970, 1, 1)
_ONE_MICROSECOND = timedelta(microseconds=1)


def csrf_slot() -> str:
    """Stands in for csrf_token() while kept HTML is rendered."""
    return CSRF_SLOT


def timestamp_slot(moment: datetime) -> Markup:
    """Stands in for timestamp() while kept HTML is rendered: the moment's "ago" is left as a slot."""
    return timestamp_with(moment, f"{MARK}ago{_microseconds(moment)}{MARK}")


_SLOTS = re.compile(f"{MARK}([a-z]+|ago-?[0-9]+){MARK}")


def cut(html: str) -> tuple[str, ...]:
    """Kept HTML cut at its slots once, when it is kept, so that an answer fills them without searching
    a page's worth of HTML for them (`Filling`): the text between the slots at even places, the slots'
    names at odd ones."""
    return tuple(_SLOTS.split(html))


class Filling:
    """This answer's CSRF token (asked for only if a slot needs it) and time, for filling `cut` HTML;
    `parts` fill the caller's own slots (`slot(name)`): name=function appending that slot's HTML to a list."""

    def __init__(self, **parts: Callable[[list[str]], None]):
        self._token = None
        self._now = _microseconds(utcnow())
        self._parts = parts

    def add(self, pieces: tuple[str, ...], into: list[str]) -> None:
        """Append `pieces` (from `cut`) to `into`, each slot filled: the token, and how long ago the moment
        was, as timeago says it. HTML without a form asks for no token (for a guest that would begin a
        session, and keep their page out of the guest page cache)."""
        into.append(pieces[0])
        for place in range(1, len(pieces), 2):
            name = pieces[place]
            if name in self._parts:
                self._parts[name](into)
            else:
                into.append(self._slot(name))
            into.append(pieces[place + 1])

    def _slot(self, name: str) -> str:
        if name == "csrf":
            if self._token is None:
                self._token = generate_csrf()
            return self._token
        return ago_in_words(int((self._now - int(name[3:])) / 1e6))


def _microseconds(moment: datetime) -> int:
    """A stored (naive UTC) moment as whole microseconds, so that the slot says just what timeago would."""
    return (moment - _EPOCH) // _ONE_MICROSECOND


_settings_seen: list = [None, ()]  # the settings dict last read, and its items as a tuple


def settings_key() -> tuple:
    """The site's saved settings as a hashable part of a key (rebuilt only when the worker reads them anew)."""
    saved = store().saved()
    if _settings_seen[0] is not saved:
        _settings_seen[:] = [saved, tuple(sorted((name, repr(value)) for name, value in saved.items()))]
    return _settings_seen[1]


class KeptHtml:
    """A size-bounded, least-recently-used map from key to HTML, shared by a worker's threads."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, tuple[str, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> str | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: tuple, html: str, size: int) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (html, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def __len__(self) -> int:
        return len(self._entries)
