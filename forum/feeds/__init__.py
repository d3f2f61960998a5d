"""Atom feeds of the latest threads, a category and a thread, for feed readers, and robots.txt and
the sitemap for search engines: what a guest may read, for visitors that never sign in."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)

from . import views  # noqa: E402,F401
