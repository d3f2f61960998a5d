"""Search over thread titles and post text."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from . import index, views  # noqa: E402,F401  (index: the full-text DDL joins create_all)
