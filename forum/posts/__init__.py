"""Posts: permalinks, editing and deleting, and the write service the thread page's composer calls."""

from flask import Blueprint

bp = Blueprint("posts", __name__)

from . import views  # noqa: E402,F401
