"""Search over thread titles and post text."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from . import views  # noqa: E402,F401
from .service import index  # noqa: E402,F401  (the full-text DDL joins create_all)
