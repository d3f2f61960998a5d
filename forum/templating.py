"""Jinja settings, filters and globals shared by every template."""

import functools
from datetime import datetime
from urllib.parse import urlencode

from flask import current_app, request, url_for
from flask_login import current_user
from jinja2 import StrictUndefined
from markupsafe import Markup, escape
from werkzeug.sansio.utils import get_current_url

from .models.base import utcnow
from .policy import links_allowed_for, may_change, write_blocker
from .security import csp_nonce

UNITS = (
    ("year", 365 * 24 * 3600),
    ("month", 30 * 24 * 3600),
    ("week", 7 * 24 * 3600),
    ("day", 24 * 3600),
    ("hour", 3600),
    ("minute", 60),
)


def configure(app):
    """Register filters and globals; templates fail loudly on a missing variable under test."""
    if app.testing:
        app.jinja_env.undefined = StrictUndefined
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["timeago"] = timeago
    app.jinja_env.filters["isotime"] = isotime
    app.jinja_env.filters["longtime"] = longtime
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.globals["may_change"] = may_change
    app.jinja_env.globals["current_path"] = current_path
    app.jinja_env.globals["canonical_url"] = canonical_url
    app.jinja_env.globals["public_url"] = public_url
    app.jinja_env.globals["links_allowed_for"] = links_allowed_for
    app.jinja_env.globals["write_blocker"] = write_blocker
    app.jinja_env.globals["name_of"] = name_of
    app.jinja_env.globals["now"] = utcnow
    app.jinja_env.globals["timestamp"] = timestamp
    app.jinja_env.globals["url_for_post"] = url_for_post
    app.jinja_env.globals["fixed_url"] = fixed_url
    app.jinja_env.globals["icon"] = icon


_POST_ID = 2_147_483_647  # stands for the post id while a route's address is built once
_route_parts: dict[tuple[str, str], tuple[str, str]] = {}


_fixed_urls: dict[tuple, str] = {}


def fixed_url(endpoint: str, **values: str) -> str:
    """url_for(endpoint, **values) for an address that is the same on every page, the header's, the
    footer's and the stylesheets' (about twenty a page, ~15 µs each): built once per worker and
    script root. Only for literal values written in a template, never for anything a request chooses."""
    key = (endpoint, request.script_root, *values.items())
    address = _fixed_urls.get(key)
    if address is None:
        address = _fixed_urls[key] = url_for(endpoint, **values)
    return address


def url_for_post(endpoint: str, post_id: int, **query) -> str:
    """url_for(endpoint, post_id=post_id, **query) for the routes of one post (/p/<id>...), from the
    route's address built once: a thread page names about 200 of them, each url_for costs ~15 µs."""
    key = (endpoint, request.script_root)
    parts = _route_parts.get(key)
    if parts is None:
        before, _, after = url_for(endpoint, post_id=_POST_ID).partition(str(_POST_ID))
        parts = _route_parts[key] = (before, after)
    return f"{parts[0]}{post_id}{parts[1]}" + (f"?{urlencode(query)}" if query else "")


# The small line icons beside the post actions' words, drawn once per page in base.html's sprite
# (no icon font, no request) and referred to by name; the words stay, the icons are decoration.
ICONS = ("reply", "quote", "like", "react", "edit", "delete", "flag")
_ICON = '<svg class="icon" aria-hidden="true" focusable="false" width="16" height="16"><use href="#icon-{name}"/></svg>'


def icon(name: str) -> Markup:
    """A post action's icon from the page's sprite: hidden from assistive technology, sized by forum.css."""
    if name not in ICONS:
        raise ValueError(f"there is no icon called {name!r}")
    return Markup(_ICON.format(name=name))


def name_of(user) -> str:
    """A member's name as the current reader may see it (full names only to themselves and staff)."""
    return user.name_seen_by(current_user)


def current_path() -> str:
    """This page's path and query, for ?next= links back to it."""
    return request.full_path.rstrip("?")


# The query arguments that choose what a page shows; any other (tracking tags, say) is left out of its
# canonical address. A thread sorted another way (?order=newest, ?order=top) shows the same posts as the
# plain thread, so its canonical address is the plain thread's: no order, and no page either (page 2 of
# the newest first is not page 2 of the oldest first).
CANONICAL_ARGS = {"page": "1", "q": ""}


def canonical_url() -> str:
    """This page's one address, for search engines: its path, and the arguments that choose its
    content when not their defaults, at public_url."""
    sorted_otherwise = request.args.get("order", "oldest") not in ("", "oldest")
    query = [(name, request.args[name]) for name in CANONICAL_ARGS
             if request.args.get(name, CANONICAL_ARGS[name]) != CANONICAL_ARGS[name]
             and not (sorted_otherwise and name == "page")]
    return public_url(request.path + ("?" + urlencode(query) if query else ""))


def public_url(path: str) -> str:
    """`path` (from url_for) as an absolute address: at BASE_URL when set, else where this request came."""
    return (current_app.config.get("BASE_URL") or _host_url(request.scheme, request.host)).rstrip("/") + path


@functools.lru_cache(maxsize=64)
def _host_url(scheme: str, host: str) -> str:
    """request.host_url, worked out once per scheme and host: its decoding of the host costs about what
    a kept post does, and a page asks for it twice (its canonical address, and again for link previews)."""
    return get_current_url(scheme, host)


def timestamp(moment: datetime) -> Markup:
    """A moment as "2 years ago", with the exact time on hover and for screen readers; forum.js keeps
    it fresh. A function, not a macro: a thread page shows dozens, and a macro import runs per include."""
    return timestamp_with(moment, timeago(moment))


def timestamp_with(moment: datetime, ago: str) -> Markup:
    """timestamp(), saying `ago` for how long ago (forum.posts.html_cache keeps a slot there). The parts
    are escaped and joined here: Markup.format goes through string.Formatter, 15 µs a call, dozens a page."""
    long = escape(longtime(moment))
    return Markup(f'<time datetime="{escape(isotime(moment))}" title="{long}"><span class="ago">{escape(ago)}</span>'
                  f'<span class="visually-hidden"> ({long})</span></time>')


def timeago(moment: datetime, now: datetime | None = None) -> str:
    """'3 hours ago', 'just now': how long ago `moment` was, in words."""
    return ago_in_words(int(((now or utcnow()) - moment).total_seconds()))


def ago_in_words(seconds: int) -> str:
    """'3 hours ago', 'just now': for a moment `seconds` ago."""
    if seconds < 60:
        return "just now"
    for name, size in UNITS:
        if seconds >= size:
            count = seconds // size
            return f"{count} {name}{'' if count == 1 else 's'} ago"
    return "just now"


def isotime(moment: datetime) -> str:
    """The machine-readable UTC time for a <time datetime> attribute."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def longtime(moment: datetime) -> str:
    """The exact date and time, shown on hover and focus."""
    return moment.strftime("%-d %B %Y, %H:%M UTC")
