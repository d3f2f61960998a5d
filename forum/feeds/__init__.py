"""Atom feeds of the latest threads, a category and a thread, for feed readers (which never sign in)."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)

from . import views  # noqa: E402,F401
