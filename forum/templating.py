"""Jinja settings, filters and globals shared by every template."""

from datetime import datetime

from flask import request
from flask_login import current_user
from jinja2 import StrictUndefined

from .models.base import utcnow
from .posts.context import links_allowed_for
from .posts.service import may_change
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
    app.jinja_env.globals["links_allowed_for"] = links_allowed_for
    app.jinja_env.globals["name_of"] = name_of
    app.jinja_env.globals["now"] = utcnow


def name_of(user) -> str:
    """A member's name as the current reader may see it (full names only to themselves and staff)."""
    return user.name_seen_by(current_user)


def current_path() -> str:
    """This page's path and query, for ?next= links back to it."""
    return request.full_path.rstrip("?")


def timeago(moment: datetime, now: datetime | None = None) -> str:
    """'3 hours ago', 'just now': how long ago `moment` was, in words."""
    seconds = int(((now or utcnow()) - moment).total_seconds())
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
