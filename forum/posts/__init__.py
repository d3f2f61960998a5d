"""Posts: replies, permalinks, editing and deleting."""

from flask import Blueprint

bp = Blueprint("posts", __name__)

from . import compose, views  # noqa: E402,F401
